import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { LISTING_BUCKET_SIZE } from "../lib/limits";
import type { FileType, ListingEntry, ListingHead, ListingTop } from "../lib/validators";
import { requireListingOwner } from "./access";

// The compact listing of a project's files and folders (tables fileListings, fileBuckets, fileEntries; the
// design is in docs/architecture.md "Projects of any size").
//
// Invariants, kept in the same transaction as every structural write:
// - a `files` row has at most one entry (by_file), whose parentId, name, type and isBinary equal the row's;
// - when the project's fileListings row is "ready", every `files` row of the project has its entry;
// - bucket b's `count` equals the number of entries in bucket b, and is at most LISTING_BUCKET_SIZE; buckets are
//   numbered 0…n-1 without gaps (they are never deleted before the project is).
// Content saves write none of these tables, so the listing queries are not re-run by a save.

export interface EntryFields {
  parentId?: Id<"files">;
  name: string;
  type: FileType;
  isBinary?: boolean;
}

/** A row's listing entry fields: the one place that says what the listing shows of a row (binary: a file whose bytes are in storage). */
export function entryFieldsOf(file: Pick<Doc<"files">, "parentId" | "name" | "type" | "storageId">): EntryFields & { isBinary: boolean } {
  return { parentId: file.parentId, name: file.name, type: file.type, isBinary: file.type === "file" && file.storageId !== undefined };
}

export async function getListingHead(ctx: QueryCtx, projectId: Id<"projects">) {
  return ctx.db
    .query("fileListings")
    .withIndex("by_project", (q) => q.eq("projectId", projectId))
    .unique();
}

export async function createListingHead(
  ctx: MutationCtx,
  projectId: Id<"projects">,
  ownerId: string,
  status: Doc<"fileListings">["status"],
) {
  return ctx.db.insert("fileListings", { projectId, ownerId, status });
}

function lastBucket(ctx: QueryCtx, projectId: Id<"projects">) {
  return ctx.db
    .query("fileBuckets")
    .withIndex("by_project_bucket", (q) => q.eq("projectId", projectId))
    .order("desc")
    .first();
}

/**
 * Bucket numbers for `n` new entries, counted into their buckets: the emptiest bucket first, a new bucket only
 * when every bucket is full. Reads and writes a few bucket rows per call, however large `n`.
 */
async function allocateBuckets(ctx: MutationCtx, projectId: Id<"projects">, n: number): Promise<number[]> {
  const buckets: number[] = [];
  while (buckets.length < n) {
    const want = n - buckets.length;
    const emptiest = await ctx.db
      .query("fileBuckets")
      .withIndex("by_project_count", (q) => q.eq("projectId", projectId))
      .first();
    if (emptiest !== null && emptiest.count < LISTING_BUCKET_SIZE) {
      const take = Math.min(want, LISTING_BUCKET_SIZE - emptiest.count);
      await ctx.db.patch("fileBuckets", emptiest._id, { count: emptiest.count + take });
      for (let i = 0; i < take; i++) buckets.push(emptiest.bucket);
      continue;
    }
    const last = await lastBucket(ctx, projectId);
    const bucket = last === null ? 0 : last.bucket + 1;
    const take = Math.min(want, LISTING_BUCKET_SIZE);
    await ctx.db.insert("fileBuckets", { projectId, bucket, count: take });
    for (let i = 0; i < take; i++) buckets.push(bucket);
  }
  return buckets;
}

function entryDoc(projectId: Id<"projects">, bucket: number, fileId: Id<"files">, fields: EntryFields) {
  const doc: Omit<Doc<"fileEntries">, "_id" | "_creationTime"> = {
    projectId,
    bucket,
    fileId,
    name: fields.name,
    type: fields.type,
  };
  if (fields.parentId !== undefined) doc.parentId = fields.parentId;
  if (fields.isBinary === true) doc.isBinary = true;
  return doc;
}

/** Adds the entries of new `files` rows. */
export async function insertEntries(
  ctx: MutationCtx,
  projectId: Id<"projects">,
  items: { fileId: Id<"files">; fields: EntryFields }[],
) {
  if (items.length === 0) return;
  const buckets = await allocateBuckets(ctx, projectId, items.length);
  for (let i = 0; i < items.length; i++) {
    await ctx.db.insert("fileEntries", entryDoc(projectId, buckets[i], items[i].fileId, items[i].fields));
  }
}

export async function insertEntry(ctx: MutationCtx, projectId: Id<"projects">, fileId: Id<"files">, fields: EntryFields) {
  await insertEntries(ctx, projectId, [{ fileId, fields }]);
}

async function entryOf(ctx: QueryCtx, fileId: Id<"files">) {
  return ctx.db
    .query("fileEntries")
    .withIndex("by_file", (q) => q.eq("fileId", fileId))
    .unique();
}

/** True when the row already has its entry (the backfill skips it). */
export async function hasEntry(ctx: QueryCtx, fileId: Id<"files">): Promise<boolean> {
  return (await entryOf(ctx, fileId)) !== null;
}

/** Brings a row's entry in line after a rename, move or binary-to-text save; no entry yet: nothing to do. */
export async function updateEntry(
  ctx: MutationCtx,
  fileId: Id<"files">,
  patch: { parentId?: Id<"files">; name?: string; isBinary?: undefined },
) {
  const entry = await entryOf(ctx, fileId);
  if (entry !== null) await ctx.db.patch("fileEntries", entry._id, patch);
}

/** Subtracts deleted entries from their buckets' counts: `removed` maps bucket → how many left it. */
export async function uncountEntries(ctx: MutationCtx, projectId: Id<"projects">, removed: Map<number, number>) {
  for (const [bucket, n] of removed) {
    const row = await ctx.db
      .query("fileBuckets")
      .withIndex("by_project_bucket", (q) => q.eq("projectId", projectId).eq("bucket", bucket))
      .unique();
    if (row !== null) await ctx.db.patch("fileBuckets", row._id, { count: Math.max(0, row.count - n) });
  }
}

/** Deletes a row's entry, if it has one. */
export async function deleteEntry(ctx: MutationCtx, fileId: Id<"files">) {
  const entry = await entryOf(ctx, fileId);
  if (entry === null) return;
  await ctx.db.delete("fileEntries", entry._id);
  await uncountEntries(ctx, entry.projectId, new Map([[entry.bucket, 1]]));
}

export function toListingEntry(entry: Doc<"fileEntries">): ListingEntry {
  const out: ListingEntry = { _id: entry.fileId, name: entry.name, type: entry.type };
  if (entry.parentId !== undefined) out.parentId = entry.parentId;
  if (entry.isBinary === true) out.isBinary = true;
  return out;
}

/** The listing's head: whether it is complete, and how many buckets to read (numbered 0…buckets-1). */
export async function readListingHead(ctx: QueryCtx, userId: string, projectId: Id<"projects">): Promise<ListingHead> {
  const head = await requireListingOwner(ctx, userId, projectId);
  if (head === null || head.status !== "ready") return { ready: false, buckets: 0 };
  const last = await lastBucket(ctx, projectId);
  return { ready: true, buckets: last === null ? 0 : last.bucket + 1 };
}

/** One bucket's entries; null while the listing is not complete (it would leave files out). */
export async function readListingBucket(
  ctx: QueryCtx,
  userId: string,
  projectId: Id<"projects">,
  bucket: number,
): Promise<ListingEntry[] | null> {
  const head = await requireListingOwner(ctx, userId, projectId);
  if (head === null || head.status !== "ready") return null;
  return readBucketEntries(ctx, projectId, bucket);
}

/**
 * The root level of the listing with each entry's bucket, at most LISTING_BUCKET_SIZE entries (one index range);
 * null while the listing is not complete. Root entries are always visible (their ancestor chain is empty).
 */
export async function readListingTop(ctx: QueryCtx, userId: string, projectId: Id<"projects">): Promise<ListingTop> {
  const head = await requireListingOwner(ctx, userId, projectId);
  if (head === null || head.status !== "ready") return null;
  // One page, not take(): a stream costs a round trip through the runtime per document (see readBucketEntries),
  // and this query is on the first load's critical path (the tree's first rows wait for it).
  const { page: rows } = await ctx.db
    .query("fileEntries")
    .withIndex("by_project_parent_name", (q) => q.eq("projectId", projectId).eq("parentId", undefined))
    .paginate({ numItems: LISTING_BUCKET_SIZE + 1, cursor: null });
  return {
    entries: rows.slice(0, LISTING_BUCKET_SIZE).map((row) => ({ entry: toListingEntry(row), bucket: row.bucket })),
    complete: rows.length <= LISTING_BUCKET_SIZE,
  };
}

/**
 * A bucket's entries, at most LISTING_BUCKET_SIZE by the invariant above. Read as one page, not a stream: one
 * request to the database instead of one per entry (a stream costs a round trip through the runtime per
 * document, the larger part of reading a 100,000-file listing). The page is twice the bucket's limit, so it is
 * never full and always `isDone`: its end is the index range's end, and an entry added later is not cut off by
 * the end a subscription's first page recorded.
 */
export async function readBucketEntries(ctx: QueryCtx, projectId: Id<"projects">, bucket: number) {
  const { page, isDone } = await ctx.db
    .query("fileEntries")
    .withIndex("by_project_bucket", (q) => q.eq("projectId", projectId).eq("bucket", bucket))
    .paginate({ numItems: 2 * LISTING_BUCKET_SIZE, cursor: null });
  if (!isDone) throw new Error(`Listing bucket ${bucket} holds more than ${2 * LISTING_BUCKET_SIZE} entries.`);
  return page.map(toListingEntry);
}
