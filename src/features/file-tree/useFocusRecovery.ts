import { useEffect, useLayoutEffect, useRef } from "react";
import { useAppStore } from "../../store";
import { DRAFT_ID, isWithin } from "./model";
import { focusIsNowhere, focusIsOursOrNowhere, focusTree, type TreeElements } from "./rowDom";
import type { TreeView } from "./useTreeView";

/*
 * The moments the tree takes DOM focus back on its own, so the keyboard keeps working: after a confirmed delete
 * removed the focused rows, and when the workspace opens with focus nowhere. Focus elsewhere (the editor, a
 * dialog) is never taken.
 */

/**
 * Deletes through `remove` and then moves focus to the next surviving row, else the previous one, else the tree
 * itself: never to <body>. Focus moves once the rows are gone (the optimistic update removes them); a refused
 * delete leaves the rows, and focus, where they are.
 */
export function useFocusAfterDelete(
  view: TreeView,
  elements: TreeElements,
  requestDomFocus: () => void,
): (ids: readonly string[], remove: () => Promise<void>) => void {
  const pending = useRef<{ ids: readonly string[]; candidates: readonly string[] } | null>(null);
  const { index, rows, focusIndex } = view;
  const indexRef = useRef(index);
  useLayoutEffect(() => {
    indexRef.current = index;
  }, [index]);

  useLayoutEffect(() => {
    const expected = pending.current;
    if (!expected || expected.ids.some((id) => index.byId.has(id))) return;
    pending.current = null;
    const next = expected.candidates.find((id) => index.byId.has(id) && rows.indexOf(id) >= 0);
    if (!focusIsOursOrNowhere(elements.root.current)) return;
    const { setSelection } = useAppStore.getState();
    if (next) {
      requestDomFocus();
      setSelection([next], next, next);
    } else {
      setSelection([], null, null);
      elements.tree.current?.focus();
    }
  }, [index, rows, elements, requestDomFocus]);

  return (ids, remove) => {
    const gone = (id: string) => ids.some((d) => isWithin(index, id, d));
    const at = Math.max(0, focusIndex);
    const after = rows.slice(at + 1, rows.length).map((r) => r.id);
    const before = rows
      .slice(0, at)
      .map((r) => r.id)
      .reverse();
    const candidates = [...after, ...before].filter((id) => id !== DRAFT_ID && !gone(id));
    const expected = { ids, candidates };
    pending.current = expected;
    void remove().finally(() => {
      if (pending.current === expected && ids.some((id) => indexRef.current.byId.has(id))) pending.current = null;
    });
  };
}

/** When the tree's data first arrives with focus nowhere, the tree takes focus, so the first key press works. */
export function useFocusOnLoad(loaded: boolean, elements: TreeElements): void {
  useEffect(() => {
    if (loaded && focusIsNowhere()) focusTree(elements.tree.current);
  }, [loaded, elements]);
}


/**
 * When rows change under DOM focus (an undone create or paste removed the focused row, another window deleted
 * it), focus would fall to <body> and the next key would do nothing. If the last focus the page saw was inside
 * the tree and focus is now nowhere, the tree's current row (the row that took the vanished one's place) takes
 * it. Focus that moved anywhere else is never taken.
 */
export function useFocusKeptInTree(rows: unknown, elements: TreeElements): void {
  const lastFocusInTree = useRef(false);
  useEffect(() => {
    const onFocusIn = (event: FocusEvent) => {
      lastFocusInTree.current = elements.tree.current?.contains(event.target as Node) ?? false;
    };
    document.addEventListener("focusin", onFocusIn, true);
    return () => document.removeEventListener("focusin", onFocusIn, true);
  }, [elements]);
  useLayoutEffect(() => {
    if (lastFocusInTree.current && focusIsNowhere()) focusTree(elements.tree.current);
  }, [rows, elements]);
}
