import { mutationGeneric } from "convex/server";
import { v } from "convex/values";
import { LISTING_BUCKET_SIZE } from "../../../../convex/lib/limits";

// Bench-only functions that write many documents per transaction: the fastest honest way to fill a data dir
// through the engine (the project's own mutations create one file each). Documents match convex/schema.ts.

export const populate = mutationGeneric({
  args: { projects: v.number(), filesPerProject: v.number(), content: v.string(), firstProject: v.number() },
  returns: v.array(v.string()),
  handler: async (ctx, { projects, filesPerProject, content, firstProject }) => {
    const identity = await ctx.auth.getUserIdentity();
    if (identity === null) throw new Error("seed:populate needs an identity: pass the bench user's.");
    const now = Date.now();
    const ids: string[] = [];
    for (let p = 0; p < projects; p++) {
      const projectId = await ctx.db.insert("projects", {
        name: `Project ${firstProject + p}`,
        ownerId: identity.tokenIdentifier,
        updatedAt: now,
      });
      ids.push(projectId);
      // The compact listing beside the files, as the project's createMany writes it (convex/model/listing.ts): a
      // ready fileListings row, LISTING_BUCKET_SIZE entries per bucket, each bucket's count.
      await ctx.db.insert("fileListings", { projectId, ownerId: identity.tokenIdentifier, status: "ready" });
      for (let f = 0; f < filesPerProject; f++) {
        const name = `module-${f}.ts`;
        const fileId = await ctx.db.insert("files", {
          projectId,
          name,
          type: "file",
          content,
          updatedAt: now,
          revision: 1,
          size: content.length,
        });
        await ctx.db.insert("fileEntries", { projectId, bucket: Math.floor(f / LISTING_BUCKET_SIZE), fileId, name, type: "file" });
      }
      for (let bucket = 0; bucket * LISTING_BUCKET_SIZE < filesPerProject; bucket++) {
        const count = Math.min(LISTING_BUCKET_SIZE, filesPerProject - bucket * LISTING_BUCKET_SIZE);
        await ctx.db.insert("fileBuckets", { projectId, bucket, count });
      }
    }
    return ids;
  },
});

/** One small write, so an engine opened with a tiny compaction threshold compacts right after it. */
export const touch = mutationGeneric({
  args: { projectId: v.string() },
  returns: v.null(),
  handler: async (ctx, { projectId }) => {
    const id = ctx.db.normalizeId("projects", projectId);
    if (id === null) throw new Error(`seed:touch: ${projectId} is not a project id.`);
    await ctx.db.patch("projects", id, { updatedAt: Date.now() });
    return null;
  },
});
