import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, mutation } from "./_generated/server";
import { TRASH_RETENTION_DAYS } from "./lib/limits";
import { clientOpIdValidator } from "./lib/validators";
import { requireUser } from "./model/access";
import { runOnce } from "./model/idempotency";
import { DAY_MS, restoreFile, sweepTrashBatch } from "./model/trash";

// The trash of deleted files and folders (model/trash.ts): files.remove puts an item in it, restore takes it out.

/**
 * Undoes files.remove of `fileId`: the item comes back where it was, with everything it held. Returns its name,
 * which is "name (restored).ext" when its own was taken again meanwhile.
 */
export const restore = mutation({
  args: { fileId: v.id("files"), clientOpId: clientOpIdValidator },
  returns: v.string(),
  handler: async (ctx, { fileId, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => restoreFile(ctx, userId, fileId));
  },
});

/**
 * Destroys what was put in the trash before `before` (default: TRASH_RETENTION_DAYS ago), one batch per run; the
 * daily cron (crons.ts) starts it. With `chain` (the default) a batch that did not finish schedules the next.
 * An operator empties the trash at once with `npx convex run trash:sweep '{"before": <now in ms>}'`.
 */
export const sweep = internalMutation({
  args: { before: v.optional(v.number()), chain: v.optional(v.boolean()) },
  returns: v.object({ done: v.boolean() }),
  handler: async (ctx, { before, chain }) => {
    const cutoff = before ?? Date.now() - TRASH_RETENTION_DAYS * DAY_MS;
    const done = await sweepTrashBatch(ctx, cutoff);
    if (!done && chain !== false) await ctx.scheduler.runAfter(0, internal.trash.sweep, { before: cutoff });
    return { done };
  },
});
