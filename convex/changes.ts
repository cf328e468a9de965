import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation, mutation, query, type MutationCtx, type QueryCtx } from "./_generated/server";
import { appError, formatCount } from "./lib/errors";
import { changeSetValidator, changeTextsValidator, pendingChangesValidator } from "./lib/validators";
import { requireMessage, requireProjectOwner, requireUser } from "./model/access";
import { Budget } from "./model/budget";
import { continueOperation as continueOp, operationOf, runOperation, settleOperations, stepRow } from "./model/changeOps";
import {
  changeLine,
  changeTexts,
  keepRow,
  MAX_CHANGE_ROWS,
  requireNoAnswerRunning,
  switchRow,
  turnRows,
} from "./model/changes";

// The assistant's change sets: what one answer (its assistant message) changed, reviewed file by file, kept or
// undone per file or whole, and "restore to here" (undo this answer and every later one of the project, itself
// undoable). Logic and invariants: model/changes.ts. Every function resolves the caller from ctx.auth and reaches
// a change only through its message, so another user's change set is NOT_FOUND. An undo of a whole answer, a restore
// and its undo run as one operation however large (model/changeOps.ts): in the caller's transaction when it fits,
// else carried on by scheduled steps that the card follows through `forMessage`'s `operation`.

async function ownedRow(ctx: QueryCtx, userId: string, changeId: Id<"fileChanges">) {
  const row = await ctx.db.get("fileChanges", changeId);
  if (row === null) throw appError("NOT_FOUND", "This change does not exist or was deleted. Reload the page to see the current state.");
  await requireMessage(ctx, userId, row.messageId);
  return row;
}

/** The change set of one answer: a line per file or folder, and whether a restore to here can be undone. */
export const forMessage = query({
  args: { messageId: v.id("messages") },
  returns: changeSetValidator,
  handler: async (ctx, { messageId }) => {
    const userId = await requireUser(ctx);
    const { message } = await requireMessage(ctx, userId, messageId);
    const rows = await turnRows(ctx, messageId);
    const restored = await ctx.db
      .query("fileChanges")
      .withIndex("by_restored", (q) => q.eq("projectId", message.projectId).eq("restoredTo", messageId))
      .first();
    return { lines: rows.map(changeLine), restoredHere: restored !== null, operation: await operationOf(ctx, messageId) };
  },
});

/**
 * The project's changes waiting for review (recorded while its setting was "wait for review", neither kept nor
 * undone yet), for the tree's and the editor's marks. At most MAX_CHANGE_ROWS, oldest first.
 */
export const pending = query({
  args: { projectId: v.id("projects") },
  returns: pendingChangesValidator,
  handler: async (ctx, { projectId }) => {
    await requireProjectOwner(ctx, await requireUser(ctx), projectId);
    const rows = await ctx.db
      .query("fileChanges")
      .withIndex("by_project_pending", (q) => q.eq("projectId", projectId).eq("pending", true))
      .take(MAX_CHANGE_ROWS);
    return rows.map((row) => ({ messageId: row.messageId, line: changeLine(row) }));
  },
});

/** The texts a change's diff compares: before the answer, and the file now. */
export const texts = query({
  args: { changeId: v.id("fileChanges") },
  returns: changeTextsValidator,
  handler: async (ctx, { changeId }) => {
    const row = await ownedRow(ctx, await requireUser(ctx), changeId);
    return { line: changeLine(row), ...(await changeTexts(ctx, row)) };
  },
});

async function rowsToAct(ctx: MutationCtx, messageId: Id<"messages">, changeId: Id<"fileChanges"> | undefined) {
  const userId = await requireUser(ctx);
  const { message } = await requireMessage(ctx, userId, messageId);
  let rows: Doc<"fileChanges">[];
  if (changeId === undefined) {
    rows = await turnRows(ctx, messageId);
  } else {
    const row = await ownedRow(ctx, userId, changeId);
    if (row.messageId !== messageId) throw appError("NOT_FOUND", "This change does not belong to that answer. Reload the page to see the current state.");
    rows = [row];
  }
  return { userId, message, rows };
}

/**
 * Undoes one change (changeId) or every change of the answer still applied, as one operation: all or nothing.
 * Refuses, naming the file and why, when a later edit would be lost; `keepBoth` then brings the earlier version
 * back beside the edited file instead.
 */
export const undo = mutation({
  args: { messageId: v.id("messages"), changeId: v.optional(v.id("fileChanges")), keepBoth: v.optional(v.boolean()) },
  returns: v.null(),
  handler: async (ctx, { messageId, changeId, keepBoth }) => {
    const { userId, message, rows } = await rowsToAct(ctx, messageId, changeId);
    await requireNoAnswerRunning(ctx, message.projectId);
    await settleOperations(ctx, message.projectId);
    const applied = rows.filter((row) => row.state === "applied").reverse();
    if (changeId !== undefined) {
      for (const row of applied) await switchRow(ctx, userId, row, "before", keepBoth === true);
      return null;
    }
    await runOperation(ctx, { projectId: message.projectId, messageId, userId, kind: "undo", keepBoth }, applied);
    return null;
  },
});

/** Keeps one change or every change of the answer: it stays, and its undo data is dropped. */
export const keep = mutation({
  args: { messageId: v.id("messages"), changeId: v.optional(v.id("fileChanges")) },
  returns: v.null(),
  handler: async (ctx, { messageId, changeId }) => {
    const { message, rows } = await rowsToAct(ctx, messageId, changeId);
    await settleOperations(ctx, message.projectId);
    for (const row of rows) await keepRow(ctx, row);
    return null;
  },
});

/** The caller and the answer, for a restore or its undo, which may not run while an answer is being written. */
async function beforeSwitching(ctx: MutationCtx, messageId: Id<"messages">) {
  const userId = await requireUser(ctx);
  const { message } = await requireMessage(ctx, userId, messageId);
  await requireNoAnswerRunning(ctx, message.projectId);
  await settleOperations(ctx, message.projectId);
  return { userId, message };
}

/**
 * The rows still applied of the project's answers from `turnTime` on, newest answer first and last change first: what
 * a restore undoes. It reads only those (index by_project_state_turn), so what was kept or undone since costs nothing
 * and a restore to a later answer first brings a refused one within the limit.
 */
async function appliedRowsSince(ctx: QueryCtx, projectId: Id<"projects">, turnTime: number) {
  const budget = new Budget(MAX_CHANGE_ROWS);
  const rows: Doc<"fileChanges">[] = [];
  for await (const row of ctx.db
    .query("fileChanges")
    .withIndex("by_project_state_turn", (q) => q.eq("projectId", projectId).eq("state", "applied").gte("turnTime", turnTime))
    .order("desc")) {
    if (!budget.charge(row)) {
      throw appError(
        "TOO_LARGE",
        rows.length >= MAX_CHANGE_ROWS
          ? `Restoring to here would undo more than ${formatCount(MAX_CHANGE_ROWS)} changes of the answers since this one, the most one restore can undo. Restore to a later answer first, then to this one.`
          : "Restoring to here would undo more text than one restore can read (changes recorded by an older version). Restore to a later answer first, then to this one.",
      );
    }
    rows.push(row);
  }
  return rows.sort((a, b) => b.turnTime - a.turnTime || b.seq - a.seq);
}

/**
 * Restores the project to its state before this answer: undoes every change of this answer and of every later
 * one of the project still applied, as one operation (all or nothing). The rows it undid remember it, so
 * `undoRestore` can bring them back.
 */
export const restore = mutation({
  args: { messageId: v.id("messages") },
  returns: v.null(),
  handler: async (ctx, { messageId }) => {
    const { userId, message } = await beforeSwitching(ctx, messageId);
    const rows = await appliedRowsSince(ctx, message.projectId, message._creationTime);
    await runOperation(ctx, { projectId: message.projectId, messageId, userId, kind: "restore" }, rows);
    return null;
  },
});

/** Undoes a restore to this answer: re-applies what it undid, oldest answer first, as one operation (all or nothing). */
export const undoRestore = mutation({
  args: { messageId: v.id("messages") },
  returns: v.null(),
  handler: async (ctx, { messageId }) => {
    const { userId, message } = await beforeSwitching(ctx, messageId);
    const rows = await ctx.db
      .query("fileChanges")
      .withIndex("by_restored", (q) => q.eq("projectId", message.projectId).eq("restoredTo", messageId))
      .take(MAX_CHANGE_ROWS);
    rows.sort((a, b) => a.turnTime - b.turnTime || a.seq - b.seq);
    await runOperation(ctx, { projectId: message.projectId, messageId, userId, kind: "undoRestore" }, rows);
    return null;
  },
});

/** One scheduled step of a large undo or restore (model/changeOps.ts). */
export const continueOperation = internalMutation({
  args: { opId: v.id("changeOps") },
  returns: v.null(),
  handler: async (ctx, { opId }) => {
    await continueOp(ctx, opId);
    return null;
  },
});

/** One row of an operation's step, in its own nested transaction so a refusal changes nothing of it. */
export const stepOperation = internalMutation({
  args: { opId: v.id("changeOps"), rowId: v.id("fileChanges"), back: v.boolean() },
  returns: v.null(),
  handler: async (ctx, { opId, rowId, back }) => {
    const op = await ctx.db.get("changeOps", opId);
    if (op !== null) await stepRow(ctx, op, rowId, back);
    return null;
  },
});
