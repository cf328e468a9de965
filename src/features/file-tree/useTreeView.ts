import { useEffect, useMemo, useRef, type RefObject } from "react";
import { useAppStore, useShallow } from "../../store";
import type { CreatingFolder, TreeClipboard, TreeEdit } from "../../store/treeSlice";
import { DRAFT_ID, ROOT, buildIndex, type FileId, type TreeIndex, type TreeNode } from "./model";
import { visibleRows, type VisibleRows } from "./visibleRows";

/**
 * One render's view of the tree, shared by the hooks FileTree composes: the index of the project's files, the
 * visible rows, the store's tree state, and which row has tree focus.
 *
 * Invariants: `focusIndex` is -1 only when there are no rows; when the focused item vanished (deleted, moved,
 * collapsed away) the row now at its place has focus, never the draft row of a new item.
 */
export interface TreeView {
  loaded: boolean;
  index: TreeIndex;
  rows: VisibleRows;
  expanded: ReadonlySet<string>;
  selected: ReadonlySet<string>;
  focusedId: string | null;
  anchorId: string | null;
  clipboard: TreeClipboard | null;
  treeEdit: TreeEdit | null;
  focusIndex: number;
  /** The id of the row at focusIndex (DRAFT_ID for the draft row), null without rows. */
  focusRowId: string | null;
  /** The last known index of the focused row: lookups check it first (O(1) for arrows and clicks). */
  focusHint: RefObject<number>;
}

/** Index of `id` in `rows`, checking the hint first (most lookups are for the row that had focus). */
export function findRow(rows: VisibleRows, id: string | null, hint: number): number {
  if (id === null) return -1;
  if (rows.at(hint)?.id === id) return hint;
  return rows.indexOf(id);
}

/**
 * The listing with the folders just named that it does not hold yet (see CreatingFolder): their rows show, and can
 * take DOM focus, in the render of the Enter that named them, however late the listing catches up. The same array
 * when there are none or the listing has them all (the index is not rebuilt for them).
 */
export function withCreatingFolders(
  files: readonly TreeNode[] | undefined,
  creating: readonly CreatingFolder[],
): readonly TreeNode[] | undefined {
  if (files === undefined || creating.length === 0) return files;
  const listed = new Set(creating.map((f) => f.id));
  for (const f of files) if (listed.delete(f._id) && listed.size === 0) return files;
  const missing = creating.filter((f) => listed.has(f.id));
  return [
    ...files,
    ...missing.map(
      (f): TreeNode => ({
        _id: f.id as FileId,
        name: f.name,
        type: "folder",
        ...(f.parentKey === ROOT ? {} : { parentId: f.parentKey as FileId }),
      }),
    ),
  ];
}

export function useTreeView(listing: readonly TreeNode[] | undefined): TreeView {
  const creatingFolders = useAppStore((s) => s.creatingFolders);
  const files = useMemo(() => withCreatingFolders(listing, creatingFolders), [listing, creatingFolders]);
  const { expanded, selected, focusedId, anchorId, treeEdit, clipboard } = useAppStore(
    useShallow((s) => ({
      expanded: s.expanded,
      selected: s.selected,
      focusedId: s.focusedId,
      anchorId: s.anchorId,
      treeEdit: s.treeEdit,
      clipboard: s.clipboard,
    })),
  );

  // The previous index lends its sorted folders to the next one (see buildIndex).
  const previousIndex = useRef<TreeIndex | undefined>(undefined);
  const index = useMemo(() => buildIndex(files ?? [], previousIndex.current), [files]);
  useEffect(() => {
    previousIndex.current = index;
  }, [index]);

  const draft = treeEdit?.kind === "new" ? treeEdit : null;
  const rows = useMemo(() => visibleRows(index, expanded, draft), [index, expanded, draft]);

  const focusHint = useRef(0);
  const lastFocusIndex = useRef(0);
  let focusIndex = findRow(rows, focusedId, focusHint.current);
  if (focusIndex < 0 && rows.length > 0) {
    focusIndex = Math.min(lastFocusIndex.current, rows.length - 1);
    if (rows.at(focusIndex)?.id === DRAFT_ID) focusIndex = Math.min(focusIndex + 1, rows.length - 1);
  }
  useEffect(() => {
    if (focusIndex >= 0) {
      lastFocusIndex.current = focusIndex;
      focusHint.current = focusIndex;
    }
  }, [focusIndex]);

  return {
    loaded: files !== undefined,
    index,
    rows,
    expanded,
    selected,
    focusedId,
    anchorId,
    clipboard,
    treeEdit,
    focusIndex,
    focusRowId: rows.at(focusIndex)?.id ?? null,
    focusHint,
  };
}
