import { v } from "convex/values";
import { query } from "../_generated/server";
import { MAX_STREAM_RANGE_CHUNKS } from "../lib/limits";
import { requireMessage, requireUser } from "../model/access";

// The text of an answer while it streams, as the numbered chunks the answering action appends (seq 0, 1, 2, …
// with no gaps). A subscriber holds `latest` only: each write changes its result to the new chunk alone, so the
// sync socket carries each piece of text once, in one small update per write, whatever the answer's length, and
// no subscription is added or dropped while the answer streams. A client that finds a gap (it subscribed late, was
// offline, or two writes reached it in one update) reads the missing chunks once with `range`.

const chunkValidator = v.object({ seq: v.number(), text: v.string() });

/** The newest chunk of the answer, or null before the first one. */
export const latest = query({
  args: { messageId: v.id("messages") },
  returns: v.union(chunkValidator, v.null()),
  handler: async (ctx, { messageId }) => {
    const userId = await requireUser(ctx);
    await requireMessage(ctx, userId, messageId);
    const row = await ctx.db
      .query("messageChunks")
      .withIndex("by_message_seq", (q) => q.eq("messageId", messageId))
      .order("desc")
      .first();
    return row === null ? null : { seq: row.seq, text: row.text };
  },
});

/**
 * The chunks with `from` <= seq < `to`, in order, at most MAX_STREAM_RANGE_CHUNKS of them (ask again from
 * `from + chunks.length` for the rest).
 */
export const range = query({
  args: { messageId: v.id("messages"), from: v.number(), to: v.number() },
  returns: v.array(chunkValidator),
  handler: async (ctx, { messageId, from, to }) => {
    const userId = await requireUser(ctx);
    await requireMessage(ctx, userId, messageId);
    const rows = await ctx.db
      .query("messageChunks")
      .withIndex("by_message_seq", (q) => q.eq("messageId", messageId).gte("seq", from).lt("seq", to))
      .take(MAX_STREAM_RANGE_CHUNKS);
    return rows.map((row) => ({ seq: row.seq, text: row.text }));
  },
});
