import { useEffect, useMemo, useRef } from "react";
import { useAppStore } from "../../store";
import type { InlineEditor } from "./InlineNameInput";
import { DRAFT_ID, parentKeyOf } from "./model";
import { createItem, renameItem, type OpContext } from "./operations";
import type { TreeView } from "./useTreeView";

export interface InlineEdit {
  /** The editor for the row being renamed or the draft row of a new item; null when nothing is edited. */
  editor: InlineEditor | null;
  /** The id of the row that shows the editor (DRAFT_ID for a new item). */
  editingId: string | null;
}

/**
 * The inline name editor of the store's `treeEdit`: renaming a row, or naming a new file or folder. Finishing
 * (commit or cancel) hands DOM focus back to the tree. Invariants: the editor stays the same object while the
 * tree data changes under it (a new object would reset what the person is typing), and a rename whose row
 * disappeared ends.
 */
export function useInlineEdit(view: TreeView, ctx: OpContext, requestDomFocus: () => void): InlineEdit {
  const { treeEdit, index } = view;
  // Commits run with the newest context: the row may have moved or the data changed while the name was typed.
  const ctxRef = useRef(ctx);
  useEffect(() => {
    ctxRef.current = ctx;
  }, [ctx]);

  const editor: InlineEditor | null = useMemo(() => {
    if (!treeEdit) return null;
    const finish = () => {
      requestDomFocus();
      useAppStore.getState().setTreeEdit(null);
    };
    if (treeEdit.kind === "rename") {
      const node = index.byId.get(treeEdit.id);
      if (!node) return null;
      return {
        kind: "rename",
        initial: node.name,
        siblingNames: () => index.unsortedChildren(parentKeyOf(node)).map((n) => n.name),
        onCommit: (name) => {
          finish();
          void renameItem(ctxRef.current, node._id, name);
        },
        onCancel: finish,
      };
    }
    const { parentKey, type } = treeEdit;
    return {
      kind: type === "file" ? "newFile" : "newFolder",
      initial: "",
      siblingNames: () => index.unsortedChildren(parentKey).map((n) => n.name),
      onCommit: (name) => {
        finish();
        void createItem(ctxRef.current, type, parentKey, name);
      },
      onCancel: finish,
    };
    // Keyed on the edit alone: see the invariant above.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [treeEdit]);

  useEffect(() => {
    if (treeEdit?.kind === "rename" && !index.byId.has(treeEdit.id)) useAppStore.getState().setTreeEdit(null);
  }, [treeEdit, index]);

  return { editor, editingId: treeEdit ? (treeEdit.kind === "rename" ? treeEdit.id : DRAFT_ID) : null };
}
