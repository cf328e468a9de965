import { useAppStore } from "../../store";
import type { DeletedItem, TreeUndoEntry } from "../../store/treeSlice";
import { errorMessage } from "../../lib/errors";
import { notify } from "../../lib/notify";
import { isWithin, pathOf, ROOT, subtree, topLevelOnly, type FileId, type TreeIndex } from "./model";
import type { FileTreeActions } from "./types";

export interface OpContext {
  index: TreeIndex;
  actions: FileTreeActions;
  /** Moves tree focus (and DOM focus, when the tree has it) to an item once it exists. */
  focusItem: (id: string) => void;
}

export const toParentId = (key: string): FileId | undefined => (key === ROOT ? undefined : (key as FileId));

export function reportError(error: unknown) {
  notify(errorMessage(error), "error");
}

const store = () => useAppStore.getState();

export async function createItem(
  ctx: OpContext,
  type: "file" | "folder",
  parentKey: string,
  name: string,
): Promise<FileId | undefined> {
  // A new file opens in the editor with focus, as in VS Code. The request is made now, in the task of the Enter
  // that named the file, so what is typed while the create travels is held for the new file (store/editorFocus.ts)
  // instead of reaching the tree.
  const focusRequest = type === "file" ? store().reserveEditorFocus() : undefined;
  try {
    const parentId = toParentId(parentKey);
    const id =
      type === "file" ? await ctx.actions.createFile(parentId, name) : await ctx.actions.createFolder(parentId, name);
    store().pushUndo({ kind: "create", ids: [id] });
    if (focusRequest === undefined) ctx.focusItem(id);
    else {
      // The new row is the tree's focused item, without taking DOM focus: that would end the editor's request.
      store().setSelection([id], id, id);
      ctx.actions.open(id, { preview: false, focusEditor: false, focusRequest });
    }
    return id;
  } catch (error) {
    if (focusRequest !== undefined) {
      // No file to focus: back to the tree, on the row that was focused before.
      store().endEditorFocusRequest(focusRequest);
      const previous = store().focusedId;
      if (previous) ctx.focusItem(previous);
    }
    reportError(error);
    return undefined;
  }
}

export async function renameItem(ctx: OpContext, id: FileId, name: string) {
  const node = ctx.index.byId.get(id);
  if (!node || node.name === name) return;
  try {
    await ctx.actions.rename(id, name);
    store().pushUndo({ kind: "rename", id, from: node.name });
  } catch (error) {
    reportError(error);
  }
}

/** Moves items into a folder (ROOT for the root). Items already there are skipped; a folder never moves into itself. */
export async function moveItems(ctx: OpContext, ids: readonly string[], targetKey: string) {
  const { index } = ctx;
  const top = topLevelOnly(index, ids).filter((id) => index.byId.has(id));
  if (targetKey !== ROOT && top.some((id) => isWithin(index, targetKey, id))) {
    notify("A folder cannot be moved into itself or one of its subfolders.", "error");
    return;
  }
  const moves: { id: FileId; from: FileId | undefined }[] = [];
  for (const id of top) {
    const node = index.byId.get(id)!;
    if ((node.parentId ?? ROOT) === targetKey) continue;
    try {
      await ctx.actions.move(node._id, toParentId(targetKey));
      moves.push({ id: node._id, from: node.parentId });
    } catch (error) {
      reportError(error);
      break;
    }
  }
  if (moves.length > 0) {
    store().pushUndo({ kind: "move", moves });
    if (targetKey !== ROOT) store().setExpanded(targetKey, true);
  }
}

export async function pasteInto(ctx: OpContext, targetKey: string) {
  const clipboard = store().clipboard;
  if (!clipboard) return;
  const ids = clipboard.ids.filter((id) => ctx.index.byId.has(id));
  if (ids.length === 0) {
    store().setClipboard(null);
    return;
  }
  if (clipboard.mode === "cut") {
    store().setClipboard(null);
    await moveItems(ctx, ids, targetKey);
    return;
  }
  const created: FileId[] = [];
  for (const id of topLevelOnly(ctx.index, ids)) {
    try {
      created.push(await ctx.actions.copy(id as FileId, toParentId(targetKey)));
    } catch (error) {
      reportError(error);
      break;
    }
  }
  if (created.length > 0) {
    store().pushUndo({ kind: "create", ids: created });
    if (targetKey !== ROOT) store().setExpanded(targetKey, true);
    ctx.focusItem(created[created.length - 1]);
  }
}

/** Undo keeps the content of at most this many files per deletion (in memory, in the undo stack). */
export const MAX_RESTORABLE_FILES = 200;

/** Why a deletion cannot be undone, said in the confirmation before it happens and in the toast after. */
export type UndoLoss =
  | { kind: "tooMany"; files: number }
  | { kind: "binary"; paths: string[] }
  | { kind: "notCached"; paths: string[] };

/**
 * What the tree alone tells about undoing a delete of `ids`, before any content is read: how many files it
 * removes and which of them are binary (their bytes are dropped from storage with the row, Undo cannot
 * recreate them). Content that cannot be read (offline and not cached) is found by `prepareDelete`.
 */
export function undoLossesKnownNow(index: TreeIndex, ids: readonly string[]): UndoLoss[] {
  let files = 0;
  const binaries: string[] = [];
  for (const id of topLevelOnly(index, ids)) {
    for (const node of subtree(index, id)) {
      if (node.type !== "file") continue;
      files++;
      if (node.isBinary) binaries.push(pathOf(index, node._id));
    }
  }
  const losses: UndoLoss[] = [];
  if (files > MAX_RESTORABLE_FILES) losses.push({ kind: "tooMany", files });
  if (binaries.length > 0) losses.push({ kind: "binary", paths: binaries });
  return losses;
}

const listed = (paths: string[]) =>
  paths.length <= 3 ? paths.join(", ") : `${paths.slice(0, 3).join(", ")} and ${paths.length - 3} more`;

/** One sentence per loss, e.g. "logo.png is binary: Undo does not keep its bytes." */
export function describeUndoLoss(loss: UndoLoss): string {
  switch (loss.kind) {
    case "tooMany":
      return `It removes ${loss.files} files; Undo keeps at most ${MAX_RESTORABLE_FILES} files per delete.`;
    case "binary":
      return `${listed(loss.paths)} ${loss.paths.length === 1 ? "is" : "are"} binary: Undo does not keep binary content.`;
    case "notCached":
      return `The content of ${listed(loss.paths)} is not cached in this browser and the server cannot be reached.`;
  }
}

type Snapshot = { parentId: FileId | undefined; item: DeletedItem };

/** What Undo needs to recreate a deletion, or the reasons it cannot. */
export interface PreparedDelete {
  top: string[];
  snapshots: Snapshot[] | null;
  losses: UndoLoss[];
}

/**
 * Captures what is needed to recreate a deleted item: folder structure and the content of text files. Null
 * when the subtree holds a file whose content is not available (binary, or not readable: collected in
 * `unreadable`); the whole deletion is then left out of the undo stack rather than restored partially.
 */
async function snapshot(ctx: OpContext, id: string, unreadable: string[]): Promise<DeletedItem | null> {
  const node = ctx.index.byId.get(id);
  if (!node) return null;
  if (node.type === "folder") {
    const children = await Promise.all(ctx.index.children(id).map((child) => snapshot(ctx, child._id, unreadable)));
    if (children.some((c) => c === null)) return null;
    return { name: node.name, type: "folder", children: children as DeletedItem[] };
  }
  if (node.isBinary) return null;
  const content = ctx.actions.readContent ? await ctx.actions.readContent(node._id).catch(() => null) : null;
  if (content === null) unreadable.push(pathOf(ctx.index, node._id));
  return content === null ? null : { name: node.name, type: "file", content };
}

/**
 * Reads what Undo will need before the user confirms, so the confirmation can say exactly what cannot be
 * undone. Nothing is read when the tree already shows the delete cannot be undone.
 */
export async function prepareDelete(ctx: OpContext, ids: readonly string[]): Promise<PreparedDelete> {
  const top = topLevelOnly(ctx.index, ids).filter((id) => ctx.index.byId.has(id));
  const losses = undoLossesKnownNow(ctx.index, top);
  if (losses.length > 0) return { top, snapshots: null, losses };
  const unreadable: string[] = [];
  const snapshots = await Promise.all(
    top.map(async (id) => {
      const item = await snapshot(ctx, id, unreadable);
      return item ? { parentId: ctx.index.byId.get(id)?.parentId, item } : null;
    }),
  );
  if (unreadable.length > 0) return { top, snapshots: null, losses: [{ kind: "notCached", paths: unreadable }] };
  return { top, snapshots: snapshots.every((s) => s !== null) ? snapshots : null, losses: [] };
}

export async function deleteItems(ctx: OpContext, ids: readonly string[], prepared?: Promise<PreparedDelete>) {
  const { top, snapshots, losses } = await (prepared ?? prepareDelete(ctx, ids));
  if (top.length === 0) return;
  const removed: string[] = [];
  for (const id of top) {
    try {
      await ctx.actions.remove(id as FileId);
      removed.push(id);
    } catch (error) {
      reportError(error);
      break;
    }
  }
  const { selected, clipboard } = store();
  if (removed.some((id) => selected.has(id))) {
    store().setSelection([...selected].filter((id) => !removed.includes(id)));
  }
  if (clipboard && removed.some((id) => clipboard.ids.includes(id))) store().setClipboard(null);
  if (removed.length === top.length && snapshots) {
    store().pushUndo({ kind: "delete", items: snapshots });
  } else if (removed.length > 0) {
    const why = losses.map(describeUndoLoss).join(" ");
    notify(`Deleted; this cannot be undone.${why ? ` ${why}` : ""}`, "info");
  }
}

async function recreate(ctx: OpContext, parentId: FileId | undefined, item: DeletedItem): Promise<FileId> {
  if (item.type === "file") return ctx.actions.createFile(parentId, item.name, item.content ?? "");
  const id = await ctx.actions.createFolder(parentId, item.name);
  for (const child of item.children ?? []) await recreate(ctx, id, child);
  return id;
}

async function revert(ctx: OpContext, entry: TreeUndoEntry) {
  switch (entry.kind) {
    case "create":
      for (const id of [...entry.ids].reverse()) await ctx.actions.remove(id);
      return;
    case "rename":
      await ctx.actions.rename(entry.id, entry.from);
      ctx.focusItem(entry.id);
      return;
    case "move":
      for (const move of [...entry.moves].reverse()) {
        // A parent deleted since the move falls back to the root.
        const from = move.from && ctx.index.byId.has(move.from) ? move.from : undefined;
        await ctx.actions.move(move.id, from);
      }
      ctx.focusItem(entry.moves[0].id);
      return;
    case "delete":
      for (const { parentId, item } of entry.items) {
        const parent = parentId && ctx.index.byId.has(parentId) ? parentId : undefined;
        ctx.focusItem(await recreate(ctx, parent, item));
      }
      return;
  }
}

/** Ctrl/Cmd+Z: reverts the newest file operation still on the stack. */
export async function undoLast(ctx: OpContext) {
  const entry = store().popUndo();
  if (!entry) {
    notify("Nothing to undo.", "info");
    return;
  }
  try {
    await revert(ctx, entry);
  } catch (error) {
    reportError(error);
  }
}
