import type { Doc, Id } from "../_generated/dataModel";
import { internal } from "../_generated/api";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { appError, formatCount } from "../lib/errors";
import { switchRow } from "./changes";

// An undo of a whole answer, a restore to a checkpoint or the undo of a restore, as one logical operation however
// much it switches. Switching a row reads its text, the file, and writes both: a 1 MiB file costs about 7 MiB of
// Convex's 16 MiB read limit, so one transaction switches only a few large files, while an answer may hold 8 MiB of
// undo data and create any number of files. So the rows are switched in order while the transaction has headroom
// for one more at its worst (ctx.meta.getTransactionMetrics, the limits Convex itself counts); what fits in the
// caller's transaction is all or nothing, as before. Past that, a `changeOps` row carries the rest through
// scheduled steps, each its own transaction:
//
// - While it runs, every other undo, keep and restore of the project is refused, and each window's card shows how
//   far it got (changes.forMessage `operation`); the files change step by step, each step consistent (a row is
//   switched whole or not at all).
// - Each row of a step switches in a nested transaction (ctx.runMutation), so a refusal part-way (a file edited
//   meanwhile) changes nothing of that row. The operation then switches back the rows it had switched, newest
//   first, and ends "failed" with the refusal: all or nothing, as one transaction would have been. A row that
//   cannot be switched back either (edited again meanwhile) ends it at once, saying so.
//
// The alternative, a recorder cap as small as one transaction can undo (two 1 MiB files), would refuse ordinary
// answers and still not bound a restore, which spans any number of answers.

type Op = Doc<"changeOps">;
type Row = Doc<"fileChanges">;
export type OpKind = Op["kind"];
export type OpError = NonNullable<Op["error"]>;

/** Headroom one row's switch may need at worst (1 MiB texts; relink of up to 1,000 rows; a deep path). */
const ROW_READ_BYTES = 8 * 1024 * 1024;
const ROW_WRITE_BYTES = 3 * 1024 * 1024;
const ROW_DOCUMENTS = 1200;
const ROW_QUERIES = 300;

async function hasRoomForRow(ctx: QueryCtx) {
  const m = await ctx.meta.getTransactionMetrics();
  return (
    m.bytesRead.remaining >= ROW_READ_BYTES &&
    m.bytesWritten.remaining >= ROW_WRITE_BYTES &&
    m.documentsRead.remaining >= ROW_DOCUMENTS &&
    m.documentsWritten.remaining >= ROW_DOCUMENTS &&
    m.databaseQueries.remaining >= ROW_QUERIES
  );
}

interface Plan {
  projectId: Id<"projects">;
  messageId: Id<"messages">;
  userId: string;
  kind: OpKind;
  keepBoth?: boolean;
}

/**
 * One row of the operation, forward (`back` false) or switched back after a refusal. Rows a restore undid remember
 * it (restoredTo); every row an undo of a restore names is undone or kept, so one it finds applied when going back
 * is one it re-applied.
 */
export async function stepRow(ctx: MutationCtx, plan: Plan, rowId: Id<"fileChanges">, back: boolean) {
  const row = await ctx.db.get("fileChanges", rowId);
  if (row === null) return;
  const undoing = (plan.kind === "undoRestore") === back;
  if (undoing) {
    if (row.state === "applied") await switchRow(ctx, plan.userId, row, "before", !back && plan.keepBoth === true);
  } else if (row.state === "undone") {
    await switchRow(ctx, plan.userId, row, "after");
  }
  if (plan.kind !== "undo") {
    const restored = (plan.kind === "restore") !== back;
    await ctx.db.patch("fileChanges", rowId, { restoredTo: restored ? plan.messageId : undefined });
  }
}

/**
 * Before any undo, keep or restore of the project: refuses while an operation of the project is still switching
 * rows (it owns them until it ends), and drops the refusal a failed one left, which the person has now answered.
 */
export async function settleOperations(ctx: MutationCtx, projectId: Id<"projects">) {
  const ops = await ctx.db.query("changeOps").withIndex("by_project", (q) => q.eq("projectId", projectId)).take(10);
  const op = ops.find((each) => each.status !== "failed");
  if (op !== undefined) {
    const what = op.kind === "undo" ? "An undo" : op.kind === "restore" ? "A restore" : "An undo of a restore";
    throw appError(
      "CONFLICT",
      `${what} is still running in this project (${formatCount(op.done)} of ${formatCount(op.rows.length)} changes${op.status === "rollingBack" ? ", being taken back" : ""}). Wait for it to finish, then try again.`,
    );
  }
  for (const failed of ops) await ctx.db.delete("changeOps", failed._id);
}

/**
 * Switches `rows` in order as one operation: in this transaction while there is room (a refusal throws and changes
 * nothing), the rest in scheduled steps. The caller has settled the project's operations first.
 */
export async function runOperation(ctx: MutationCtx, plan: Plan, rows: Row[]) {
  let done = 0;
  while (done < rows.length && (await hasRoomForRow(ctx))) {
    await stepRow(ctx, plan, rows[done]._id, false);
    done++;
  }
  if (done === rows.length) return;
  const opId = await ctx.db.insert("changeOps", { ...plan, rows: rows.map((r) => r._id), done, status: "running" });
  await ctx.scheduler.runAfter(0, internal.changes.continueOperation, { opId });
}

/** The refusal a nested step threw, as the operation keeps it (a ConvexError's data, or the error's text). */
function refusalOf(error: unknown): OpError {
  const data = (error as { data?: unknown }).data;
  if (typeof data === "object" && data !== null && "code" in data && "message" in data) {
    const { code, message, path, canKeepBoth } = data as Record<string, unknown>;
    return {
      code: String(code),
      message: String(message),
      path: typeof path === "string" ? path : undefined,
      canKeepBoth: typeof canKeepBoth === "boolean" ? canKeepBoth : undefined,
    };
  }
  return { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) };
}

/** One scheduled step of an operation: as many rows as fit, each in its own nested transaction. */
export async function continueOperation(ctx: MutationCtx, opId: Id<"changeOps">) {
  const op = await ctx.db.get("changeOps", opId);
  if (op === null || op.status === "failed") return;
  let { done, status, error } = op;
  for (;;) {
    if (status === "running" && done === op.rows.length) {
      await ctx.db.delete("changeOps", opId);
      return;
    }
    if (status === "rollingBack" && done === 0) {
      await ctx.db.patch("changeOps", opId, { done, status: "failed", error });
      return;
    }
    if (!(await hasRoomForRow(ctx))) break;
    const back = status === "rollingBack";
    const rowId = back ? op.rows[done - 1] : op.rows[done];
    try {
      await ctx.runMutation(internal.changes.stepOperation, { opId, rowId, back });
    } catch (e) {
      const refusal = refusalOf(e);
      if (!back) {
        // Take back what this operation did, then report why it stopped.
        status = "rollingBack";
        error = refusal;
        continue;
      }
      const message = `${error?.message ?? "The operation stopped."} Taking back the ${formatCount(done)} changes it had already made stopped too: ${refusal.message}`;
      await ctx.db.patch("changeOps", opId, { done, status: "failed", error: { ...(error ?? refusal), message, canKeepBoth: false } });
      return;
    }
    done += back ? -1 : 1;
  }
  await ctx.db.patch("changeOps", opId, { done, status, error });
  await ctx.scheduler.runAfter(0, internal.changes.continueOperation, { opId });
}

/** What a card shows of an operation on its answer: how far it got, or why it failed. */
export async function operationOf(ctx: QueryCtx, messageId: Id<"messages">) {
  const op = await ctx.db.query("changeOps").withIndex("by_message", (q) => q.eq("messageId", messageId)).first();
  if (op === null) return undefined;
  return { kind: op.kind, status: op.status, done: op.done, total: op.rows.length, error: op.error };
}
