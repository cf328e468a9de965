import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

// Copies of a binary file share one blob (mutations cannot duplicate storage), so a blob is deleted only when
// the last file referencing it goes, and no change set of the assistant holds it for an undo.

export async function isBlobReferenced(ctx: QueryCtx, storageId: Id<"_storage">): Promise<boolean> {
  const ref = await ctx.db
    .query("files")
    .withIndex("by_storage", (q) => q.eq("storageId", storageId))
    .first();
  if (ref !== null) return true;
  // A change set keeps the blob of a deleted or overwritten binary until its change is kept (model/changes.ts).
  const held =
    (await ctx.db.query("fileChanges").withIndex("by_before_storage", (q) => q.eq("beforeStorageId", storageId)).first()) ??
    (await ctx.db.query("fileChanges").withIndex("by_after_storage", (q) => q.eq("afterStorageId", storageId)).first());
  return held !== null;
}

export async function releaseBlob(ctx: MutationCtx, storageId: Id<"_storage">) {
  if (!(await isBlobReferenced(ctx, storageId)) && (await ctx.db.system.get("_storage", storageId)) !== null) {
    await ctx.storage.delete(storageId);
  }
}

export async function deleteFileRow(ctx: MutationCtx, file: Doc<"files">) {
  await ctx.db.delete("files", file._id);
  if (file.storageId !== undefined) await releaseBlob(ctx, file.storageId);
}
