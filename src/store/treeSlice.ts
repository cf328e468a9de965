import type { StateCreator } from "zustand";
import type { Id } from "../../convex/_generated/dataModel";
import { readJson, writeJson } from "../lib/storage";
import type { AppState } from "./index";

type FileId = Id<"files">;

/** The inline editor of the file tree: renaming a row, or naming a new file/folder inside `parentKey` ("" = root). */
export type TreeEdit = { kind: "rename"; id: string } | { kind: "new"; type: "file" | "folder"; parentKey: string };

export interface TreeClipboard {
  mode: "copy" | "cut";
  ids: string[];
}

/** A deleted item as captured before deletion, enough to recreate it (text content only). */
export interface DeletedItem {
  name: string;
  type: "file" | "folder";
  content?: string;
  children?: DeletedItem[];
}

/** A file operation that Ctrl/Cmd+Z can revert. Pushed only after the server confirmed it. */
export type TreeUndoEntry =
  | { kind: "create"; ids: FileId[] }
  | { kind: "rename"; id: FileId; from: string }
  | { kind: "move"; moves: { id: FileId; from: FileId | undefined }[] }
  | { kind: "delete"; items: { parentId: FileId | undefined; item: DeletedItem }[] };

const UNDO_LIMIT = 50;

/**
 * Expanded folders survive a reload: one localStorage entry holds, for the most recently used projects, the
 * ids of their expanded folders. Bounded both ways, since ids of deleted folders are never pruned one by one.
 */
export const EXPANDED_STORAGE_KEY = "polaris.tree.expanded";
export const EXPANDED_PROJECTS_LIMIT = 20;
export const EXPANDED_IDS_LIMIT = 500;

type StoredExpanded = Record<string, { at: number; ids: string[] }>;

function readStoredExpanded(): StoredExpanded {
  const raw = readJson(EXPANDED_STORAGE_KEY);
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return {};
  const out: StoredExpanded = {};
  for (const [projectId, entry] of Object.entries(raw as Record<string, unknown>)) {
    const { at, ids } = (entry ?? {}) as { at?: unknown; ids?: unknown };
    if (typeof at === "number" && Array.isArray(ids)) {
      out[projectId] = { at, ids: ids.filter((id): id is string => typeof id === "string") };
    }
  }
  return out;
}

export function loadExpanded(projectId: string): Set<string> {
  return new Set(readStoredExpanded()[projectId]?.ids ?? []);
}

function saveExpanded(projectId: string | null, expanded: ReadonlySet<string>) {
  if (projectId === null) return;
  const stored = readStoredExpanded();
  // Newest ids last (a Set keeps insertion order): when over the limit, the oldest expansions are forgotten.
  // `at` orders projects by last use; it must grow even within one millisecond.
  const at = Math.max(Date.now(), ...Object.values(stored).map((entry) => entry.at + 1));
  stored[projectId] = { at, ids: [...expanded].slice(-EXPANDED_IDS_LIMIT) };
  const kept = Object.entries(stored)
    .sort((a, b) => b[1].at - a[1].at)
    .slice(0, EXPANDED_PROJECTS_LIMIT);
  writeJson(EXPANDED_STORAGE_KEY, Object.fromEntries(kept));
}

export interface TreeSlice {
  /** Tree UI state belongs to one project; switching projects resets it. */
  treeProjectId: string | null;
  expanded: ReadonlySet<string>;
  selected: ReadonlySet<string>;
  focusedId: string | null;
  anchorId: string | null;
  treeEdit: TreeEdit | null;
  clipboard: TreeClipboard | null;
  undoStack: readonly TreeUndoEntry[];
  resetTree: (projectId: string) => void;
  setExpanded: (id: string, expanded: boolean) => void;
  expandAll: (ids: Iterable<string>) => void;
  collapseAll: () => void;
  setTreeFocus: (id: string | null) => void;
  /** Replaces the selection; `focus`/`anchor` move too when given. */
  setSelection: (ids: Iterable<string>, focus?: string | null, anchor?: string | null) => void;
  setTreeEdit: (edit: TreeEdit | null) => void;
  setClipboard: (clipboard: TreeClipboard | null) => void;
  pushUndo: (entry: TreeUndoEntry) => void;
  popUndo: () => TreeUndoEntry | undefined;
  /**
   * A row created offline got its real id: expansion, selection, focus, inline edit and clipboard follow it.
   * Undo entries may keep the temporary id: writes naming it are sent with the real id (features/sync/ids.ts).
   */
  replaceTreeId: (from: string, to: string) => void;
}

function swapIn(set: ReadonlySet<string>, from: string, to: string): ReadonlySet<string> {
  if (!set.has(from)) return set;
  const next = new Set(set);
  next.delete(from);
  next.add(to);
  return next;
}

/** The tree state of a freshly opened project (nothing selected, no edit, no clipboard, no undo). */
export function emptyTreeState(
  projectId: string | null,
  expanded: ReadonlySet<string> = new Set(),
): Pick<TreeSlice, "treeProjectId" | "expanded" | "selected" | "focusedId" | "anchorId" | "treeEdit" | "clipboard" | "undoStack"> {
  return {
    treeProjectId: projectId,
    expanded,
    selected: new Set(),
    focusedId: null,
    anchorId: null,
    treeEdit: null,
    clipboard: null,
    undoStack: [],
  };
}

export const createTreeSlice: StateCreator<AppState, [], [], TreeSlice> = (set, get) => ({
  ...emptyTreeState(null),
  resetTree: (projectId) => {
    if (get().treeProjectId === projectId) return;
    set(emptyTreeState(projectId, loadExpanded(projectId)));
  },
  setExpanded: (id, open) => {
    const current = get().expanded;
    if (current.has(id) === open) return;
    const next = new Set(current);
    if (open) next.add(id);
    else next.delete(id);
    set({ expanded: next });
    saveExpanded(get().treeProjectId, next);
  },
  expandAll: (ids) => {
    const next = new Set(get().expanded);
    const before = next.size;
    for (const id of ids) next.add(id);
    if (next.size === before) return;
    set({ expanded: next });
    saveExpanded(get().treeProjectId, next);
  },
  collapseAll: () => {
    if (get().expanded.size === 0) return;
    set({ expanded: new Set() });
    saveExpanded(get().treeProjectId, new Set());
  },
  setTreeFocus: (id) => set({ focusedId: id }),
  setSelection: (ids, focus, anchor) =>
    set((s) => ({
      selected: new Set(ids),
      focusedId: focus === undefined ? s.focusedId : focus,
      anchorId: anchor === undefined ? s.anchorId : anchor,
    })),
  setTreeEdit: (edit) => set({ treeEdit: edit }),
  setClipboard: (clipboard) => set({ clipboard }),
  pushUndo: (entry) => set((s) => ({ undoStack: [...s.undoStack, entry].slice(-UNDO_LIMIT) })),
  popUndo: () => {
    const stack = get().undoStack;
    const entry = stack[stack.length - 1];
    if (entry) set({ undoStack: stack.slice(0, -1) });
    return entry;
  },
  replaceTreeId: (from, to) => {
    const expandedBefore = get().expanded;
    set((s) => {
      const swap = <T extends string | undefined | null>(id: T): T => (id === from ? (to as T) : id);
      const edit = s.treeEdit;
      return {
        expanded: swapIn(s.expanded, from, to),
        selected: swapIn(s.selected, from, to),
        focusedId: swap(s.focusedId),
        anchorId: swap(s.anchorId),
        treeEdit:
          edit?.kind === "rename" && edit.id === from
            ? { ...edit, id: to }
            : edit?.kind === "new" && edit.parentKey === from
              ? { ...edit, parentKey: to }
              : edit,
        clipboard: s.clipboard?.ids.includes(from) ? { ...s.clipboard, ids: s.clipboard.ids.map(swap) } : s.clipboard,
      };
    });
    const { expanded, treeProjectId } = get();
    if (expanded !== expandedBefore) saveExpanded(treeProjectId, expanded);
  },
});
