import { useState } from "react";
import { useAppStore } from "../../store";
import { isCreatingFolder } from "../../store/treeSlice";
import type { TreeCommand } from "./keymap";
import { DRAFT_ID, ROOT, parentKeyOf } from "./model";
import { pasteInto, undoLast, type OpContext } from "./operations";
import type { TreeNavigation } from "./useTreeNavigation";
import type { TreeView } from "./useTreeView";

export interface TreeCommands {
  /** Runs a command on `targetId` (the focused row by default), as a key, the menu or the toolbar asks. */
  run: (command: TreeCommand, targetId?: string | null) => void;
  /** Opens the inline editor for a new file or folder in the folder of `fromId` (the root for null). */
  startNew: (type: "file" | "folder", fromId: string | null) => void;
  /** The items a Delete asks to confirm; null when no confirmation is open. */
  deleteAsked: { ids: string[] } | null;
  endDeleteAsk: () => void;
}

/**
 * What each tree command does. Commands act on the selection when the focused row is part of it, else on the
 * focused row alone; new items and pastes go into the focused folder, else the focused file's folder.
 */
export function useTreeCommands(view: TreeView, ctx: OpContext, nav: TreeNavigation): TreeCommands {
  const [deleteAsked, setDeleteAsked] = useState<TreeCommands["deleteAsked"]>(null);
  const { index, rows, selected, focusRowId } = view;
  const { setExpanded, setSelection, setTreeEdit, setClipboard } = useAppStore.getState();

  const targetFolderKey = (id: string | null): string => {
    const node = id ? index.byId.get(id) : undefined;
    // A folder just named, which this render's rows may not show yet (see CreatingFolder).
    if (!node && id && isCreatingFolder(useAppStore.getState(), id)) return id;
    if (!node) return ROOT;
    return node.type === "folder" ? node._id : parentKeyOf(node);
  };

  const selectionOrFocused = (): string[] => {
    if (focusRowId && focusRowId !== DRAFT_ID && selected.has(focusRowId)) {
      return [...selected].filter((id) => index.byId.has(id));
    }
    return focusRowId && focusRowId !== DRAFT_ID ? [focusRowId] : [];
  };

  // The focused row, or the folder just named when it has the tree's focus: from the Enter that named it on, the
  // next command acts on it, though the key may come before a render shows its row.
  const focusTarget = (): string | null => {
    const state = useAppStore.getState();
    return isCreatingFolder(state, state.focusedId) ? state.focusedId : focusRowId;
  };

  const startNew = (type: "file" | "folder", fromId: string | null) => {
    const parentKey = targetFolderKey(fromId);
    if (parentKey !== ROOT) setExpanded(parentKey, true);
    setTreeEdit({ kind: "new", type, parentKey });
  };

  const run = (command: TreeCommand, targetId: string | null = focusTarget()) => {
    const node = targetId ? index.byId.get(targetId) : undefined;
    switch (command) {
      case "open":
        if (!node) return;
        if (node.type === "folder") nav.toggleFolder(node._id);
        else ctx.actions.open(node._id, { preview: false, focusEditor: true });
        return;
      case "newFile":
      case "newFolder":
        startNew(command === "newFile" ? "file" : "folder", targetId);
        return;
      case "rename":
        if (node) setTreeEdit({ kind: "rename", id: node._id });
        return;
      case "delete": {
        const ids = selectionOrFocused();
        if (ids.length > 0) setDeleteAsked({ ids });
        return;
      }
      case "copy":
      case "cut": {
        const ids = selectionOrFocused();
        if (ids.length > 0) setClipboard({ mode: command, ids });
        return;
      }
      case "paste":
        void pasteInto(ctx, targetFolderKey(targetId));
        return;
      case "undo":
        void undoLast(ctx);
        return;
      case "selectAll":
        setSelection(
          rows
            .slice(0, rows.length)
            .filter((r) => r.id !== DRAFT_ID)
            .map((r) => r.id),
          focusRowId,
          focusRowId,
        );
        return;
    }
  };

  return { run, startNew, deleteAsked, endDeleteAsk: () => setDeleteAsked(null) };
}
