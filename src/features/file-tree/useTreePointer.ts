import type { FocusEvent as ReactFocusEvent, MouseEvent as ReactMouseEvent } from "react";
import { useAppStore } from "../../store";
import { hasPrimary } from "./keymap";
import { DRAFT_ID } from "./model";
import { isTextField, rowIndexOf } from "./rowDom";
import type { FileTreeActions } from "./types";
import type { TreeNavigation } from "./useTreeNavigation";
import type { TreeView } from "./useTreeView";

export interface TreePointerHandlers {
  onClick: (e: ReactMouseEvent<HTMLDivElement>) => void;
  onDoubleClick: (e: ReactMouseEvent<HTMLDivElement>) => void;
  onFocus: (e: ReactFocusEvent<HTMLDivElement>) => void;
}

/**
 * Clicks on rows, as in VS Code: a click selects and previews a file or toggles a folder, a double click pins
 * the file with editor focus, Ctrl/Cmd+click toggles one item in the selection, Shift+click selects a range.
 * A row focused by other means (Tab, assistive technology) becomes the tree's focused item.
 */
export function useTreePointer(view: TreeView, nav: TreeNavigation, actions: FileTreeActions, requestDomFocus: () => void): TreePointerHandlers {
  const { rows, selected, focusedId, focusHint } = view;

  const onClick = (e: ReactMouseEvent<HTMLDivElement>) => {
    if (isTextField(e.target)) return;
    const i = rowIndexOf(e);
    const node = rows.at(i)?.node;
    if (!node) return;
    const { setSelection } = useAppStore.getState();
    requestDomFocus();
    focusHint.current = i;
    if (hasPrimary(e)) {
      const next = new Set(selected);
      if (next.has(node._id)) next.delete(node._id);
      else next.add(node._id);
      setSelection(next, node._id, node._id);
      return;
    }
    if (e.shiftKey) {
      nav.moveFocus(i, true);
      return;
    }
    setSelection([node._id], node._id, node._id);
    // The second click of a double click does nothing here: onDoubleClick pins the file.
    if (e.detail > 1) return;
    if (node.type === "folder") nav.toggleFolder(node._id);
    else actions.open(node._id, { preview: true, focusEditor: false });
  };

  const onDoubleClick = (e: ReactMouseEvent<HTMLDivElement>) => {
    const node = rows.at(rowIndexOf(e))?.node;
    if (node?.type === "file") actions.open(node._id, { preview: false, focusEditor: true });
  };

  const onFocus = (e: ReactFocusEvent<HTMLDivElement>) => {
    const id = rows.at(rowIndexOf(e))?.id;
    if (id && id !== DRAFT_ID && id !== focusedId) useAppStore.getState().setTreeFocus(id);
  };

  return { onClick, onDoubleClick, onFocus };
}
