import { useCallback, useLayoutEffect, useRef } from "react";
import { useAppStore } from "../../store";
import { focusIsOursOrNowhere, rowElement, type TreeElements } from "./rowDom";
import { rowInView, type TreeVirtualizer } from "./useTreeVirtualizer";
import type { TreeView } from "./useTreeView";

/**
 * DOM focus follows tree focus, but only after a tree interaction asked for it (`requestDomFocus`), and only if
 * focus is in the tree or nowhere: a server update must never pull focus out of the editor. The request waits
 * until the focused row is rendered, then scrolls it into view and focuses it.
 */
export function useDomFocusFollow(view: TreeView, elements: TreeElements, virtualizer: TreeVirtualizer): () => void {
  const pending = useRef(false);
  const { focusIndex, focusedId, rows } = view;
  useLayoutEffect(() => {
    if (!pending.current || focusIndex < 0) return;
    // While the editor waits to take focus (a file just opened or created), the keys typed meanwhile belong to
    // that file: the tree does not take DOM focus (it would end the request, store/editorFocus.ts). The request
    // stays pending: once the editor has focus it lapses below; if the editor's request fails, it follows.
    if (useAppStore.getState().pendingEditorFocus !== null) return;
    if (focusedId !== null && rows.at(focusIndex)?.id !== focusedId) return;
    pending.current = false;
    const root = elements.root.current;
    if (!root || !focusIsOursOrNowhere(root)) return;
    // A late server answer (a create's real id) must not pull focus out of the inline name editor the user
    // opened meanwhile: that blur would commit or cancel the name they are typing.
    const active = document.activeElement;
    if (active instanceof HTMLInputElement && root.contains(active)) return;
    // Scrolling reads the scroller's size, which forces a layout: skipped when the row is in view already.
    if (!rowInView(virtualizer, focusIndex)) virtualizer.scrollToIndex(focusIndex, { align: "auto" });
    const el = rowElement(elements.tree.current, focusIndex);
    if (el && el !== document.activeElement) el.focus({ preventScroll: true });
  });
  return useCallback(() => {
    pending.current = true;
  }, []);
}
