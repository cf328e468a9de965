import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, internalQuery } from "./_generated/server";
import * as Backfill from "./model/backfill";
import { moveInlineTextsBatch } from "./model/changes";

// Data migrations, run by the operator, never by clients. Each is idempotent and batched: run it again at any
// time, or after a crash, and it continues where the data says it stopped.
//
// - Local backend: `npm start` runs backfillListings, backfillNameKeys and moveChangeTexts to completion after loading convex/
//   (local-backend/src/server/admin.ts).
// - Convex cloud: after deploying, `npx convex run migrations:backfillListings` and
//   `npx convex run migrations:backfillNameKeys` and `npx convex run migrations:moveChangeTexts`; each schedules its own next batch until done. `npx convex run migrations:listingStatus` reports the projects not yet backfilled.

/**
 * Backfills the file listing of every project created before it existed (model/backfill.ts), one budgeted batch
 * per run. With `chain` (the default) a batch that did not finish schedules the next one; the local backend
 * passes `chain: false` and loops itself.
 */
export const backfillListings = internalMutation({
  args: { cursor: v.optional(v.number()), chain: v.optional(v.boolean()) },
  returns: v.object({ done: v.boolean(), cursor: v.optional(v.number()) }),
  handler: async (ctx, { cursor, chain }) => {
    const result = await Backfill.backfillListingsBatch(ctx, cursor);
    if (!result.done && chain !== false) {
      await ctx.scheduler.runAfter(0, internal.migrations.backfillListings, { cursor: result.cursor });
    }
    return result;
  },
});

/** How many of (up to 1,000) projects from `cursor` do not have a ready listing; `cursor` continues. */
export const listingStatus = internalQuery({
  args: { cursor: v.optional(v.number()) },
  returns: v.object({ checked: v.number(), notReady: v.number(), cursor: v.optional(v.number()) }),
  handler: (ctx, { cursor }) => Backfill.listingStatus(ctx, cursor, 1000),
});

/**
 * Moves the undo texts of change rows written before `changeTexts` existed out of the rows (model/changes.ts
 * moveInlineTextsBatch), one page per run from `cursor`; chains like backfillListings. Rows not yet moved still
 * undo and diff (every reader takes both shapes); moved, they no longer weigh on listing an answer or its pending
 * changes.
 */
export const moveChangeTexts = internalMutation({
  args: { cursor: v.optional(v.string()), chain: v.optional(v.boolean()) },
  returns: v.object({ done: v.boolean(), cursor: v.optional(v.string()) }),
  handler: async (ctx, { cursor, chain }) => {
    const result = await moveInlineTextsBatch(ctx, cursor);
    if (!result.done && chain !== false) {
      await ctx.scheduler.runAfter(0, internal.migrations.moveChangeTexts, { cursor: result.cursor });
    }
    return result;
  },
});

/**
 * Gives every live file and folder written before files.nameKey existed its case-folded name key
 * (model/backfill.ts backfillNameKeysBatch), one batch per run; chains like backfillListings.
 */
export const backfillNameKeys = internalMutation({
  args: { chain: v.optional(v.boolean()) },
  returns: v.object({ done: v.boolean() }),
  handler: async (ctx, { chain }) => {
    const done = await Backfill.backfillNameKeysBatch(ctx);
    if (!done && chain !== false) await ctx.scheduler.runAfter(0, internal.migrations.backfillNameKeys, {});
    return { done };
  },
});
