import { useCallback, useState, type MouseEvent as ReactMouseEvent } from "react";
import { useAppStore } from "../../store";
import type { MenuItem } from "../../lib/Menu";
import { ARIA_SHORTCUTS, SHORTCUT_LABELS, type TreeCommand } from "./keymap";
import { DRAFT_ID, type TreeNode } from "./model";
import { isTextField, rowElement, rowIndexOf, type TreeElements } from "./rowDom";
import type { FileTreeActions } from "./types";
import type { TreeView } from "./useTreeView";

/** An open context menu: where it is and which item it acts on (null: the empty area, i.e. the root). */
export interface TreeMenu {
  x: number;
  y: number;
  targetId: string | null;
}

export interface TreeContextMenu {
  menu: TreeMenu | null;
  onContextMenu: (e: ReactMouseEvent<HTMLDivElement>) => void;
  /** Shift+F10 and the ContextMenu key: the menu opens under the focused row. */
  openForFocused: () => void;
  /** Closing from inside the menu (Escape, Tab, a chosen item) hands DOM focus back to the focused row. */
  close: (restoreFocus: boolean) => void;
}

/**
 * The context menu's state and how it opens. A right click on an unselected row selects it first; on a selected
 * row it keeps the selection, so the menu acts on all of it.
 */
export function useTreeContextMenu(view: TreeView, elements: TreeElements, requestDomFocus: () => void): TreeContextMenu {
  const [menu, setMenu] = useState<TreeMenu | null>(null);
  const { rows, selected, focusIndex, focusRowId, focusHint } = view;

  const onContextMenu = (e: ReactMouseEvent<HTMLDivElement>) => {
    if (isTextField(e.target)) return;
    e.preventDefault();
    const i = rowIndexOf(e);
    const node = rows.at(i)?.node;
    const { setSelection, setTreeFocus } = useAppStore.getState();
    if (node && !selected.has(node._id)) {
      focusHint.current = i;
      setSelection([node._id], node._id, node._id);
    } else if (node) {
      setTreeFocus(node._id);
    }
    setMenu({ x: e.clientX, y: e.clientY, targetId: node?._id ?? null });
  };

  const openForFocused = () => {
    const tree = elements.tree.current;
    const rect = (rowElement(tree, focusIndex) ?? tree)?.getBoundingClientRect();
    setMenu({
      x: (rect?.left ?? 0) + 24,
      y: (rect?.bottom ?? 0) + 2,
      targetId: focusRowId === DRAFT_ID ? null : focusRowId,
    });
  };

  const close = useCallback(
    (restoreFocus: boolean) => {
      setMenu(null);
      if (restoreFocus) requestDomFocus();
    },
    [requestDomFocus],
  );

  return { menu, onContextMenu, openForFocused, close };
}

/** The menu's items for `node` (undefined: the empty area), each running a tree command on it. */
export function treeMenuItems(
  node: TreeNode | undefined,
  run: (command: TreeCommand) => void,
  open: FileTreeActions["open"],
  canPaste: boolean,
  downloadZip: (folderId: TreeNode["_id"]) => void,
): MenuItem[] {
  const item = (id: TreeCommand, label: string, extra: Partial<MenuItem> = {}): MenuItem => ({
    id,
    label,
    shortcut: SHORTCUT_LABELS[id],
    ariaShortcut: ARIA_SHORTCUTS[id],
    run: () => run(id),
    ...extra,
  });
  const items: MenuItem[] = [];
  if (node?.type === "file") {
    items.push(item("open", "Open"));
    items.push({
      id: "openPreview",
      label: "Open Preview",
      shortcut: "Space",
      ariaShortcut: "Space",
      run: () => open(node._id, { preview: true, focusEditor: false }),
    });
  }
  items.push(item("newFile", "New File…", { separatorBefore: items.length > 0 }));
  items.push(item("newFolder", "New Folder…"));
  items.push(item("cut", "Cut", { separatorBefore: true, disabled: !node }));
  items.push(item("copy", "Copy", { disabled: !node }));
  items.push(item("paste", "Paste", { disabled: !canPaste }));
  items.push(item("rename", "Rename…", { separatorBefore: true, disabled: !node }));
  items.push(item("delete", "Delete", { disabled: !node }));
  if (node?.type === "folder") {
    items.push({ id: "downloadZip", label: "Download as ZIP", separatorBefore: true, run: () => downloadZip(node._id) });
  }
  items.push(
    item("undo", "Undo", { separatorBefore: true, disabled: useAppStore.getState().undoStack.length === 0 }),
  );
  return items;
}
