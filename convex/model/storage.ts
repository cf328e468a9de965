import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";

// Copies of a binary file share one blob (mutations cannot duplicate storage), so a blob is deleted only when
// the last file referencing it goes.

export async function isBlobReferenced(ctx: QueryCtx, storageId: Id<"_storage">): Promise<boolean> {
  const ref = await ctx.db
    .query("files")
    .withIndex("by_storage", (q) => q.eq("storageId", storageId))
    .first();
  return ref !== null;
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
