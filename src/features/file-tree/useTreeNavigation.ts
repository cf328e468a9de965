import { useCallback } from "react";
import { useAppStore } from "../../store";
import { DRAFT_ID } from "./model";
import { findRow, type TreeView } from "./useTreeView";

export interface TreeNavigation {
  /** Focuses the row at `i` (clamped), selecting it, or with `extend` the range from the anchor to it. */
  moveFocus: (i: number, extend: boolean) => void;
  /** Focuses and selects one item by id, once it exists (DOM focus follows when the tree has it). */
  focusItem: (id: string) => void;
  toggleFolder: (id: string) => void;
}

/**
 * Moving tree focus and selection, shared by keys, clicks and file operations. Invariant: the draft row of a new
 * item is never focused or selected. Every move asks for DOM focus to follow.
 */
export function useTreeNavigation(view: TreeView, requestDomFocus: () => void): TreeNavigation {
  const { rows, focusIndex, focusRowId, anchorId, expanded, focusHint } = view;
  const { setSelection, setExpanded } = useAppStore.getState();

  const focusItem = useCallback(
    (id: string) => {
      requestDomFocus();
      useAppStore.getState().setSelection([id], id, id);
    },
    [requestDomFocus],
  );

  const moveFocus = (i: number, extend: boolean) => {
    if (rows.length === 0) return;
    const target = Math.max(0, Math.min(rows.length - 1, i));
    const id = rows.at(target)!.id;
    if (id === DRAFT_ID) return;
    requestDomFocus();
    focusHint.current = target;
    if (!extend) {
      setSelection([id], id, id);
      return;
    }
    let a = findRow(rows, anchorId ?? focusRowId ?? id, focusIndex);
    if (a < 0) a = Math.max(0, focusIndex);
    const [lo, hi] = a < target ? [a, target] : [target, a];
    const ids = rows
      .slice(lo, hi + 1)
      .map((r) => r.id)
      .filter((rowId) => rowId !== DRAFT_ID);
    setSelection(ids, id, rows.at(a)!.id);
  };

  const toggleFolder = (id: string) => setExpanded(id, !expanded.has(id));

  return { moveFocus, focusItem, toggleFolder };
}
