import { v } from "convex/values";
import { internalQuery } from "./_generated/server";
import { BATCH_BYTES } from "./model/budget";
import { entryFieldsOf, getListingHead } from "./model/listing";

// Read-only checks of a project's files and listing for operators (`npx convex run audit:…`) and for the tests
// that prove a purge or backfill ends exactly where it should. Each answer is one bounded page: pass `after` back
// to continue. None is reachable by clients.

/** The listing's head status, every bucket's stored count, and how many folder purges are pending (≤ 1,000). */
export const listingCounts = internalQuery({
  args: { projectId: v.id("projects") },
  returns: v.object({
    head: v.union(v.null(), v.literal("building"), v.literal("ready")),
    buckets: v.array(v.number()),
    pendingPurges: v.number(),
  }),
  handler: async (ctx, { projectId }) => {
    const head = await getListingHead(ctx, projectId);
    const buckets = await ctx.db
      .query("fileBuckets")
      .withIndex("by_project_bucket", (q) => q.eq("projectId", projectId))
      .collect();
    const purges = await ctx.db
      .query("filePurges")
      .withIndex("by_project", (q) => q.eq("projectId", projectId))
      .take(1000);
    return { head: head?.status ?? null, buckets: buckets.map((b) => b.count), pendingPurges: purges.length };
  },
});

/**
 * Checks a page of the project's `files` rows against the listing: how many rows (trashed ones, which have no
 * entry by design, left out), how many have no entry, how many have an entry that disagrees (parent, name, type,
 * binary). Pass `cursor` back to continue; null when done.
 */
export const verifyListing = internalQuery({
  args: { projectId: v.id("projects"), cursor: v.union(v.string(), v.null()) },
  returns: v.object({ rows: v.number(), missing: v.number(), mismatched: v.number(), cursor: v.union(v.string(), v.null()) }),
  handler: async (ctx, { projectId, cursor }) => {
    const page = await ctx.db
      .query("files")
      .withIndex("by_project", (q) => q.eq("projectId", projectId))
      .paginate({ numItems: 1000, cursor, maximumBytesRead: BATCH_BYTES });
    let missing = 0;
    let mismatched = 0;
    for (const row of page.page) {
      // A trashed row has no entry by design (model/trash.ts).
      if (row.trashedAt !== undefined) continue;
      const entry = await ctx.db
        .query("fileEntries")
        .withIndex("by_file", (q) => q.eq("fileId", row._id))
        .unique();
      if (entry === null) missing += 1;
      else if (
        entry.projectId !== projectId ||
        entry.parentId !== row.parentId ||
        entry.name !== row.name ||
        entry.type !== row.type ||
        (entry.isBinary === true) !== entryFieldsOf(row).isBinary
      ) {
        mismatched += 1;
      }
    }
    return { rows: page.page.filter((row) => row.trashedAt === undefined).length, missing, mismatched, cursor: page.isDone ? null : page.continueCursor };
  },
});

/** Whether a stored blob still exists. */
export const blobExists = internalQuery({
  args: { storageId: v.id("_storage") },
  returns: v.boolean(),
  handler: async (ctx, { storageId }) => (await ctx.db.system.get("_storage", storageId)) !== null,
});

/** What the listing should hold for a `files` row, or holds in a `fileEntries` entry: the fields the two share. */
const listedFields = v.object({
  fileId: v.id("files"),
  projectId: v.id("projects"),
  parentId: v.optional(v.id("files")),
  name: v.string(),
  type: v.union(v.literal("file"), v.literal("folder")),
  isBinary: v.boolean(),
});

/**
 * A page of the project's `files` rows as listing entries should show them, trashed rows (which have no entry by
 * design) left out. With listingEntriesPage, a caller compares the whole project in two passes of page reads
 * instead of verifyListing's one lookup per row. Pass `cursor` back to continue; null when done.
 */
export const listingRowsPage = internalQuery({
  args: { projectId: v.id("projects"), cursor: v.union(v.string(), v.null()) },
  returns: v.object({ rows: v.array(listedFields), cursor: v.union(v.string(), v.null()) }),
  handler: async (ctx, { projectId, cursor }) => {
    const page = await ctx.db
      .query("files")
      .withIndex("by_project", (q) => q.eq("projectId", projectId))
      .paginate({ numItems: 1000, cursor, maximumBytesRead: BATCH_BYTES });
    const rows = page.page
      .filter((row) => row.trashedAt === undefined)
      .map((row) => ({
        fileId: row._id,
        projectId: row.projectId,
        ...(row.parentId === undefined ? {} : { parentId: row.parentId }),
        name: row.name,
        type: row.type,
        isBinary: entryFieldsOf(row).isBinary,
      }));
    return { rows, cursor: page.isDone ? null : page.continueCursor };
  },
});

/** A page of the project's listing entries (see listingRowsPage). Pass `cursor` back to continue; null when done. */
export const listingEntriesPage = internalQuery({
  args: { projectId: v.id("projects"), cursor: v.union(v.string(), v.null()) },
  returns: v.object({ entries: v.array(listedFields), cursor: v.union(v.string(), v.null()) }),
  handler: async (ctx, { projectId, cursor }) => {
    const page = await ctx.db
      .query("fileEntries")
      .withIndex("by_project_bucket", (q) => q.eq("projectId", projectId))
      .paginate({ numItems: 2000, cursor, maximumBytesRead: BATCH_BYTES });
    const entries = page.page.map((entry) => ({
      fileId: entry.fileId,
      projectId: entry.projectId,
      ...(entry.parentId === undefined ? {} : { parentId: entry.parentId }),
      name: entry.name,
      type: entry.type,
      isBinary: entry.isBinary === true,
    }));
    return { entries, cursor: page.isDone ? null : page.continueCursor };
  },
});
