import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { appError } from "../lib/errors";
import { isBlobReferenced } from "./storage";

// Who may use an upload (docs/architecture.md). On Convex the upload URL is minted before the bytes exist and the
// storage id is known only after the upload, so the id cannot be recorded when the URL is asked for. What can be:
// the hash of the bytes the user is about to upload. `_storage.sha256` is computed by the backend from the bytes it
// received, so a blob matches a user's grant only if that user declared exactly those bytes before asking for the
// URL. Knowing another user's storage id is then useless without also knowing its content, and whoever knows the
// content could upload it themselves. A grant is consumed by the one use it allows.

/** An upload URL is valid for an hour on Convex; its grant is too (plus slack for a slow upload). */
export const UPLOAD_GRANT_MS = 2 * 60 * 60 * 1000;
/**
 * A grant is swept this long after it was made: its window of uploads (UPLOAD_GRANT_MS) has closed for at least 15
 * minutes, longer than a Convex action runs (10 minutes), so no import action still holds a blob of that window that
 * it stored and has not yet attached to a file.
 */
export const GRANT_SWEEP_AFTER_MS = UPLOAD_GRANT_MS + 15 * 60 * 1000;
/** One sweep transaction's budget: grants read and `_storage` documents scanned. */
export const GRANT_SWEEP_BATCH = 200;
export const GRANT_SWEEP_BLOB_SCAN = 2000;
/** A SHA-256 digest in standard base64, as `_storage.sha256` holds it (44 characters with one `=`). */
const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/** Records that `userId` is about to upload bytes hashing to `sha256` (expired grants: sweepExpiredGrants). */
export async function grantUpload(ctx: MutationCtx, userId: string, sha256: string) {
  if (!SHA256_BASE64.test(sha256)) {
    throw appError("INVALID_ARGUMENT", "The upload's SHA-256 must be given in base64 (44 characters). Reload the page and try again.");
  }
  await ctx.db.insert("uploadGrants", { ownerId: userId, sha256, createdAt: Date.now() });
}

/**
 * Deletes grants made before `now - GRANT_SWEEP_AFTER_MS` and the uploads they allowed that were never used: a blob
 * with the grant's hash, created in the grant's window (from the grant to UPLOAD_GRANT_MS after it: an upload URL
 * is asked for after its grant and valid for less; claimUpload accepts only a grant made before the blob), that
 * nothing references (model/storage.ts) and that no grant not yet sweepable (anyone's) could still claim. The grant records only a hash, not a storage id (see above), so the
 * window is how its blobs are found. One budgeted batch: at most `grants` grants and `blobScan` `_storage` documents;
 * a grant whose window is longer than what is left keeps `sweptUntil` and the next batch resumes there.
 * Returns whether nothing sweepable is left, and what it deleted.
 */
export async function sweepExpiredGrants(
  ctx: MutationCtx,
  now: number,
  budget: { grants: number; blobScan: number } = { grants: GRANT_SWEEP_BATCH, blobScan: GRANT_SWEEP_BLOB_SCAN },
): Promise<{ done: boolean; grants: number; blobs: number }> {
  const cutoff = now - GRANT_SWEEP_AFTER_MS;
  const grants = await ctx.db
    .query("uploadGrants")
    .withIndex("by_created", (q) => q.lt("createdAt", cutoff))
    .take(budget.grants);
  let scanLeft = budget.blobScan;
  let deletedGrants = 0;
  let deletedBlobs = 0;
  for (const grant of grants) {
    if (scanLeft <= 0) return { done: false, grants: deletedGrants, blobs: deletedBlobs };
    const from = grant.sweptUntil ?? grant.createdAt;
    const to = grant.createdAt + UPLOAD_GRANT_MS;
    const blobs = await ctx.db.system
      .query("_storage")
      .withIndex("by_creation_time", (q) => (grant.sweptUntil === undefined ? q.gte("_creationTime", from) : q.gt("_creationTime", from)).lt("_creationTime", to))
      .take(scanLeft);
    scanLeft -= blobs.length;
    for (const blob of blobs) {
      if (blob.sha256 !== grant.sha256 || (await isBlobReferenced(ctx, blob._id))) continue;
      // Anyone's grant not yet sweepable, made before the blob, may still claim it (claimUpload).
      const claimable = await ctx.db
        .query("uploadGrants")
        .withIndex("by_sha256_created", (q) => q.eq("sha256", grant.sha256).gte("createdAt", cutoff).lte("createdAt", blob._creationTime))
        .first();
      if (claimable !== null) continue;
      await ctx.storage.delete(blob._id);
      deletedBlobs++;
    }
    if (scanLeft <= 0 && blobs.length > 0) {
      // The window may hold more: resume after the last blob read.
      await ctx.db.patch("uploadGrants", grant._id, { sweptUntil: blobs[blobs.length - 1]._creationTime });
      return { done: false, grants: deletedGrants, blobs: deletedBlobs };
    }
    await ctx.db.delete("uploadGrants", grant._id);
    deletedGrants++;
  }
  return { done: grants.length < budget.grants, grants: deletedGrants, blobs: deletedBlobs };
}

/**
 * The blob `storageId` if `userId` uploaded it (holds an unexpired grant for its hash) and nothing uses it yet;
 * consumes the grant. Anything else, another user's upload included, is refused as not found, saying nothing
 * about whether the blob exists.
 */
export async function claimUpload(ctx: MutationCtx, userId: string, storageId: Id<"_storage">, what: string): Promise<{ size: number }> {
  const notFound = () => appError("NOT_FOUND", `The uploaded ${what} was not found or is already in use. Upload it again.`);
  const blob = await ctx.db.system.get("_storage", storageId);
  if (blob === null || (await isBlobReferenced(ctx, storageId))) throw notFound();
  const grant = await ctx.db
    .query("uploadGrants")
    // Made before the blob was uploaded: the grant whose window (sweepExpiredGrants) holds it.
    .withIndex("by_owner_sha256_created", (q) => q.eq("ownerId", userId).eq("sha256", blob.sha256).gte("createdAt", Date.now() - UPLOAD_GRANT_MS).lte("createdAt", blob._creationTime))
    .first();
  if (grant === null) throw notFound();
  await ctx.db.delete("uploadGrants", grant._id);
  return blob;
}
