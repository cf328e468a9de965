import { getDocumentSize } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { splitPath } from "../ai/lib";
import { findByPath, pathOfFile } from "../ai/paths";
import { appError, formatCount } from "../lib/errors";
import { lineCounts } from "../lib/lineDiff";
import { utf8Length } from "../lib/text";
import { hasLiveAncestors } from "./access";
import { BATCH_BYTES, Budget } from "./budget";
import { createFile, createFolder, createStoredFile, moveAndRename, removeFile, updateContent } from "./files";
import { copyName } from "./names";
import { releaseBlob } from "./storage";

// The assistant's change sets (docs/architecture.md "The assistant's changes"). Every file or folder a turn
// touches gets one `fileChanges` row the first time the turn touches it; the row keeps the state before the turn
// (`before*`) and the state the turn left (`after*`). Undo switches a row to its before side, redo (undoing a
// restore) back to its after side; each switch first checks that the node is exactly as the other side left it
// (same revision, still there, the destination free), and refuses, naming the file and why, when a later edit
// would be lost. A switch stores the text of the side it leaves and drops the text of the side it brings back
// (now live in the file), so a row holds at most what its next switch needs, never a copy of the project.
// Keep drops both. A blob referenced by a row is kept alive (model/storage.ts isBlobReferenced). Texts live in
// `changeTexts` rows (one per side that needs one), so a row stays a few hundred bytes: listing an answer, the
// project's pending changes or the rows of a restore reads no text; a switch or a diff reads the one row's text.
// Rows written before that keep their texts inline (`beforeContent` / `afterContent`) until the start-up
// migration moves them (moveInlineTexts); every reader here takes both shapes.
//
// Invariants: a row's side with a path existed (that path, at that revision); a side without one did not. The
// row's `fileId` is the node on the side currently applied. Rows of one turn are switched in reverse order of
// first touch for undo (children created after their folder go first; a deleted folder's descendants are recorded
// before the folder, so the folder is recreated first), in order for redo.

/** Undo data one turn may hold; a tool call that would exceed it is refused (the project is unchanged). */
export const MAX_TURN_UNDO_BYTES = 8 * 1024 * 1024;
/** Most items the assistant may delete in one call, each recorded so the delete can be undone. */
export const MAX_UNDOABLE_DELETE_ITEMS = 500;
/** Most rows one query or restore reads: a card, an undo of a turn, a restore to a checkpoint. */
export const MAX_CHANGE_ROWS = 1000;

type Row = Doc<"fileChanges">;
type Side = "before" | "after";

interface Scope {
  message: Doc<"messages">;
  project: Doc<"projects">;
}

function lines(text: string | undefined) {
  return lineCounts("", text ?? "").added;
}

/** Records what one assistant turn changes, for one tool call (one transaction). */
export class TurnRecorder {
  constructor(
    private readonly ctx: MutationCtx,
    private readonly scope: Scope,
  ) {}

  private rowOf(fileId: Id<"files">) {
    return this.ctx.db
      .query("fileChanges")
      .withIndex("by_message_file", (q) => q.eq("messageId", this.scope.message._id).eq("fileId", fileId))
      .unique();
  }

  private async nextSeq() {
    const last = await this.ctx.db
      .query("fileChanges")
      .withIndex("by_message_seq", (q) => q.eq("messageId", this.scope.message._id))
      .order("desc")
      .first();
    return (last?.seq ?? -1) + 1;
  }

  private async insert(node: Doc<"files">, before: Partial<Row>) {
    const { message, project } = this.scope;
    await this.ctx.db.insert("fileChanges", {
      projectId: project._id,
      conversationId: message.conversationId,
      messageId: message._id,
      turnTime: message._creationTime,
      seq: await this.nextSeq(),
      fileId: node._id,
      type: node.type,
      state: "applied",
      pending: project.settings?.assistantChanges === "review" ? true : undefined,
      added: 0,
      removed: 0,
      ...before,
    });
  }

  /** The node exists and is about to change: remember it as it was before the turn (once per turn). */
  async before(node: Doc<"files">) {
    if ((await this.rowOf(node._id)) !== null) return;
    const text = liveText(node);
    await this.insert(node, {
      beforePath: await pathOfFile(this.ctx, node),
      beforeTextId: await putText(this.ctx, this.scope.message, undefined, text),
      textBytes: text === undefined ? undefined : utf8Length(text),
      beforeStorageId: node.storageId,
      beforeRevision: node.revision ?? 1,
    });
  }

  /** The turn created this node. */
  async created(fileId: Id<"files">) {
    const node = await this.ctx.db.get("files", fileId);
    if (node !== null && (await this.rowOf(fileId)) === null) await this.insert(node, {});
    await this.after(fileId);
  }

  /**
   * A folder (or file) is about to be deleted: remember it and everything in it, deepest first, so an undo
   * recreates parents before children. Refused past MAX_UNDOABLE_DELETE_ITEMS or the turn's byte budget.
   */
  async beforeDelete(node: Doc<"files">): Promise<Id<"files">[]> {
    const tooLarge = `"${await pathOfFile(this.ctx, node)}" holds more than ${formatCount(MAX_UNDOABLE_DELETE_ITEMS)} items or too much text for the assistant to delete it undoably. Ask the user to delete it in the file tree.`;
    const nodes = [node];
    const budget = new Budget(MAX_UNDOABLE_DELETE_ITEMS, MAX_TURN_UNDO_BYTES / 2, MAX_UNDOABLE_DELETE_ITEMS);
    for (let i = 0; i < nodes.length; i++) {
      if (nodes[i].type !== "folder") continue;
      if (!budget.chargeQuery()) throw appError("TOO_LARGE", tooLarge);
      for await (const child of this.ctx.db
        .query("files")
        .withIndex("by_project_parent", (q) => q.eq("projectId", node.projectId).eq("parentId", nodes[i]._id))) {
        if (!budget.charge(child)) throw appError("TOO_LARGE", tooLarge);
        if (child.trashedAt === undefined) nodes.push(child);
      }
    }
    const ordered = nodes.reverse();
    for (const each of ordered) await this.before(each);
    return ordered.map((n) => n._id);
  }

  /**
   * After the tool call: the state the turn left for each of `fileIds` (gone if deleted). Then the turn's limits are
   * checked once for the call, naming its first node: a call past them is refused (its transaction rolls back).
   */
  async after(...fileIds: Id<"files">[]) {
    let target: string | undefined;
    for (const fileId of fileIds) {
      const path = await this.recordAfter(fileId);
      target ??= path;
    }
    if (target !== undefined) await this.checkLimits(target);
  }

  /** Records the state the turn left for one node; returns its path (before the call for one deleted), if it has a row. */
  private async recordAfter(fileId: Id<"files">): Promise<string | undefined> {
    const row = await this.rowOf(fileId);
    if (row === null) return undefined;
    const found = await this.ctx.db.get("files", fileId);
    // A descendant of a deleted folder may still exist until its purge batch; it is gone all the same.
    const node = found !== null && (await hasLiveAncestors(this.ctx, found)) ? found : null;
    if (node === null && row.beforePath === undefined) {
      // Created and deleted within the turn: nothing to review or undo.
      await this.ctx.db.delete("fileChanges", row._id);
      return undefined;
    }
    const afterContent = node === null ? undefined : liveText(node);
    const beforeContent = row.type === "folder" ? undefined : await sideText(this.ctx, row, "before");
    const counts =
      row.type === "folder"
        ? { added: 0, removed: 0 }
        : node === null
          ? { added: 0, removed: lines(beforeContent) }
          : lineCounts(beforeContent ?? "", afterContent ?? "");
    const afterPath = node === null ? undefined : await pathOfFile(this.ctx, node);
    await this.ctx.db.patch("fileChanges", row._id, {
      afterPath,
      afterRevision: node === null ? undefined : (node.revision ?? 1),
      ...counts,
    });
    return afterPath ?? row.beforePath;
  }

  /**
   * The turn's limits, checked once per tool call (reading at most MAX_CHANGE_ROWS + 1 small rows): its rows, which
   * its card lists and its undo switches, at most MAX_CHANGE_ROWS; its undo data (rows and the earlier texts they
   * keep) at most MAX_TURN_UNDO_BYTES. Only earlier contents count: a created file keeps no text.
   */
  private async checkLimits(target: string) {
    const refuse = (what: string) =>
      appError("TOO_LARGE", `"${target}" was not changed: with it this answer would ${what}, the most one answer may. Finish this answer and continue in a new message.`);
    let bytes = 0;
    let rows = 0;
    for await (const row of this.ctx.db
      .query("fileChanges")
      .withIndex("by_message_seq", (q) => q.eq("messageId", this.scope.message._id))) {
      rows += 1;
      bytes += getDocumentSize(row) + (row.textBytes ?? 0);
      if (rows > MAX_CHANGE_ROWS) throw refuse(`change more than ${formatCount(MAX_CHANGE_ROWS)} files and folders`);
      if (bytes > MAX_TURN_UNDO_BYTES) {
        throw refuse(`keep more than ${formatCount(MAX_TURN_UNDO_BYTES / 1024 / 1024)} MiB of earlier file contents to undo`);
      }
    }
  }
}

// ——— Reading ———

export type ChangeKind = "created" | "edited" | "moved" | "deleted";

export function kindOf(row: Pick<Row, "beforePath" | "afterPath">): ChangeKind {
  if (row.beforePath === undefined) return "created";
  if (row.afterPath === undefined) return "deleted";
  return row.beforePath === row.afterPath ? "edited" : "moved";
}

export async function turnRows(ctx: QueryCtx, messageId: Id<"messages">): Promise<Row[]> {
  const rows = await ctx.db
    .query("fileChanges")
    .withIndex("by_message_seq", (q) => q.eq("messageId", messageId))
    .take(MAX_CHANGE_ROWS + 1);
  if (rows.length > MAX_CHANGE_ROWS) {
    throw appError("TOO_LARGE", `This answer changed more than ${formatCount(MAX_CHANGE_ROWS)} files and folders; review them in the file tree.`);
  }
  return rows;
}

export function changeLine(row: Row) {
  return {
    _id: row._id,
    fileId: row.fileId,
    type: row.type,
    kind: kindOf(row),
    path: row.afterPath ?? row.beforePath ?? "",
    fromPath: row.beforePath !== undefined && row.afterPath !== undefined && row.beforePath !== row.afterPath ? row.beforePath : undefined,
    added: row.added,
    removed: row.removed,
    state: row.state,
    binary: row.beforeStorageId !== undefined || row.afterStorageId !== undefined || undefined,
    pending: row.pending,
  };
}

/** The two texts of a change for its diff: before the turn, and the file now ("" where a side does not exist). */
export async function changeTexts(ctx: QueryCtx, row: Row): Promise<{ before: string; after: string; binary: boolean }> {
  const node = await ctx.db.get("files", row.fileId);
  const live = node === null || node.type !== "file" ? "" : (node.content ?? "");
  const binary = row.beforeStorageId !== undefined || row.afterStorageId !== undefined || node?.storageId !== undefined;
  if (row.state === "applied") return { before: (await sideText(ctx, row, "before")) ?? "", after: row.afterPath === undefined ? "" : live, binary };
  if (row.state === "undone") return { before: row.beforePath === undefined ? "" : live, after: (await sideText(ctx, row, "after")) ?? "", binary };
  return { before: "", after: row.afterPath === undefined ? "" : live, binary };
}

// ——— Texts ———

/** The text a file holds, or undefined for a folder or a binary (whose blob the row keeps instead). */
function liveText(node: Doc<"files">) {
  return node.type === "file" && node.storageId === undefined ? (node.content ?? "") : undefined;
}

function textIdOf(row: Row, side: Side) {
  return side === "before" ? row.beforeTextId : row.afterTextId;
}

/** The text `side` of the row holds (either shape), or undefined when it holds none. */
async function sideText(ctx: QueryCtx, row: Row, side: Side): Promise<string | undefined> {
  const inline = side === "before" ? row.beforeContent : row.afterContent;
  if (inline !== undefined) return inline;
  const textId = textIdOf(row, side);
  if (textId === undefined) return undefined;
  return (await ctx.db.get("changeTexts", textId))?.text;
}

/**
 * Stores `text` for a row, reusing the text row `reuse` (whose text is no longer needed) when there is one:
 * replacing it costs what deleting it and inserting another would. With `text` undefined, deletes `reuse`.
 */
async function putText(
  ctx: MutationCtx,
  owner: { projectId: Id<"projects"> },
  reuse: Id<"changeTexts"> | undefined,
  text: string | undefined,
): Promise<Id<"changeTexts"> | undefined> {
  if (text === undefined) {
    if (reuse !== undefined) await ctx.db.delete("changeTexts", reuse);
    return undefined;
  }
  const fields = { projectId: owner.projectId, text };
  if (reuse !== undefined) {
    await ctx.db.replace("changeTexts", reuse, fields);
    return reuse;
  }
  return ctx.db.insert("changeTexts", fields);
}

/**
 * One batch of the start-up migration (migrations:moveChangeTexts): rows written before `changeTexts` get their
 * inline texts moved out, one page of rows from `cursor` (a pagination cursor over all rows). Reading, patching and
 * inserting each such text costs about three times its size, so a page reads at most a third of the batch budget.
 */
export async function moveInlineTextsBatch(ctx: MutationCtx, cursor: string | undefined) {
  const page = await ctx.db.query("fileChanges").paginate({ numItems: 500, cursor: cursor ?? null, maximumBytesRead: BATCH_BYTES / 3 });
  for (const row of page.page) {
    if (row.beforeContent === undefined && row.afterContent === undefined) continue;
    const moved = async (side: Side, inline: string | undefined) =>
      inline === undefined ? textIdOf(row, side) : await putText(ctx, row, textIdOf(row, side), inline);
    const beforeTextId = await moved("before", row.beforeContent);
    const afterTextId = await moved("after", row.afterContent);
    await ctx.db.patch("fileChanges", row._id, {
      beforeTextId,
      afterTextId,
      beforeContent: undefined,
      afterContent: undefined,
      textBytes: utf8Length(row.beforeContent ?? "") + utf8Length(row.afterContent ?? ""),
    });
  }
  return page.isDone ? { done: true } : { done: false, cursor: page.continueCursor };
}

/** Deletes the texts a row holds (Keep, keep both, deleting the row). */
export async function dropTexts(ctx: MutationCtx, row: Row) {
  for (const id of [row.beforeTextId, row.afterTextId]) if (id !== undefined) await ctx.db.delete("changeTexts", id);
}

// ——— Switching sides ———

function sideOf(row: Row, side: Side) {
  return side === "before"
    ? { path: row.beforePath, storageId: row.beforeStorageId, revision: row.beforeRevision }
    : { path: row.afterPath, storageId: row.afterStorageId, revision: row.afterRevision };
}

function sidePatch(side: Side, fields: { textId?: Id<"changeTexts">; storageId?: Id<"_storage">; revision?: number }): Partial<Row> {
  // Writing a side writes the new shape: the inline text of the old one goes.
  return side === "before"
    ? { beforeTextId: fields.textId, beforeContent: undefined, beforeStorageId: fields.storageId, beforeRevision: fields.revision }
    : { afterTextId: fields.textId, afterContent: undefined, afterStorageId: fields.storageId, afterRevision: fields.revision };
}

function refuse(code: "CONFLICT" | "NAME_TAKEN" | "NOT_FOUND", path: string, message: string, canKeepBoth: boolean) {
  return appError(code, message, { path, canKeepBoth });
}

/** The folder at `parts`, recreating missing folders (a folder the undo brings back may be gone meanwhile). */
async function ensureFolder(ctx: MutationCtx, userId: string, projectId: Id<"projects">, parts: string[]) {
  let parentId: Id<"files"> | undefined = undefined;
  for (let i = 0; i < parts.length; i++) {
    const path = parts.slice(0, i + 1).join("/");
    const existing = await findByPath(ctx, projectId, path);
    if (existing !== null && existing.type !== "folder") {
      throw refuse("NAME_TAKEN", path, `"${path}" is a file now, so the folder the change needs there cannot be brought back. Rename or move that file first.`, false);
    }
    parentId = existing?._id ?? (await createFolder(ctx, userId, { projectId, parentId, name: parts[i] }));
  }
  return parentId;
}

/** A free name beside `name` in `parentId` for "keep both". */
async function freeName(ctx: QueryCtx, projectId: Id<"projects">, folderPath: string[], name: string, isFolder: boolean) {
  for (let attempt = 1; ; attempt++) {
    const candidate = copyName(name, attempt, isFolder);
    if ((await findByPath(ctx, projectId, [...folderPath, candidate].join("/"))) === null) return candidate;
  }
}

/** Creates the node of `side` (whose text is `content`) at `parts`: a folder, a text file, or a binary file on its kept blob. */
async function createSide(ctx: MutationCtx, userId: string, row: Row, side: Side, content: string | undefined, parts: string[]) {
  const { storageId } = sideOf(row, side);
  const parentId = await ensureFolder(ctx, userId, row.projectId, parts.slice(0, -1));
  const name = parts[parts.length - 1];
  if (row.type === "folder") return createFolder(ctx, userId, { projectId: row.projectId, parentId, name });
  if (storageId !== undefined) return createStoredFile(ctx, userId, { projectId: row.projectId, parentId, name, storageId }, true);
  return createFile(ctx, userId, { projectId: row.projectId, parentId, name, content: content ?? "" });
}

/**
 * Switches one row from the side now applied to `to`, or refuses (changing nothing: the caller's transaction
 * rolls back) when the node is not as the applied side left it. `keepBoth`: when the node was changed since, leave
 * it and bring `to` back beside it under a free name instead.
 */
export async function switchRow(ctx: MutationCtx, userId: string, stale: Row, to: Side, keepBoth = false): Promise<void> {
  // An earlier switch in this transaction may have relinked the row.
  const row = (await ctx.db.get("fileChanges", stale._id)) ?? stale;
  const from: Side = to === "before" ? "after" : "before";
  const leaving = sideOf(row, from);
  const target = sideOf(row, to);
  const targetText = await sideText(ctx, row, to);
  const verb = to === "before" ? "undo" : "redo";
  let node: Doc<"files"> | null = null;
  if (leaving.path !== undefined) {
    node = await ctx.db.get("files", row.fileId);
    if (node === null || !(await hasLiveAncestors(ctx, node))) {
      throw refuse("NOT_FOUND", leaving.path, `"${leaving.path}" was deleted after this change, so there is nothing to ${verb} there.`, false);
    }
    if (node.type === "file" && (node.revision ?? 1) !== leaving.revision) {
      const path = await pathOfFile(ctx, node);
      if (!keepBoth || target.path === undefined) {
        throw refuse(
          "CONFLICT",
          path,
          `"${path}" was edited after this change (revision ${leaving.revision} then, ${node.revision ?? 1} now); ${verb === "undo" ? "undoing" : "redoing"} it would lose that edit.${target.path === undefined ? " Delete the file yourself if you no longer want it." : " Keep both to bring the other version back beside it."}`,
          target.path !== undefined,
        );
      }
      const parts = splitPath(target.path)!;
      const name = await freeName(ctx, row.projectId, parts.slice(0, -1), parts[parts.length - 1], false);
      await createSide(ctx, userId, row, to, targetText, [...parts.slice(0, -1), name]);
      await dropUndoData(ctx, row);
      return;
    }
  }

  // Remember the side being left, for the switch back, in the text row of the side brought back if it has one.
  const leftText = node === null ? undefined : liveText(node);
  const leftTextId = await putText(ctx, row, textIdOf(row, to), leftText);
  await ctx.db.patch("fileChanges", row._id, {
    ...sidePatch(from, { textId: leftTextId, storageId: node?.type === "file" ? node.storageId : undefined, revision: leaving.revision }),
    ...sidePatch(to, { storageId: target.storageId, revision: target.revision }),
    textBytes: leftText === undefined ? undefined : utf8Length(leftText),
  });

  let fileId = row.fileId;
  if (target.path === undefined) {
    // The change created the node: delete it. A folder must hold nothing the change did not bring.
    if (node!.type === "folder") {
      let child: Doc<"files"> | null = null;
      for await (const each of ctx.db
        .query("files")
        .withIndex("by_project_parent", (q) => q.eq("projectId", row.projectId).eq("parentId", node!._id))) {
        // A trashed child was deleted after this change: the folder goes to the trash with it, restorable.
        if (each.trashedAt === undefined) {
          child = each;
          break;
        }
      }
      if (child !== null) {
        throw refuse("CONFLICT", leaving.path!, `The folder "${leaving.path}" holds "${child.name}", added after this change; ${verb} it once that is moved or deleted.`, false);
      }
    }
    await removeFile(ctx, userId, node!._id);
  } else {
    const parts = splitPath(target.path)!;
    const occupant = await findByPath(ctx, row.projectId, target.path);
    if (occupant !== null && occupant._id !== node?._id) {
      if (!keepBoth || node !== null) {
        throw refuse(
          "NAME_TAKEN",
          target.path,
          `"${target.path}" is taken by a file or folder made after this change, so it cannot be brought back there.${node === null ? " Keep both to bring it back under another name." : " Rename or move that one first."}`,
          node === null,
        );
      }
      const name = await freeName(ctx, row.projectId, parts.slice(0, -1), parts[parts.length - 1], row.type === "folder");
      parts[parts.length - 1] = name;
    }
    if (node === null) {
      fileId = await createSide(ctx, userId, row, to, targetText, parts);
    } else {
      const currentPath = await pathOfFile(ctx, node);
      if (currentPath !== target.path) {
        const parentId = await ensureFolder(ctx, userId, row.projectId, parts.slice(0, -1));
        await moveAndRename(ctx, userId, node._id, parentId, parts[parts.length - 1]);
      }
      if (node.type === "file") {
        if (target.storageId !== undefined) {
          if (target.storageId !== node.storageId) {
            await removeFile(ctx, userId, node._id);
            fileId = await createSide(ctx, userId, row, to, targetText, parts);
          }
        } else if (node.storageId !== undefined || (node.content ?? "") !== (targetText ?? "")) {
          await updateContent(ctx, userId, node._id, targetText ?? "", undefined);
        }
      }
    }
  }
  const now = await ctx.db.get("files", fileId);
  const revision = now === null ? undefined : (now.revision ?? 1);
  await ctx.db.patch("fileChanges", row._id, {
    fileId,
    state: to === "before" ? "undone" : "applied",
    pending: undefined,
    // The side now live is in the file itself; only its revision is needed to check the next switch.
    ...sidePatch(to, { revision }),
  });
  await relink(ctx, row, row.fileId, target.revision, fileId, revision);
}

/**
 * The state `to` described (node `oldId` at `oldRevision`) is live again, as node `newId` at `newRevision`:
 * other answers' rows that name that state are rewritten to name it, so a restore across answers that touched
 * the same file checks each answer against the state the previous switch left.
 */
async function relink(
  ctx: MutationCtx,
  row: Row,
  oldId: Id<"files">,
  oldRevision: number | undefined,
  newId: Id<"files">,
  newRevision: number | undefined,
) {
  if (oldId === newId && oldRevision === newRevision) return;
  for (const other of await ctx.db.query("fileChanges").withIndex("by_file", (q) => q.eq("fileId", oldId)).take(MAX_CHANGE_ROWS)) {
    if (other._id === row._id) continue;
    const patch: Partial<Row> = { fileId: newId };
    if (oldRevision !== undefined && other.beforeRevision === oldRevision) patch.beforeRevision = newRevision;
    if (oldRevision !== undefined && other.afterRevision === oldRevision) patch.afterRevision = newRevision;
    await ctx.db.patch("fileChanges", other._id, patch);
  }
}

/** The row becomes "kept": its texts and blobs (undo data) are dropped. */
async function dropUndoData(ctx: MutationCtx, row: Row) {
  await ctx.db.patch("fileChanges", row._id, {
    state: "kept",
    pending: undefined,
    ...sidePatch("before", { revision: row.beforeRevision }),
    ...sidePatch("after", { revision: row.afterRevision }),
    textBytes: undefined,
  });
  await dropTexts(ctx, row);
  await releaseRowBlobs(ctx, row);
}

export async function releaseRowBlobs(ctx: MutationCtx, row: Row) {
  for (const id of [row.beforeStorageId, row.afterStorageId]) if (id !== undefined) await releaseBlob(ctx, id);
}

/** Keep: the change stays and its undo data is dropped. */
export async function keepRow(ctx: MutationCtx, row: Row) {
  if (row.state !== "applied") return;
  await dropUndoData(ctx, row);
}

/** Refuses while an answer of the project is still being written: its turn may still change files. */
export async function requireNoAnswerRunning(ctx: QueryCtx, projectId: Id<"projects">) {
  const running = await ctx.db
    .query("messages")
    .withIndex("by_project_status", (q) => q.eq("projectId", projectId).eq("status", "processing"))
    .first();
  if (running !== null && running.role === "assistant") {
    throw appError("CONFLICT", "The assistant is still answering in this project. Stop the answer or wait for it to finish, then try again.");
  }
}
