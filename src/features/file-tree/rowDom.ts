import type { RefObject } from "react";

/*
 * Where the tree meets the DOM. Rows own no handlers: the tree delegates events and finds a row's element by
 * its `data-index` (the row's position in the visible rows), so these helpers are the one place that knows it.
 */

/** The visible-row index of the row an event happened in, -1 outside any row. */
export function rowIndexOf(e: { target: EventTarget | null }): number {
  const el = (e.target as HTMLElement | null)?.closest?.("[data-index]");
  return el ? Number(el.getAttribute("data-index")) : -1;
}

/** The rendered element of the row at `index`, if it is mounted. */
export function rowElement(tree: HTMLElement | null, index: number): HTMLElement | null {
  return tree?.querySelector<HTMLElement>(`[data-index="${index}"]`) ?? null;
}

/** Text fields keep their keys: tree shortcuts never act while one has focus. */
export function isTextField(target: EventTarget | null): boolean {
  const tag = (target as HTMLElement | null)?.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
}

/** Focus is nowhere a key press would do anything: no element, or the page body. */
export function focusIsNowhere(): boolean {
  const active = document.activeElement;
  return !active || active === document.body;
}

/** Moves DOM focus into the tree: the tabbable row, else any row, else the tree itself (when it is empty). */
export function focusTree(tree: HTMLElement | null): void {
  const el =
    tree?.querySelector<HTMLElement>('[role="treeitem"][tabindex="0"]') ??
    tree?.querySelector<HTMLElement>('[role="treeitem"]') ??
    tree;
  el?.focus();
}

/**
 * Moves DOM focus into the workspace's file tree (FileTreePane labels it "Files"; the Search panel's results are a
 * tree too) from outside the tree component: the import banner when it goes, the review bar after Undo of a
 * created file. Found by role and label, so those features need no ref to it.
 */
export function focusFileTree(): void {
  focusTree(document.querySelector<HTMLElement>('[role="tree"][aria-label="Files"]'));
}

/** The tree's elements: the whole component (toolbar and menus included), the scroller, and the role=tree list. */
export interface TreeElements {
  root: RefObject<HTMLDivElement | null>;
  scroll: RefObject<HTMLDivElement | null>;
  tree: RefObject<HTMLDivElement | null>;
}

/** True when focus is in nothing (see focusIsNowhere) or inside the tree component: a place the tree may take it from. */
export function focusIsOursOrNowhere(root: HTMLElement | null): boolean {
  const active = document.activeElement;
  return !active || active === document.body || (root?.contains(active) ?? false);
}
