import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { Budget } from "./budget";
import { uncountEntries } from "./listing";
import { dropTexts, releaseRowBlobs } from "./changes";
import { deleteFileRow, releaseBlob } from "./storage";
import { deleteBlobIfPresent } from "./transfers";

// Deleting what may be too large for one transaction: a folder's descendants, a project's data, a
// conversation's messages. What the user sees goes at once (the folder's row and entry, the project row, the
// conversation row), which makes the rest unreachable; the rest is deleted here in batches that each fit a
// Budget. Every batch is one transaction that only deletes what still exists, so running a batch twice, or
// after a crash, or two chains at once, deletes each row exactly once and converges to the same end state.
//
// Folder purges: a filePurges row names a deleted folder whose children (rows and entries with that parentId)
// remain. A batch deletes those children; a child folder gets its own filePurges row in the same transaction,
// and the row of a folder with no children left is deleted. While rows exist for a project, one scheduled chain
// (files.purge) works through them: it is started by the delete that found none pending.

/** Counts deleted entries per bucket, to subtract from the bucket counts once per batch. */
class BucketTally {
  readonly removed = new Map<number, number>();
  add(entry: Doc<"fileEntries">) {
    this.removed.set(entry.bucket, (this.removed.get(entry.bucket) ?? 0) + 1);
  }
}

/**
 * Deletes the children of one deleted folder while the budget lasts; returns true when none are left (the
 * filePurges row is then deleted).
 */
async function purgeFolderChildren(ctx: MutationCtx, row: Doc<"filePurges">, budget: Budget, tally: BucketTally, blobs: Set<Id<"_storage">>) {
  const { projectId, folderId } = row;
  budget.chargeQuery();
  const entries: Doc<"fileEntries">[] = [];
  for await (const entry of ctx.db
    .query("fileEntries")
    .withIndex("by_project_parent_name", (q) => q.eq("projectId", projectId).eq("parentId", folderId))) {
    entries.push(entry);
    if (!budget.charge(entry)) break;
  }
  for (const entry of entries) {
    await ctx.db.delete("fileEntries", entry._id);
    tally.add(entry);
  }
  if (!budget.ok()) return false;

  budget.chargeQuery();
  const children: Doc<"files">[] = [];
  for await (const child of ctx.db
    .query("files")
    .withIndex("by_project_parent", (q) => q.eq("projectId", projectId).eq("parentId", folderId))) {
    children.push(child);
    if (!budget.charge(child)) break;
  }
  for (const child of children) {
    await ctx.db.delete("files", child._id);
    if (child.type === "folder") await ctx.db.insert("filePurges", { projectId, folderId: child._id });
    if (child.storageId !== undefined) blobs.add(child.storageId);
  }
  if (!budget.ok()) return false;
  await ctx.db.delete("filePurges", row._id);
  return true;
}

/** One batch of the project's pending folder purges; returns true when none are left. */
export async function purgeFoldersBatch(ctx: MutationCtx, projectId: Id<"projects">, budget = new Budget()): Promise<boolean> {
  const tally = new BucketTally();
  const blobs = new Set<Id<"_storage">>();
  let done = false;
  while (budget.ok()) {
    budget.chargeQuery();
    const row = await ctx.db
      .query("filePurges")
      .withIndex("by_project", (q) => q.eq("projectId", projectId))
      .first();
    if (row === null) {
      done = true;
      break;
    }
    if (!(await purgeFolderChildren(ctx, row, budget, tally, blobs))) break;
  }
  await uncountEntries(ctx, projectId, tally.removed);
  // After the rows are gone, so a blob is deleted only when no row refers to it any more.
  for (const storageId of blobs) await releaseBlob(ctx, storageId);
  return done;
}

/** True when a folder purge is pending in the project (then its chain is scheduled or running). */
export async function hasPendingPurge(ctx: MutationCtx, projectId: Id<"projects">): Promise<boolean> {
  return (
    (await ctx.db
      .query("filePurges")
      .withIndex("by_project", (q) => q.eq("projectId", projectId))
      .first()) !== null
  );
}

type ListingTable = "fileListings" | "filePurges" | "fileEntries" | "fileBuckets";

/** Deletes the rows of one query while the budget lasts; returns true when the query had nothing more. */
async function deleteRows<T extends ListingTable>(ctx: MutationCtx, table: T, rows: AsyncIterable<Doc<T>>, budget: Budget) {
  budget.chargeQuery();
  const doomed: Doc<T>[] = [];
  let complete = true;
  for await (const row of rows) {
    doomed.push(row);
    if (!budget.charge(row)) {
      complete = false;
      break;
    }
  }
  for (const row of doomed) await ctx.db.delete(table, row._id);
  return complete;
}

/**
 * Deletes one batch of a deleted project's rows (its row and listing head are already gone); returns true when
 * nothing is left.
 */
export async function purgeProjectBatch(ctx: MutationCtx, projectId: Id<"projects">): Promise<boolean> {
  const budget = new Budget();
  const heads = ctx.db.query("fileListings").withIndex("by_project", (q) => q.eq("projectId", projectId));
  if (!(await deleteRows(ctx, "fileListings", heads, budget))) return false;
  const purges = ctx.db.query("filePurges").withIndex("by_project", (q) => q.eq("projectId", projectId));
  if (!(await deleteRows(ctx, "filePurges", purges, budget))) return false;

  budget.chargeQuery();
  const files: Doc<"files">[] = [];
  let complete = true;
  for await (const file of ctx.db.query("files").withIndex("by_project", (q) => q.eq("projectId", projectId))) {
    files.push(file);
    if (!budget.charge(file)) {
      complete = false;
      break;
    }
  }
  for (const file of files) {
    if (file.storageId !== undefined) budget.chargeQuery(2);
    await deleteFileRow(ctx, file);
  }
  if (!complete || !budget.ok()) return false;

  const entries = ctx.db.query("fileEntries").withIndex("by_project_bucket", (q) => q.eq("projectId", projectId));
  if (!(await deleteRows(ctx, "fileEntries", entries, budget))) return false;
  const buckets = ctx.db.query("fileBuckets").withIndex("by_project_bucket", (q) => q.eq("projectId", projectId));
  if (!(await deleteRows(ctx, "fileBuckets", buckets, budget))) return false;

  // Import/export state: at most one transfer row per kind, each with the archive or built ZIP it may still hold,
  // and the project's Git remote, and its undo or restore in progress or failed (model/changeOps.ts; at most one).
  budget.chargeQuery(3);
  for (const transfer of await ctx.db.query("transfers").withIndex("by_project_kind", (q) => q.eq("projectId", projectId)).collect()) {
    for (const blob of [transfer.storageId, transfer.zipStorageId]) if (blob !== undefined) await deleteBlobIfPresent(ctx, blob);
    await ctx.db.delete("transfers", transfer._id);
  }
  for (const remote of await ctx.db.query("gitRemotes").withIndex("by_project", (q) => q.eq("projectId", projectId)).collect()) {
    await ctx.db.delete("gitRemotes", remote._id);
  }
  for (const op of await ctx.db.query("changeOps").withIndex("by_project", (q) => q.eq("projectId", projectId)).take(10)) {
    await ctx.db.delete("changeOps", op._id);
  }

  const conversations = await ctx.db
    .query("conversations")
    .withIndex("by_project", (q) => q.eq("projectId", projectId))
    .take(100);
  for (const conversation of conversations) {
    budget.charge(conversation);
    if (!(await purgeMessagesBatch(ctx, conversation._id, budget))) return false;
    await ctx.db.delete("conversations", conversation._id);
  }
  return conversations.length < 100;
}

/**
 * Deletes a conversation's messages (with their streaming chunks) while the budget lasts, then its change sets and shared
 * context; returns true when nothing is left.
 */
export async function purgeMessagesBatch(
  ctx: MutationCtx,
  conversationId: Id<"conversations">,
  budget: Budget,
): Promise<boolean> {
  const messages: Id<"messages">[] = [];
  let complete = true;
  for await (const message of ctx.db
    .query("messages")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))) {
    messages.push(message._id);
    if (!budget.charge(message)) {
      complete = false;
      break;
    }
  }
  for (const id of messages) {
    // Chunks exist only while an answer streams, so there are few per message.
    budget.chargeQuery();
    const chunks = await ctx.db
      .query("messageChunks")
      .withIndex("by_message_seq", (q) => q.eq("messageId", id))
      .collect();
    for (const chunk of chunks) await ctx.db.delete("messageChunks", chunk._id);
    await ctx.db.delete("messages", id);
  }
  if (complete) complete = await purgeConversationChanges(ctx, conversationId, budget);
  if (complete) {
    const shared = await ctx.db
      .query("chatContext")
      .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
      .collect();
    for (const row of shared) await ctx.db.delete("chatContext", row._id);
  }
  return complete;
}

/** Deletes a deleted conversation's change sets (model/changes.ts) while the budget lasts; true when none are left. */
async function purgeConversationChanges(ctx: MutationCtx, conversationId: Id<"conversations">, budget: Budget) {
  budget.chargeQuery();
  const rows: Doc<"fileChanges">[] = [];
  let complete = true;
  for await (const row of ctx.db.query("fileChanges").withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))) {
    rows.push(row);
    // Deleting the row's texts reads them: charged like the row.
    if (!budget.charge(row) || !budget.chargeBytes(row.textBytes ?? 0)) {
      complete = false;
      break;
    }
  }
  for (const row of rows) {
    await ctx.db.delete("fileChanges", row._id);
    await dropTexts(ctx, row);
    await releaseRowBlobs(ctx, row);
  }
  return complete;
}
