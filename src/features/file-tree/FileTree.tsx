import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type DragEvent as ReactDragEvent,
  type FocusEvent as ReactFocusEvent,
  type KeyboardEvent as ReactKeyboardEvent,
  type MouseEvent as ReactMouseEvent,
} from "react";
import { defaultRangeExtractor, useVirtualizer, type Range } from "@tanstack/react-virtual";
import { useAppStore, useShallow } from "../../store";
import { Dialog } from "../../lib/Dialog";
import { ContextMenu, type MenuItem } from "./ContextMenu";
import { FileTreeRow, ROW_HEIGHT } from "./FileTreeRow";
import { CollapseAllIcon, NewFileIcon, NewFolderIcon } from "./icons";
import type { InlineEditor } from "./InlineNameInput";
import { ARIA_SHORTCUTS, SHORTCUT_LABELS, commandFor, hasPrimary, type TreeCommand } from "./keymap";
import {
  DRAFT_ID,
  ROOT,
  buildIndex,
  flattenVisible,
  isWithin,
  parentKeyOf,
  type FileId,
  type Row,
  type TreeIndex,
  type TreeNode,
} from "./model";
import {
  createItem,
  deleteItems,
  moveItems,
  pasteInto,
  renameItem,
  reportError,
  undoLast,
  type OpContext,
} from "./operations";
import type { FileTreeActions } from "./types";
import "./fileTree.css";

export { ROW_HEIGHT };

export interface FileTreeProps {
  /** Metadata of every file and folder of the project; undefined while loading. */
  files: readonly TreeNode[] | undefined;
  actions: FileTreeActions;
  label?: string;
  /** Rows rendered beyond the viewport on each side. */
  overscan?: number;
}

const DRAG_TYPE = "application/x-polaris-files";
const TYPE_AHEAD_RESET_MS = 700;
const AUTO_EXPAND_MS = 600;

interface MenuState {
  x: number;
  y: number;
  targetId: string | null;
}

/** Index of `id` in `rows`, checking the hint first (most lookups are for the row that had focus). */
function findRow(rows: readonly Row[], id: string | null, hint: number): number {
  if (id === null) return -1;
  if (rows[hint]?.id === id) return hint;
  return rows.findIndex((r) => r.id === id);
}

/** A controlled-by-store, virtualized WAI-ARIA tree of a project's files. See FileTreePane for the wiring. */
export function FileTree({ files, actions, label = "Files", overscan = 12 }: FileTreeProps) {
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
  const { setExpanded, setSelection, setTreeEdit, setClipboard, expandAll } = useAppStore.getState();

  const previousIndex = useRef<TreeIndex | undefined>(undefined);
  const index = useMemo(() => buildIndex(files ?? [], previousIndex.current), [files]);
  useEffect(() => {
    previousIndex.current = index;
  }, [index]);

  const draft = treeEdit?.kind === "new" ? treeEdit : null;
  const rows = useMemo(() => flattenVisible(index, expanded, draft), [index, expanded, draft]);

  const focusHint = useRef(0);
  const lastFocusIndex = useRef(0);
  let focusIndex = findRow(rows, focusedId, focusHint.current);
  if (focusIndex < 0 && rows.length > 0) {
    // The focused item vanished (deleted, moved, collapsed away): the row now at its place takes focus.
    focusIndex = Math.min(lastFocusIndex.current, rows.length - 1);
    if (rows[focusIndex]?.id === DRAFT_ID) focusIndex = Math.min(focusIndex + 1, rows.length - 1);
  }
  const focusRowId = focusIndex >= 0 ? rows[focusIndex].id : null;
  useEffect(() => {
    if (focusIndex >= 0) {
      lastFocusIndex.current = focusIndex;
      focusHint.current = focusIndex;
    }
  }, [focusIndex]);

  const rootRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const treeRef = useRef<HTMLDivElement>(null);

  const rangeExtractor = useCallback(
    (range: Range) => {
      const indexes = defaultRangeExtractor(range);
      // The focused row stays mounted even when scrolled away, so DOM focus is never lost to <body>.
      if (focusIndex >= 0 && !indexes.includes(focusIndex)) {
        indexes.push(focusIndex);
        indexes.sort((a, b) => a - b);
      }
      return indexes;
    },
    [focusIndex],
  );
  const getItemKey = useCallback((i: number) => rows[i]?.id ?? i, [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan,
    rangeExtractor,
    getItemKey,
    initialRect: { width: 300, height: 600 },
  });

  // DOM focus follows tree focus only after a tree interaction, and only if focus is in the tree (or
  // nowhere): a server update must never pull focus out of the editor.
  const pendingDomFocus = useRef(false);
  useLayoutEffect(() => {
    if (!pendingDomFocus.current || focusIndex < 0) return;
    if (focusedId !== null && rows[focusIndex]?.id !== focusedId) return;
    pendingDomFocus.current = false;
    const active = document.activeElement;
    const root = rootRef.current;
    if (!root || (active && active !== document.body && !root.contains(active))) return;
    // A late server answer (a create's real id) must not pull focus out of the inline name editor the user
    // opened meanwhile: that blur would commit or cancel the name they are typing.
    if (active instanceof HTMLInputElement && root.contains(active)) return;
    virtualizer.scrollToIndex(focusIndex, { align: "auto" });
    const el = treeRef.current?.querySelector<HTMLElement>(`[data-index="${focusIndex}"]`);
    if (el && el !== document.activeElement) el.focus({ preventScroll: true });
  });

  // After a confirmed delete, once the rows are gone (the optimistic update removes them), focus moves to the
  // next surviving row, else the previous one, else the tree itself: never to <body>, where keys do nothing.
  const focusAfterDelete = useRef<{ ids: readonly string[]; candidates: readonly string[] } | null>(null);
  const indexRef = useRef(index);
  indexRef.current = index;
  const survivorsAround = (ids: readonly string[]): string[] => {
    const gone = (id: string) => ids.some((d) => isWithin(index, id, d));
    const at = Math.max(0, focusIndex);
    const after = rows.slice(at + 1).map((r) => r.id);
    const before = rows.slice(0, at).map((r) => r.id).reverse();
    return [...after, ...before].filter((id) => id !== DRAFT_ID && !gone(id));
  };
  useLayoutEffect(() => {
    const pending = focusAfterDelete.current;
    if (!pending || pending.ids.some((id) => index.byId.has(id))) return;
    focusAfterDelete.current = null;
    const next = pending.candidates.find((id) => index.byId.has(id) && rows.some((r) => r.id === id));
    const active = document.activeElement;
    const root = rootRef.current;
    if (active && active !== document.body && !root?.contains(active)) return;
    if (next) {
      pendingDomFocus.current = true;
      setSelection([next], next, next);
    } else {
      setSelection([], null, null);
      treeRef.current?.focus();
    }
  }, [index, rows, setSelection]);

  const focusItem = useCallback(
    (id: string) => {
      pendingDomFocus.current = true;
      setSelection([id], id, id);
    },
    [setSelection],
  );

  const ctx: OpContext = useMemo(() => ({ index, actions, focusItem }), [index, actions, focusItem]);
  const ctxRef = useRef(ctx);
  useEffect(() => {
    ctxRef.current = ctx;
  }, [ctx]);

  const [menu, setMenu] = useState<MenuState | null>(null);
  const [confirmIds, setConfirmIds] = useState<string[] | null>(null);
  const [dropTarget, setDropTarget] = useState<string | null>(null);
  const typeAhead = useRef({ text: "", at: 0 });
  const dragIds = useRef<string[] | null>(null);
  const autoExpand = useRef<{ id: string; timer: ReturnType<typeof setTimeout> } | null>(null);

  const nodeAt = (i: number) => rows[i]?.node;

  /** The folder new items and pastes go into: the focused folder, else the focused file's folder. */
  const targetFolderKey = (id: string | null): string => {
    const node = id ? index.byId.get(id) : undefined;
    if (!node) return ROOT;
    return node.type === "folder" ? node._id : parentKeyOf(node);
  };

  const selectionOrFocused = (): string[] => {
    if (focusRowId && focusRowId !== DRAFT_ID && selected.has(focusRowId)) {
      return [...selected].filter((id) => index.byId.has(id));
    }
    return focusRowId && focusRowId !== DRAFT_ID ? [focusRowId] : [];
  };

  const moveFocus = (i: number, extend: boolean) => {
    if (rows.length === 0) return;
    const target = Math.max(0, Math.min(rows.length - 1, i));
    if (rows[target].id === DRAFT_ID) return;
    const id = rows[target].id;
    pendingDomFocus.current = true;
    focusHint.current = target;
    if (extend) {
      const anchor = anchorId ?? focusRowId ?? id;
      let a = findRow(rows, anchor, focusIndex);
      if (a < 0) a = Math.max(0, focusIndex);
      const [lo, hi] = a < target ? [a, target] : [target, a];
      const ids: string[] = [];
      for (let k = lo; k <= hi; k++) if (rows[k].id !== DRAFT_ID) ids.push(rows[k].id);
      setSelection(ids, id, rows[a].id);
    } else {
      setSelection([id], id, id);
    }
  };

  const toggleFolder = (id: string) => setExpanded(id, !expanded.has(id));

  const startNew = (type: "file" | "folder", fromId: string | null) => {
    const parentKey = targetFolderKey(fromId);
    if (parentKey !== ROOT) setExpanded(parentKey, true);
    setMenu(null);
    setTreeEdit({ kind: "new", type, parentKey });
  };

  const run = (command: TreeCommand, targetId: string | null = focusRowId) => {
    const node = targetId ? index.byId.get(targetId) : undefined;
    switch (command) {
      case "open":
        if (!node) return;
        if (node.type === "folder") toggleFolder(node._id);
        else actions.open(node._id, { preview: false, focusEditor: true });
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
        if (ids.length > 0) setConfirmIds(ids);
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
          rows.filter((r) => r.id !== DRAFT_ID).map((r) => r.id),
          focusRowId,
          focusRowId,
        );
        return;
    }
  };

  const openMenuAt = (targetId: string | null, x: number, y: number) => {
    setMenu({ x, y, targetId });
  };

  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    const target = e.target as HTMLElement;
    if (target.tagName === "INPUT" || target.tagName === "TEXTAREA") return;
    const command = commandFor(e);
    if (command) {
      e.preventDefault();
      run(command);
      return;
    }
    const mod = hasPrimary(e);
    const node = focusIndex >= 0 ? nodeAt(focusIndex) : undefined;
    const pageSize = Math.max(1, Math.floor((scrollRef.current?.clientHeight || 600) / ROW_HEIGHT) - 1);
    let handled = true;
    switch (e.key) {
      case "ArrowDown":
        moveFocus(focusIndex < 0 ? 0 : focusIndex + 1, e.shiftKey);
        break;
      case "ArrowUp":
        moveFocus(focusIndex < 0 ? 0 : focusIndex - 1, e.shiftKey);
        break;
      case "Home":
        moveFocus(0, e.shiftKey);
        break;
      case "End":
        moveFocus(rows.length - 1, e.shiftKey);
        break;
      case "PageDown":
        moveFocus(focusIndex + pageSize, e.shiftKey);
        break;
      case "PageUp":
        moveFocus(focusIndex - pageSize, e.shiftKey);
        break;
      case "ArrowRight":
        if (node?.type === "folder") {
          if (!expanded.has(node._id)) setExpanded(node._id, true);
          else if (rows[focusIndex + 1]?.depth > rows[focusIndex].depth) moveFocus(focusIndex + 1, false);
        }
        break;
      case "ArrowLeft":
        if (node?.type === "folder" && expanded.has(node._id)) setExpanded(node._id, false);
        else if (node?.parentId) {
          const parent = findRow(rows, node.parentId, focusIndex - 1);
          if (parent >= 0) moveFocus(parent, false);
        }
        break;
      case "Enter":
        run("open");
        break;
      case " ":
        if (node?.type === "file") actions.open(node._id, { preview: true, focusEditor: false });
        else if (node) toggleFolder(node._id);
        break;
      case "Escape":
        if (clipboard) setClipboard(null);
        if (focusRowId) setSelection([focusRowId]);
        break;
      case "ContextMenu":
        openMenuForFocused();
        break;
      case "F10":
        if (e.shiftKey) openMenuForFocused();
        else handled = false;
        break;
      default:
        handled = false;
        if (e.key.length === 1 && !mod && !e.altKey && e.key !== " ") {
          handled = true;
          typeAheadFind(e.key);
        }
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  };

  function openMenuForFocused() {
    const el = treeRef.current?.querySelector<HTMLElement>(`[data-index="${focusIndex}"]`);
    const rect = el?.getBoundingClientRect() ?? treeRef.current?.getBoundingClientRect();
    openMenuAt(focusRowId === DRAFT_ID ? null : focusRowId, (rect?.left ?? 0) + 24, (rect?.bottom ?? 0) + 2);
  }

  function typeAheadFind(char: string) {
    const now = Date.now();
    const state = typeAhead.current;
    state.text = now - state.at > TYPE_AHEAD_RESET_MS ? char : state.text + char;
    state.at = now;
    const prefix = state.text.toLowerCase();
    // A fresh search starts after the focused row (repeating a letter cycles); a longer prefix may match it.
    const start = state.text.length === 1 ? focusIndex + 1 : Math.max(0, focusIndex);
    for (let k = 0; k < rows.length; k++) {
      const i = (start + k) % rows.length;
      const name = rows[i].node?.name;
      if (name && name.toLowerCase().startsWith(prefix)) {
        moveFocus(i, false);
        return;
      }
    }
  }

  const rowFromEvent = (e: { target: EventTarget }): number => {
    const el = (e.target as HTMLElement).closest?.("[data-index]");
    return el ? Number(el.getAttribute("data-index")) : -1;
  };

  const onClick = (e: ReactMouseEvent<HTMLDivElement>) => {
    if ((e.target as HTMLElement).tagName === "INPUT") return;
    const i = rowFromEvent(e);
    const node = nodeAt(i);
    if (!node) return;
    pendingDomFocus.current = true;
    focusHint.current = i;
    if (hasPrimary(e)) {
      const next = new Set(selected);
      if (next.has(node._id)) next.delete(node._id);
      else next.add(node._id);
      setSelection(next, node._id, node._id);
      return;
    }
    if (e.shiftKey) {
      moveFocus(i, true);
      return;
    }
    setSelection([node._id], node._id, node._id);
    if (node.type === "folder") {
      if (e.detail <= 1) toggleFolder(node._id);
    } else if (e.detail <= 1) {
      actions.open(node._id, { preview: true, focusEditor: false });
    }
  };

  const onDoubleClick = (e: ReactMouseEvent<HTMLDivElement>) => {
    const node = nodeAt(rowFromEvent(e));
    if (node?.type === "file") actions.open(node._id, { preview: false, focusEditor: true });
  };

  const onContextMenu = (e: ReactMouseEvent<HTMLDivElement>) => {
    if ((e.target as HTMLElement).tagName === "INPUT") return;
    e.preventDefault();
    const i = rowFromEvent(e);
    const node = nodeAt(i);
    if (node && !selected.has(node._id)) {
      focusHint.current = i;
      setSelection([node._id], node._id, node._id);
    } else if (node) {
      useAppStore.getState().setTreeFocus(node._id);
    }
    openMenuAt(node?._id ?? null, e.clientX, e.clientY);
  };

  const onFocus = (e: ReactFocusEvent<HTMLDivElement>) => {
    const i = rowFromEvent(e);
    const id = rows[i]?.id;
    if (id && id !== DRAFT_ID && id !== focusedId) useAppStore.getState().setTreeFocus(id);
  };

  // ---- drag and drop -------------------------------------------------------------------------------
  const dropKeyFor = (e: ReactDragEvent): string => {
    const node = nodeAt(rowFromEvent(e));
    if (!node) return ROOT;
    return node.type === "folder" ? node._id : parentKeyOf(node);
  };

  const onDragStart = (e: ReactDragEvent<HTMLDivElement>) => {
    const node = nodeAt(rowFromEvent(e));
    if (!node) return;
    let ids = [node._id as string];
    if (selected.has(node._id)) ids = [...selected].filter((id) => index.byId.has(id));
    else setSelection([node._id], node._id, node._id);
    dragIds.current = ids;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData(DRAG_TYPE, JSON.stringify(ids));
    e.dataTransfer.setData("text/plain", ids.map((id) => index.byId.get(id)?.name ?? "").join("\n"));
  };

  const clearAutoExpand = () => {
    if (autoExpand.current) clearTimeout(autoExpand.current.timer);
    autoExpand.current = null;
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
    const hovered = nodeAt(rowFromEvent(e));
    if (hovered?.type === "folder" && !expanded.has(hovered._id)) {
      if (autoExpand.current?.id !== hovered._id) {
        clearAutoExpand();
        const id = hovered._id;
        autoExpand.current = { id, timer: setTimeout(() => setExpanded(id, true), AUTO_EXPAND_MS) };
      }
    } else clearAutoExpand();
  };

  const endDrag = () => {
    dragIds.current = null;
    clearAutoExpand();
    setDropTarget(null);
  };

  const onDragLeave = (e: ReactDragEvent<HTMLDivElement>) => {
    const next = e.relatedTarget as Node | null;
    if (!next || !scrollRef.current?.contains(next)) {
      clearAutoExpand();
      setDropTarget(null);
    }
  };

  const onDrop = (e: ReactDragEvent<HTMLDivElement>) => {
    e.preventDefault();
    const key = dropKeyFor(e);
    let ids = dragIds.current;
    if (!ids) {
      const raw = e.dataTransfer.getData(DRAG_TYPE);
      if (raw) {
        try {
          ids = (JSON.parse(raw) as unknown[]).filter((x): x is string => typeof x === "string");
        } catch {
          ids = null;
        }
      }
    }
    const droppedFiles = Array.from(e.dataTransfer.files ?? []);
    endDrag();
    if (ids && ids.length > 0) {
      void moveItems(ctx, ids, key);
    } else if (droppedFiles.length > 0) {
      if (key !== ROOT) setExpanded(key, true);
      actions.upload(key === ROOT ? undefined : (key as FileId), droppedFiles).catch(reportError);
    }
  };

  // ---- inline editor -------------------------------------------------------------------------------
  const editor: InlineEditor | null = useMemo(() => {
    if (!treeEdit) return null;
    const finish = () => {
      pendingDomFocus.current = true;
      useAppStore.getState().setTreeEdit(null);
    };
    if (treeEdit.kind === "rename") {
      const node = index.byId.get(treeEdit.id);
      if (!node) return null;
      return {
        kind: "rename",
        initial: node.name,
        siblingNames: () => index.children(parentKeyOf(node)).map((n) => n.name),
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
      siblingNames: () => index.children(parentKey).map((n) => n.name),
      onCommit: (name) => {
        finish();
        void createItem(ctxRef.current, type, parentKey, name);
      },
      onCancel: finish,
    };
    // The editor must stay the same object while the tree data changes under it, or the input would reset.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [treeEdit]);
  const editingId = treeEdit ? (treeEdit.kind === "rename" ? treeEdit.id : DRAFT_ID) : null;

  useEffect(() => {
    if (treeEdit?.kind === "rename" && !index.byId.has(treeEdit.id)) setTreeEdit(null);
  }, [treeEdit, index, setTreeEdit]);

  // ---- context menu --------------------------------------------------------------------------------
  const menuItems = (targetId: string | null): MenuItem[] => {
    const node = targetId ? index.byId.get(targetId) : undefined;
    const item = (id: TreeCommand, label: string, extra: Partial<MenuItem> = {}): MenuItem => ({
      id,
      label,
      shortcut: SHORTCUT_LABELS[id],
      ariaShortcut: ARIA_SHORTCUTS[id],
      run: () => run(id, targetId),
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
        run: () => actions.open(node._id, { preview: true, focusEditor: false }),
      });
    }
    items.push(item("newFile", "New File…", { separatorBefore: items.length > 0 }));
    items.push(item("newFolder", "New Folder…"));
    items.push(item("cut", "Cut", { separatorBefore: true, disabled: !node }));
    items.push(item("copy", "Copy", { disabled: !node }));
    items.push(item("paste", "Paste", { disabled: !clipboard }));
    items.push(item("rename", "Rename…", { separatorBefore: true, disabled: !node }));
    items.push(item("delete", "Delete", { disabled: !node }));
    items.push(item("undo", "Undo", { separatorBefore: true, disabled: useAppStore.getState().undoStack.length === 0 }));
    return items;
  };

  const closeMenu = useCallback((restoreFocus: boolean) => {
    setMenu(null);
    if (restoreFocus) pendingDomFocus.current = true;
  }, []);

  // Expand the ancestors of the focused item when something else (quick open, the editor) focuses it.
  useEffect(() => {
    if (!focusedId || !index.byId.has(focusedId)) return;
    const ancestors: string[] = [];
    let parent = index.byId.get(focusedId)?.parentId;
    for (let guard = 0; parent && guard < 512; guard++) {
      if (!expanded.has(parent)) ancestors.push(parent);
      parent = index.byId.get(parent)?.parentId;
    }
    if (ancestors.length > 0) expandAll(ancestors);
  }, [focusedId, index, expanded, expandAll]);

  // Workspace-wide keys, as in VS Code: Ctrl/Cmd+Shift+E moves focus to the tree, and New File / New Folder work
  // wherever focus is (except in a text field, where the keys belong to the field). When the workspace opens with
  // focus nowhere, the tree takes it, so the keyboard works from the first key press.
  const runRef = useRef(run);
  runRef.current = run;
  const focusTree = useCallback(() => {
    const el =
      treeRef.current?.querySelector<HTMLElement>('[role="treeitem"][tabindex="0"]') ??
      treeRef.current?.querySelector<HTMLElement>('[role="treeitem"]') ??
      treeRef.current;
    el?.focus();
  }, []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const inTree = rootRef.current?.contains(e.target as Node) ?? false;
      if (hasPrimary(e) && e.shiftKey && !e.altKey && e.code === "KeyE") {
        e.preventDefault();
        focusTree();
        return;
      }
      if (inTree) return;
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) return;
      if (!(hasPrimary(e) && e.altKey && e.code === "KeyN")) return;
      e.preventDefault();
      runRef.current(e.shiftKey ? "newFolder" : "newFile");
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [focusTree]);
  const loaded = files !== undefined;
  useEffect(() => {
    if (!loaded) return;
    const active = document.activeElement;
    if (!active || active === document.body) focusTree();
  }, [loaded, focusTree]);

  const cutIds = clipboard?.mode === "cut" ? new Set(clipboard.ids) : null;
  const items = virtualizer.getVirtualItems();
  const confirmNames = (confirmIds ?? []).map((id) => index.byId.get(id)?.name ?? "");

  return (
    <div ref={rootRef} className="file-tree">
      <div className="file-tree-toolbar">
        <span className="file-tree-title">{label}</span>
        <button
          type="button"
          className="file-tree-tool"
          aria-label="New File"
          aria-keyshortcuts={ARIA_SHORTCUTS.newFile}
          title={`New File (${SHORTCUT_LABELS.newFile})`}
          onClick={() => startNew("file", focusRowId)}
        >
          <NewFileIcon />
        </button>
        <button
          type="button"
          className="file-tree-tool"
          aria-label="New Folder"
          aria-keyshortcuts={ARIA_SHORTCUTS.newFolder}
          title={`New Folder (${SHORTCUT_LABELS.newFolder})`}
          onClick={() => startNew("folder", focusRowId)}
        >
          <NewFolderIcon />
        </button>
        <button
          type="button"
          className="file-tree-tool"
          aria-label="Collapse All"
          title="Collapse All Folders"
          onClick={() => useAppStore.getState().collapseAll()}
        >
          <CollapseAllIcon />
        </button>
      </div>
      <div
        ref={scrollRef}
        className={`file-tree-scroll${dropTarget === ROOT ? " is-drop-target" : ""}`}
        onDragOver={onDragOver}
        onDragLeave={onDragLeave}
        onDrop={onDrop}
        onContextMenu={onContextMenu}
      >
        <div
          ref={treeRef}
          role="tree"
          aria-label={label}
          aria-multiselectable="true"
          aria-busy={files === undefined || undefined}
          tabIndex={rows.length === 0 ? 0 : undefined}
          className="file-tree-list"
          style={{ height: virtualizer.getTotalSize() }}
          onKeyDown={onKeyDown}
          onClick={onClick}
          onDoubleClick={onDoubleClick}
          onFocus={onFocus}
          onDragStart={onDragStart}
          onDragEnd={endDrag}
        >
          {items.map((v) => {
            const row = rows[v.index];
            if (!row) return null;
            return (
              <FileTreeRow
                key={row.id}
                row={row}
                index={v.index}
                top={v.start}
                selected={selected.has(row.id)}
                focused={v.index === focusIndex}
                tabbable={v.index === focusIndex}
                expanded={expanded.has(row.id)}
                cut={cutIds?.has(row.id) ?? false}
                dropTarget={dropTarget === row.id}
                editor={row.id === editingId ? editor : null}
              />
            );
          })}
        </div>
        {files !== undefined && rows.length === 0 && (
          <p className="file-tree-empty">No files yet. Press {SHORTCUT_LABELS.newFile} to create one.</p>
        )}
      </div>
      {menu && (
        <ContextMenu
          label="File actions"
          x={menu.x}
          y={menu.y}
          items={menuItems(menu.targetId)}
          onClose={closeMenu}
        />
      )}
      {confirmIds && (
        <ConfirmDelete
          names={confirmNames}
          onCancel={() => {
            setConfirmIds(null);
            pendingDomFocus.current = true;
          }}
          onConfirm={() => {
            const ids = confirmIds;
            setConfirmIds(null);
            pendingDomFocus.current = true;
            focusAfterDelete.current = { ids, candidates: survivorsAround(ids) };
            void deleteItems(ctx, ids).finally(() => {
              // A refused delete leaves the rows in place: focus stays where it is.
              if (focusAfterDelete.current?.ids === ids && ids.some((id) => indexRef.current.byId.has(id))) {
                focusAfterDelete.current = null;
              }
            });
          }}
        />
      )}
    </div>
  );
}

function ConfirmDelete({
  names,
  onConfirm,
  onCancel,
}: {
  names: string[];
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  const title = names.length === 1 ? `Delete "${names[0]}"?` : `Delete ${names.length} items?`;
  return (
    <Dialog title={title} onClose={onCancel} initialFocusRef={confirmRef} role="alertdialog">
      {names.length > 1 && (
        <ul className="file-tree-confirm-list">
          {names.slice(0, 10).map((name, i) => (
            <li key={i}>{name}</li>
          ))}
          {names.length > 10 && <li>and {names.length - 10} more</li>}
        </ul>
      )}
      <p>Folders are deleted with everything in them. Text files and folders can be restored with Undo.</p>
      <div
        className="dialog-actions"
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.target as HTMLElement).tagName !== "BUTTON") {
            e.preventDefault();
            onConfirm();
          }
        }}
      >
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button ref={confirmRef} type="button" className="btn btn-danger" onClick={onConfirm}>
          Delete
        </button>
      </div>
    </Dialog>
  );
}
