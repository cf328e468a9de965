import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, mutation, query } from "./_generated/server";
import {
  clientOpIdValidator,
  fileWithContentValidator,
  listingEntryValidator,
  listingHeadValidator,
  listingTopValidator,
  newItemValidator,
  updateContentResultValidator,
} from "./lib/validators";
import { requireUser } from "./model/access";
import * as Bulk from "./model/createMany";
import * as Files from "./model/files";
import { runOnce } from "./model/idempotency";
import { readListingBucket, readListingHead, readListingTop } from "./model/listing";
import { purgeFoldersBatch } from "./model/purge";

const parentIdValidator = v.optional(v.id("files"));

/**
 * The head of the project's file listing: subscribe to it, then to files.listingBucket for buckets
 * 0…buckets-1. `ready` is false while a project created before the listing existed is being backfilled (the
 * buckets answer null meanwhile). Neither reads file content or the project row, so saves do not re-send them.
 */
export const listing = query({
  args: { projectId: v.id("projects") },
  returns: listingHeadValidator,
  handler: async (ctx, { projectId }) => readListingHead(ctx, await requireUser(ctx), projectId),
});

/**
 * One bucket of the listing (at most LISTING_BUCKET_SIZE entries). Entries whose ancestors are missing belong to
 * a deleted folder still being purged: lib/listing.ts `visibleEntries` leaves them out.
 */
export const listingBucket = query({
  args: { projectId: v.id("projects"), bucket: v.number() },
  returns: v.union(v.array(listingEntryValidator), v.null()),
  handler: async (ctx, { projectId, bucket }) => readListingBucket(ctx, await requireUser(ctx), projectId, bucket),
});

/**
 * The root level of the listing, each entry with its bucket: the SPA shows it while the buckets it stands in for
 * are still arriving, so a large project shows its first rows after one small query. Reads at most
 * LISTING_BUCKET_SIZE + 1 entries; like the others, nothing a save writes.
 */
export const listingTop = query({
  args: { projectId: v.id("projects") },
  returns: listingTopValidator,
  handler: async (ctx, { projectId }) => readListingTop(ctx, await requireUser(ctx), projectId),
});

/**
 * One file with its bytes. With `knownRevision` (what the caller has on hand), `content` and `url` are left out
 * while the file is still at that revision: the runner's working copy watches each file this way after its first
 * copy, so subscribing does not send the bytes again.
 */
export const get = query({
  args: { fileId: v.id("files"), knownRevision: v.optional(v.number()) },
  returns: fileWithContentValidator,
  handler: async (ctx, { fileId, knownRevision }) => Files.getFile(ctx, await requireUser(ctx), fileId, knownRevision),
});

/**
 * The contents of a page of the project's files (at most MAX_CONTENTS_PAGE_FILES ids), for a first copy of the
 * whole project in a few calls instead of a subscription per file. Reads stop within Convex's limits; `next` says
 * where to continue in `fileIds`. Ids that are not live files of the project are left out of `files`.
 */
export const contents = query({
  args: { projectId: v.id("projects"), fileIds: v.array(v.id("files")) },
  returns: v.object({ files: v.array(fileWithContentValidator), next: v.number() }),
  handler: async (ctx, { projectId, fileIds }) => Files.readContents(ctx, await requireUser(ctx), projectId, fileIds),
});

export const createFile = mutation({
  args: {
    projectId: v.id("projects"),
    parentId: parentIdValidator,
    name: v.string(),
    content: v.optional(v.string()),
    clientOpId: clientOpIdValidator,
  },
  returns: v.id("files"),
  handler: async (ctx, { clientOpId, ...input }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => Files.createFile(ctx, userId, input));
  },
});

export const createFolder = mutation({
  args: { projectId: v.id("projects"), parentId: parentIdValidator, name: v.string(), clientOpId: clientOpIdValidator },
  returns: v.id("files"),
  handler: async (ctx, { clientOpId, ...input }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => Files.createFolder(ctx, userId, input));
  },
});

export const rename = mutation({
  args: { fileId: v.id("files"), name: v.string(), clientOpId: clientOpIdValidator },
  returns: v.null(),
  handler: async (ctx, { fileId, name, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, async () => {
      await Files.renameFile(ctx, userId, fileId, name);
      return null;
    });
  },
});

export const move = mutation({
  args: { fileId: v.id("files"), parentId: parentIdValidator, clientOpId: clientOpIdValidator },
  returns: v.null(),
  handler: async (ctx, { fileId, parentId, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, async () => {
      await Files.moveFile(ctx, userId, fileId, parentId);
      return null;
    });
  },
});

export const createMany = mutation({
  args: {
    projectId: v.id("projects"),
    parentId: parentIdValidator,
    items: v.array(newItemValidator),
    clientOpId: clientOpIdValidator,
  },
  returns: v.array(v.id("files")),
  handler: async (ctx, { clientOpId, ...input }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => Bulk.createMany(ctx, userId, input));
  },
});

export const copy = mutation({
  args: { fileId: v.id("files"), parentId: parentIdValidator, clientOpId: clientOpIdValidator },
  returns: v.id("files"),
  handler: async (ctx, { fileId, parentId, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => Files.copyFile(ctx, userId, fileId, parentId));
  },
});

export const updateContent = mutation({
  args: {
    fileId: v.id("files"),
    content: v.string(),
    baseRevision: v.optional(v.number()),
    clientOpId: clientOpIdValidator,
  },
  returns: updateContentResultValidator,
  handler: async (ctx, { fileId, content, baseRevision, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => Files.updateContent(ctx, userId, fileId, content, baseRevision));
  },
});

export const remove = mutation({
  args: { fileId: v.id("files"), clientOpId: clientOpIdValidator },
  returns: v.null(),
  handler: async (ctx, { fileId, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, async () => {
      await Files.removeFile(ctx, userId, fileId);
      return null;
    });
  },
});

/**
 * An upload URL for the bytes whose SHA-256 (base64) is `sha256`: only the user who asked for it can then use the
 * uploaded blob (createBinaryFile), and only once (model/uploads.ts).
 */
export const generateUploadUrl = mutation({
  args: { projectId: v.id("projects"), sha256: v.string() },
  returns: v.string(),
  handler: async (ctx, { projectId, sha256 }) => Files.generateUploadUrl(ctx, await requireUser(ctx), projectId, sha256),
});

export const createBinaryFile = mutation({
  args: {
    projectId: v.id("projects"),
    parentId: parentIdValidator,
    name: v.string(),
    storageId: v.id("_storage"),
    clientOpId: clientOpIdValidator,
  },
  returns: v.id("files"),
  handler: async (ctx, { clientOpId, ...input }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => Files.createBinaryFile(ctx, userId, input));
  },
});

/** Continues deleting the descendants of the project's deleted folders, one budgeted batch per run. */
export const purge = internalMutation({
  args: { projectId: v.id("projects") },
  returns: v.null(),
  handler: async (ctx, { projectId }) => {
    if (!(await purgeFoldersBatch(ctx, projectId))) {
      await ctx.scheduler.runAfter(0, internal.files.purge, { projectId });
    }
    return null;
  },
});
