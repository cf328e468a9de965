import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";
import { GRANT_SWEEP_BATCH, GRANT_SWEEP_BLOB_SCAN, sweepExpiredGrants } from "./model/uploads";

/**
 * Deletes expired upload grants and the uploads they allowed that were never used (model/uploads.ts), one budgeted
 * batch per transaction; the hourly cron (crons.ts) starts it, and with `chain` (the default) a batch that did not
 * finish schedules the next. `now` (default: the clock) lets an operator or a test sweep as of another time; the
 * budget arguments default to GRANT_SWEEP_BATCH grants and GRANT_SWEEP_BLOB_SCAN blobs scanned.
 */
export const sweepGrants = internalMutation({
  args: { now: v.optional(v.number()), chain: v.optional(v.boolean()), grants: v.optional(v.number()), blobScan: v.optional(v.number()) },
  returns: v.object({ done: v.boolean(), grants: v.number(), blobs: v.number() }),
  handler: async (ctx, { now, chain, grants, blobScan }) => {
    const budget = { grants: grants ?? GRANT_SWEEP_BATCH, blobScan: blobScan ?? GRANT_SWEEP_BLOB_SCAN };
    const result = await sweepExpiredGrants(ctx, now ?? Date.now(), budget);
    if (!result.done && chain !== false) await ctx.scheduler.runAfter(0, internal.uploads.sweepGrants, { now, grants, blobScan });
    return result;
  },
});
