import { useEffect, useRef, type KeyboardEvent } from "react";
import type { EditorTab, FileId } from "../../store/tabsSlice";
import { EDITOR_PANEL_ID } from "../../store/editorFocus";

export interface TabTitle {
  name: string;
  path: string;
}

interface TabBarProps {
  tabs: readonly EditorTab[];
  activeFileId: FileId | null;
  dirtyFiles: Partial<Record<FileId, true>>;
  /** Files whose assistant changes wait for the person's review (the project's "wait for review" setting). */
  reviewFiles?: ReadonlyMap<FileId, unknown>;
  titleOf: (fileId: FileId) => TabTitle;
  onActivate: (fileId: FileId) => void;
  onPin: (fileId: FileId) => void;
  /** `via`: Delete in the tab list, or a click on × / middle click. */
  onClose: (fileId: FileId, via: "keyboard" | "pointer") => void;
}

export const PANEL_ID = EDITOR_PANEL_ID;

export function tabDomId(fileId: FileId) {
  return `editor-tab-${fileId}`;
}

/**
 * The open files, as an ARIA tablist with a roving tab stop: arrows/Home/End move between tabs and show them,
 * Enter pins a preview tab, Delete closes.
 */
export function TabBar({ tabs, activeFileId, dirtyFiles, reviewFiles, titleOf, onActivate, onPin, onClose }: TabBarProps) {
  const listRef = useRef<HTMLDivElement>(null);

  // The active tab is always in sight when the strip overflows (opened from the tree, cycled to, restored).
  useEffect(() => {
    if (!activeFileId) return;
    document.getElementById(tabDomId(activeFileId))?.scrollIntoView?.({ block: "nearest", inline: "nearest" });
  }, [activeFileId, tabs.length]);

  // Keyboard moves between tabs keep focus on the newly active tab.
  useEffect(() => {
    const list = listRef.current;
    if (!list || !activeFileId || !list.contains(document.activeElement)) return;
    document.getElementById(tabDomId(activeFileId))?.focus();
  }, [activeFileId]);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (tabs.length === 0 || event.ctrlKey || event.metaKey || event.altKey) return;
    const index = tabs.findIndex((t) => t.fileId === activeFileId);
    let next: number | null = null;
    switch (event.key) {
      case "ArrowRight":
        next = (index + 1) % tabs.length;
        break;
      case "ArrowLeft":
        next = (index - 1 + tabs.length) % tabs.length;
        break;
      case "Home":
        next = 0;
        break;
      case "End":
        next = tabs.length - 1;
        break;
      case "Enter":
        if (activeFileId) onPin(activeFileId);
        break;
      case "Delete":
        if (activeFileId) onClose(activeFileId, "keyboard");
        break;
      default:
        return;
    }
    event.preventDefault();
    if (next !== null) onActivate(tabs[next].fileId);
  }

  const suffixes = distinguishingSuffixes(tabs.map((tab) => titleOf(tab.fileId).path));
  return (
    <div ref={listRef} role="tablist" aria-label="Open files" className="editor-tabs" onKeyDown={onKeyDown}>
      {tabs.map((tab, i) => {
        const { name: base, path } = titleOf(tab.fileId);
        const suffix = suffixes[i];
        const name = suffix ? `${base} — ${suffix}` : base;
        const active = tab.fileId === activeFileId;
        const dirty = Boolean(dirtyFiles[tab.fileId]);
        const waiting = reviewFiles?.has(tab.fileId) === true;
        const label = [name, dirty && "unsaved", tab.preview && "preview", tab.deleted && "deleted", waiting && "waiting for review"]
          .filter(Boolean)
          .join(", ");
        return (
          <div
            key={tab.fileId}
            id={tabDomId(tab.fileId)}
            role="tab"
            aria-selected={active}
            aria-controls={active ? PANEL_ID : undefined}
            aria-label={label}
            tabIndex={active ? 0 : -1}
            title={path}
            className="editor-tab"
            data-preview={tab.preview}
            data-deleted={tab.deleted}
            data-review={waiting || undefined}
            onClick={() => onActivate(tab.fileId)}
            onDoubleClick={() => onPin(tab.fileId)}
            onMouseDown={(event) => {
              if (event.button === 1) event.preventDefault();
            }}
            onAuxClick={(event) => {
              if (event.button === 1) onClose(tab.fileId, "pointer");
            }}
          >
            <span className="editor-tab-title">{base}</span>
            {suffix && <span className="editor-tab-suffix">{suffix}</span>}
            {waiting && (
              <span className="editor-tab-review" aria-hidden="true" title="Changed by the assistant, waiting for review">
                review
              </span>
            )}
            {dirty && (
              <span className="editor-tab-dirty" aria-hidden="true">
                ●
              </span>
            )}
            {/* A pointer's close control only: a control inside a tab is nested interaction, which screen
                readers cannot reach reliably. Keyboard users close with Delete in the tab list or Ctrl/Alt+W. */}
            <span
              className="editor-tab-close"
              aria-hidden="true"
              title={`Close ${name}`}
              data-testid="tab-close"
              onClick={(event) => {
                event.stopPropagation();
                onClose(tab.fileId, "pointer");
              }}
            >
              ×
            </span>
          </div>
        );
      })}
    </div>
  );
}

/**
 * For tabs whose files share a name, the end of the folder path that tells them apart, as VS Code shows it
 * ("index.ts — src/a" beside "index.ts — lib/a"): the fewest trailing folders that differ within the group,
 * "/" for a file at the project root. Empty for a name no other tab has.
 */
export function distinguishingSuffixes(paths: readonly string[]): string[] {
  const folders = paths.map((path) => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")).split("/") : []));
  const names = paths.map((path) => path.slice(path.lastIndexOf("/") + 1));
  return paths.map((_, i) => {
    const same = names.flatMap((name, j) => (name === names[i] && j !== i && paths[j] !== paths[i] ? [j] : []));
    if (same.length === 0) return "";
    if (folders[i].length === 0) return "/";
    const tail = (j: number, n: number) => folders[j].slice(-n).join("/");
    for (let n = 1; n < folders[i].length; n++) {
      if (same.every((j) => tail(j, n) !== tail(i, n))) return `…/${tail(i, n)}`;
    }
    return folders[i].join("/");
  });
}
