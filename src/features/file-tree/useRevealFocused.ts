import { useEffect } from "react";
import { useAppStore } from "../../store";
import type { TreeView } from "./useTreeView";

/**
 * When something outside the tree focuses an item (quick open, the editor), its ancestors expand so the row is
 * visible. The walk is bounded, as a cycle could only come from a broken optimistic update.
 */
export function useRevealFocused({ focusedId, index, expanded }: TreeView): void {
  useEffect(() => {
    if (!focusedId || !index.byId.has(focusedId)) return;
    const ancestors: string[] = [];
    let parent = index.byId.get(focusedId)?.parentId;
    for (let guard = 0; parent && guard < 512; guard++) {
      if (!expanded.has(parent)) ancestors.push(parent);
      parent = index.byId.get(parent)?.parentId;
    }
    if (ancestors.length > 0) useAppStore.getState().expandAll(ancestors);
  }, [focusedId, index, expanded]);
}
