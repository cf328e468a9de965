import { createRef, useEffect, useMemo, useState } from "react";
import { releaseAfterFirstRows } from "../../lib/afterFirstRows";
import { useAppStore } from "../../store";
import { ConfirmDeleteDialog } from "./ConfirmDeleteDialog";
import { Menu } from "../../lib/Menu";
import { FileTreeRow, ROW_HEIGHT } from "./FileTreeRow";
import { FileTreeToolbar } from "./FileTreeToolbar";
import { SHORTCUT_LABELS } from "./keymap";
import { pathOf, ROOT, type TreeNode } from "./model";
import { deleteItems, reportError, type OpContext } from "./operations";
import type { TreeElements } from "./rowDom";
import type { FileTreeActions } from "./types";
import { useDomFocusFollow } from "./useDomFocusFollow";
import { useFocusAfterDelete, useFocusKeptInTree, useFocusOnLoad } from "./useFocusRecovery";
import { useGlobalTreeShortcuts } from "./useGlobalTreeShortcuts";
import { useInlineEdit } from "./useInlineEdit";
import { useRevealFocused } from "./useRevealFocused";
import { useTreeCommands } from "./useTreeCommands";
import { treeMenuItems, useTreeContextMenu } from "./useTreeContextMenu";
import { useTreeDragAndDrop } from "./useTreeDragAndDrop";
import { useTreeKeyboard } from "./useTreeKeyboard";
import { useTreeNavigation } from "./useTreeNavigation";
import { useTreePointer } from "./useTreePointer";
import { useTreeView } from "./useTreeView";
import { useTreeVirtualizer } from "./useTreeVirtualizer";
import "./fileTree.css";

export { ROW_HEIGHT };

export interface FileTreeProps {
  /** Metadata of every file and folder of the project; undefined while loading. */
  files: readonly TreeNode[] | undefined;
  actions: FileTreeActions;
  label?: string;
  /**
   * False while `files` is only part of the listing (the root level and the buckets that arrived, as a large
   * project loads): the tree is shown and usable, and marked busy (aria-busy) until the rest is in.
   */
  complete?: boolean;
  /** Rows rendered beyond the viewport on each side. */
  overscan?: number;
  /** Ids of items with an assistant change waiting for review: marked as such. */
  pending?: ReadonlyMap<string, unknown>;
}

/**
 * A controlled-by-store, virtualized WAI-ARIA tree of a project's files (see FileTreePane for the wiring). It
 * composes one hook per concern; the rows own no handlers, the list delegates events to them by `data-index`.
 */
export function FileTree({ files, actions, label = "Files", complete = true, overscan = 12, pending }: FileTreeProps) {
  const [elements] = useState<TreeElements>(() => ({ root: createRef(), scroll: createRef(), tree: createRef() }));
  const view = useTreeView(files);
  const virtualizer = useTreeVirtualizer(view.rows, view.focusIndex, elements.scroll, overscan);
  const requestDomFocus = useDomFocusFollow(view, elements, virtualizer);
  const nav = useTreeNavigation(view, requestDomFocus);
  const ctx: OpContext = useMemo(
    () => ({ index: view.index, actions, focusItem: nav.focusItem }),
    [view.index, actions, nav.focusItem],
  );
  const commands = useTreeCommands(view, ctx, nav);
  const menu = useTreeContextMenu(view, elements, requestDomFocus);
  const onKeyDown = useTreeKeyboard({ view, elements, nav, commands, actions, openMenuForFocused: menu.openForFocused });
  const pointer = useTreePointer(view, nav, actions, requestDomFocus);
  const dnd = useTreeDragAndDrop(view, elements, ctx);
  const { editor, editingId } = useInlineEdit(view, ctx, requestDomFocus);
  const deleteWithFocusRecovery = useFocusAfterDelete(view, elements, requestDomFocus);
  useRevealFocused(view);
  useGlobalTreeShortcuts(elements, commands.run, requestDomFocus);
  useFocusOnLoad(view.loaded, elements);
  const firstRowsIn = view.loaded && (view.rows.length === 0 || virtualizer.getVirtualItems().length > 0);
  useEffect(() => {
    if (firstRowsIn) releaseAfterFirstRows();
  }, [firstRowsIn]);
  useFocusKeptInTree(view.rows, elements);

  const { rows, index, selected, expanded, clipboard, focusIndex, focusRowId } = view;
  const openFileId = useAppStore((s) => s.activeFileId);
  const cutIds = clipboard?.mode === "cut" ? new Set(clipboard.ids) : null;
  const deleteAsked = commands.deleteAsked;
  const menuTarget = menu.menu?.targetId ?? null;

  return (
    <div ref={elements.root} className="file-tree">
      <FileTreeToolbar
        label={label}
        onNew={(type) => commands.startNew(type, focusRowId)}
        onCollapseAll={() => useAppStore.getState().collapseAll()}
      />
      <div
        ref={elements.scroll}
        className={`file-tree-scroll${dnd.dropTarget === ROOT ? " is-drop-target" : ""}`}
        {...dnd.zone}
        onContextMenu={menu.onContextMenu}
      >
        <div
          ref={elements.tree}
          role="tree"
          aria-label={label}
          aria-multiselectable="true"
          aria-busy={!view.loaded || !complete || undefined}
          tabIndex={rows.length === 0 ? 0 : -1}
          className="file-tree-list"
          style={{ height: virtualizer.getTotalSize() }}
          onKeyDown={onKeyDown}
          {...pointer}
          {...dnd.source}
        >
          {virtualizer.getVirtualItems().map((v) => {
            const row = rows.at(v.index);
            if (!row) return null;
            return (
              <FileTreeRow
                key={row.id}
                row={row}
                index={v.index}
                top={v.start}
                selected={selected.has(row.id)}
                focused={v.index === focusIndex}
                open={row.id === openFileId}
                tabbable={v.index === focusIndex}
                expanded={expanded.has(row.id)}
                cut={cutIds?.has(row.id) ?? false}
                dropTarget={dnd.dropTarget === row.id}
                editor={row.id === editingId ? editor : null}
                pending={pending?.has(row.id) ?? false}
              />
            );
          })}
        </div>
        {view.loaded && complete && rows.length === 0 && (
          <p className="file-tree-empty">No files yet. Press {SHORTCUT_LABELS.newFile} to create one.</p>
        )}
      </div>
      {menu.menu && (
        <Menu
          label="File actions"
          x={menu.menu.x}
          y={menu.menu.y}
          items={treeMenuItems(
            menuTarget ? index.byId.get(menuTarget) : undefined,
            (command) => commands.run(command, menuTarget),
            actions.open,
            clipboard !== null,
            (folderId) => void actions.downloadZip(folderId).catch(reportError),
          )}
          onClose={menu.close}
        />
      )}
      {deleteAsked && (
        <ConfirmDeleteDialog
          paths={deleteAsked.ids.map((id) => pathOf(index, id))}
          folders={deleteAsked.ids.some((id) => index.byId.get(id)?.type === "folder")}
          onCancel={() => {
            commands.endDeleteAsk();
            requestDomFocus();
          }}
          onConfirm={() => {
            commands.endDeleteAsk();
            requestDomFocus();
            deleteWithFocusRecovery(deleteAsked.ids, () => deleteItems(ctx, deleteAsked.ids));
          }}
        />
      )}
    </div>
  );
}
