import { useRef, useState, type DragEvent as ReactDragEvent } from "react";
import { useAppStore } from "../../store";
import { ROOT, isWithin, parentKeyOf, type FileId } from "./model";
import { moveItems, reportError, type OpContext } from "./operations";
import { entriesOf, filesAsItems, walkEntries } from "./folderDrop";
import { rowIndexOf, type TreeElements } from "./rowDom";
import type { TreeView } from "./useTreeView";

const DRAG_TYPE = "application/x-polaris-files";
const AUTO_EXPAND_MS = 600;

export interface TreeDragAndDrop {
  /** The folder key (ROOT for the root) a drop would go into; null while nothing droppable is over the tree. */
  dropTarget: string | null;
  /** On the scroller, so the empty area below the rows is the root's drop zone. */
  zone: {
    onDragOver: (e: ReactDragEvent<HTMLDivElement>) => void;
    onDragLeave: (e: ReactDragEvent<HTMLDivElement>) => void;
    onDrop: (e: ReactDragEvent<HTMLDivElement>) => void;
  };
  /** On the list of rows. */
  source: {
    onDragStart: (e: ReactDragEvent<HTMLDivElement>) => void;
    onDragEnd: () => void;
  };
}

/**
 * Drag and drop: rows move into the folder under the pointer (a file stands for its folder), files from the
 * desktop are uploaded there, and a collapsed folder hovered for AUTO_EXPAND_MS opens. Invariant: a folder is
 * never offered as a target inside itself. The dragged ids also travel in the data transfer, so a drop from
 * another window of the same project moves them too.
 */
export function useTreeDragAndDrop(view: TreeView, elements: TreeElements, ctx: OpContext): TreeDragAndDrop {
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const dragIds = useRef<string[] | null>(null);
  const autoExpand = useRef<{ id: string; timer: ReturnType<typeof setTimeout> } | null>(null);
  const { index, rows, selected, expanded } = view;

  const nodeUnder = (e: ReactDragEvent) => rows.at(rowIndexOf(e))?.node;

  const dropKeyFor = (e: ReactDragEvent): string => {
    const node = nodeUnder(e);
    if (!node) return ROOT;
    return node.type === "folder" ? node._id : parentKeyOf(node);
  };

  const clearAutoExpand = () => {
    if (autoExpand.current) clearTimeout(autoExpand.current.timer);
    autoExpand.current = null;
  };

  const onDragStart = (e: ReactDragEvent<HTMLDivElement>) => {
    const node = nodeUnder(e);
    if (!node) return;
    let ids = [node._id as string];
    if (selected.has(node._id)) ids = [...selected].filter((id) => index.byId.has(id));
    else useAppStore.getState().setSelection([node._id], node._id, node._id);
    dragIds.current = ids;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData(DRAG_TYPE, JSON.stringify(ids));
    e.dataTransfer.setData("text/plain", ids.map((id) => index.byId.get(id)?.name ?? "").join("\n"));
  };

  const onDragOver = (e: ReactDragEvent<HTMLDivElement>) => {
    const types = Array.from(e.dataTransfer.types ?? []);
    const internal = dragIds.current !== null || types.includes(DRAG_TYPE);
    const external = !internal && types.includes("Files");
    if (!internal && !external) return;
    const key = dropKeyFor(e);
    if (internal && key !== ROOT && (dragIds.current ?? []).some((id) => isWithin(index, key, id))) {
      e.dataTransfer.dropEffect = "none";
      if (dropTarget !== null) setDropTarget(null);
      return;
    }
    e.preventDefault();
    e.dataTransfer.dropEffect = internal ? "move" : "copy";
    if (dropTarget !== key) setDropTarget(key);
    const hovered = nodeUnder(e);
    if (hovered?.type === "folder" && !expanded.has(hovered._id)) {
      if (autoExpand.current?.id !== hovered._id) {
        clearAutoExpand();
        const id = hovered._id;
        const timer = setTimeout(() => useAppStore.getState().setExpanded(id, true), AUTO_EXPAND_MS);
        autoExpand.current = { id, timer };
      }
    } else clearAutoExpand();
  };

  const onDragEnd = () => {
    dragIds.current = null;
    clearAutoExpand();
    setDropTarget(null);
  };

  const onDragLeave = (e: ReactDragEvent<HTMLDivElement>) => {
    const next = e.relatedTarget as Node | null;
    if (!next || !elements.scroll.current?.contains(next)) {
      clearAutoExpand();
      setDropTarget(null);
    }
  };

  const onDrop = (e: ReactDragEvent<HTMLDivElement>) => {
    e.preventDefault();
    const key = dropKeyFor(e);
    const ids = dragIds.current ?? draggedIds(e.dataTransfer.getData(DRAG_TYPE));
    const droppedFiles = Array.from(e.dataTransfer.files ?? []);
    // Taken now: the browser empties the drop's items once this handler returns.
    const entries = ids && ids.length > 0 ? null : entriesOf(e.dataTransfer);
    onDragEnd();
    if (ids && ids.length > 0) {
      void moveItems(ctx, ids, key);
    } else if ((entries?.length ?? 0) > 0 || droppedFiles.length > 0) {
      if (key !== ROOT) useAppStore.getState().setExpanded(key, true);
      const dropped = entries && entries.length > 0 ? walkEntries(entries) : Promise.resolve(filesAsItems(droppedFiles));
      dropped
        .then((items) => ctx.actions.upload(key === ROOT ? undefined : (key as FileId), items))
        .then((first) => {
          if (first !== undefined) ctx.focusItem(first);
        })
        .catch(reportError);
    }
  };

  return { dropTarget, zone: { onDragOver, onDragLeave, onDrop }, source: { onDragStart, onDragEnd } };
}

/** The ids carried by a drag from a tree (this one or another window's); null when there are none. */
function draggedIds(raw: string): string[] | null {
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === "string") : null;
  } catch {
    return null;
  }
}
