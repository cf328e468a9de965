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
const SWEEP_PER_GRANT = 8;
/** A SHA-256 digest in standard base64, as `_storage.sha256` holds it (44 characters with one `=`). */
const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/** Records that `userId` is about to upload bytes hashing to `sha256`; sweeps a few of their expired grants. */
export async function grantUpload(ctx: MutationCtx, userId: string, sha256: string) {
  if (!SHA256_BASE64.test(sha256)) {
    throw appError("INVALID_ARGUMENT", "The upload's SHA-256 must be given in base64 (44 characters). Reload the page and try again.");
  }
  const now = Date.now();
  const expired = await ctx.db
    .query("uploadGrants")
    .withIndex("by_owner_created", (q) => q.eq("ownerId", userId).lt("createdAt", now - UPLOAD_GRANT_MS))
    .take(SWEEP_PER_GRANT);
  for (const row of expired) await ctx.db.delete("uploadGrants", row._id);
  await ctx.db.insert("uploadGrants", { ownerId: userId, sha256, createdAt: now });
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
    .withIndex("by_owner_sha256_created", (q) => q.eq("ownerId", userId).eq("sha256", blob.sha256).gte("createdAt", Date.now() - UPLOAD_GRANT_MS))
    .first();
  if (grant === null) throw notFound();
  await ctx.db.delete("uploadGrants", grant._id);
  return blob;
}
