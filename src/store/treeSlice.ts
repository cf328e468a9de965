import type { StateCreator } from "zustand";
import type { Id } from "../../convex/_generated/dataModel";
import type { AppState } from "./index";

type FileId = Id<"files">;

/** The inline editor of the file tree: renaming a row, or naming a new file/folder inside `parentKey` ("" = root). */
export type TreeEdit = { kind: "rename"; id: string } | { kind: "new"; type: "file" | "folder"; parentKey: string };

/**
 * A folder whose name was just committed, under the id its row shows until the server's replaces it (the
 * optimistic row's temporary id). The tree shows it, and it can hold the tree's focus, before the listing has it.
 */
export interface CreatingFolder {
  id: string;
  name: string;
  /** Its parent folder's key (ROOT, "", for the root). */
  parentKey: string;
}

/** Whether `id` is a folder just named that the listing may not show yet (see CreatingFolder). */
export function isCreatingFolder(state: { creatingFolders: readonly CreatingFolder[] }, id: string | null): boolean {
  return id !== null && state.creatingFolders.some((f) => f.id === id);
}

export interface TreeClipboard {
  mode: "copy" | "cut";
  ids: string[];
}

/** A file operation that Ctrl/Cmd+Z can revert. Pushed only after the server confirmed it. */
export type TreeUndoEntry =
  | { kind: "create"; ids: FileId[] }
  | { kind: "rename"; id: FileId; from: string }
  | { kind: "move"; moves: { id: FileId; from: FileId | undefined }[] }
  /** Items put in the server's trash, with their name and path then: Undo takes them out (trash.restore). */
  | { kind: "delete"; items: { id: FileId; name: string; path: string }[] };

const UNDO_LIMIT = 50;

/**
 * The file tree's UI state. Actions are pure state changes: expanded folders are kept across reloads by the
 * store's persistence subscriber (persistence.ts), and DOM focus is the tree component's business.
 */
export interface TreeSlice {
  /** Tree UI state belongs to one project; switching projects resets it (and persistence restores its folders). */
  treeProjectId: string | null;
  expanded: ReadonlySet<string>;
  selected: ReadonlySet<string>;
  focusedId: string | null;
  anchorId: string | null;
  treeEdit: TreeEdit | null;
  clipboard: TreeClipboard | null;
  undoStack: readonly TreeUndoEntry[];
  /** See CreatingFolder: added when a new folder's name is committed, removed once its create has answered. */
  creatingFolders: readonly CreatingFolder[];
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
  /** Takes one entry off the stack wherever it is (a toast's Undo); false when it is no longer there. */
  takeUndo: (entry: TreeUndoEntry) => boolean;
  /**
   * A row created offline got its real id: expansion, selection, focus, inline edit and clipboard follow it.
   * Undo entries may keep the temporary id: writes naming it are sent with the real id (features/sync/ids.ts).
   */
  replaceTreeId: (from: string, to: string) => void;
  addCreatingFolder: (folder: CreatingFolder) => void;
  /** Removes the creating folder shown under any of `ids` (its temporary id, or the real one it was moved to). */
  endCreatingFolder: (ids: readonly string[]) => void;
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
): Pick<TreeSlice, "treeProjectId" | "expanded" | "selected" | "focusedId" | "anchorId" | "treeEdit" | "clipboard" | "undoStack" | "creatingFolders"> {
  return {
    treeProjectId: projectId,
    expanded: new Set(),
    selected: new Set(),
    focusedId: null,
    anchorId: null,
    treeEdit: null,
    clipboard: null,
    undoStack: [],
    creatingFolders: [],
  };
}

export const createTreeSlice: StateCreator<AppState, [], [], TreeSlice> = (set, get) => ({
  ...emptyTreeState(null),
  resetTree: (projectId) => {
    if (get().treeProjectId === projectId) return;
    set(emptyTreeState(projectId));
  },
  setExpanded: (id, open) => {
    const current = get().expanded;
    if (current.has(id) === open) return;
    const next = new Set(current);
    if (open) next.add(id);
    else next.delete(id);
    set({ expanded: next });
  },
  expandAll: (ids) => {
    const next = new Set(get().expanded);
    const before = next.size;
    for (const id of ids) next.add(id);
    if (next.size === before) return;
    set({ expanded: next });
  },
  collapseAll: () => {
    if (get().expanded.size === 0) return;
    set({ expanded: new Set() });
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
  takeUndo: (entry) => {
    const stack = get().undoStack;
    if (!stack.includes(entry)) return false;
    set({ undoStack: stack.filter((e) => e !== entry) });
    return true;
  },
  replaceTreeId: (from, to) =>
    set((s) => {
      // Every create confirmed in a replay comes here: most name nothing in the tree state, and a change of state
      // would reach every subscriber of the store (thousands of times while a day offline replays).
      const edit = s.treeEdit;
      const named =
        s.expanded.has(from) ||
        s.selected.has(from) ||
        s.focusedId === from ||
        s.anchorId === from ||
        (edit?.kind === "rename" && edit.id === from) ||
        (edit?.kind === "new" && edit.parentKey === from) ||
        s.clipboard?.ids.includes(from) ||
        s.creatingFolders.some((f) => f.id === from || f.parentKey === from);
      if (!named) return s;
      const swap = <T extends string | undefined | null>(id: T): T => (id === from ? (to as T) : id);
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
        creatingFolders: s.creatingFolders.some((f) => f.id === from || f.parentKey === from)
          ? s.creatingFolders.map((f) => ({ ...f, id: swap(f.id), parentKey: swap(f.parentKey) }))
          : s.creatingFolders,
      };
    }),
  addCreatingFolder: (folder) => set((s) => ({ creatingFolders: [...s.creatingFolders, folder] })),
  endCreatingFolder: (ids) => {
    const creating = get().creatingFolders;
    if (!creating.some((f) => ids.includes(f.id))) return;
    set({ creatingFolders: creating.filter((f) => !ids.includes(f.id)) });
  },
});
