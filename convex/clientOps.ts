import { v } from "convex/values";
import { internalMutation } from "./_generated/server";
import { internal } from "./_generated/api";
import { CLIENT_OP_SWEEP_BATCH, sweepClientOps } from "./model/idempotency";

/** Deletes idempotency records past the retention window, one bounded batch per transaction. */
export const sweep = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const deleted = await sweepClientOps(ctx, Date.now());
    if (deleted === CLIENT_OP_SWEEP_BATCH) await ctx.scheduler.runAfter(0, internal.clientOps.sweep, {});
    return deleted;
  },
});
