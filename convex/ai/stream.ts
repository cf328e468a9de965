import { v } from "convex/values";
import { query } from "../_generated/server";
import { CHUNK_PAGE_SIZE } from "../lib/limits";
import { requireMessage, requireUser } from "../model/access";

// The text of an answer while it streams. Chunks are grouped in fixed pages of CHUNK_PAGE_SIZE by sequence
// number, and the client subscribes to one query per page: a full page never changes again, so each streamed
// step re-sends only the last, partial page instead of the whole answer.

export const chunks = query({
  args: { messageId: v.id("messages"), page: v.number() },
  returns: v.object({ text: v.string(), count: v.number() }),
  handler: async (ctx, { messageId, page }) => {
    const userId = await requireUser(ctx);
    await requireMessage(ctx, userId, messageId);
    const first = Math.max(0, Math.floor(page)) * CHUNK_PAGE_SIZE;
    const rows = await ctx.db
      .query("messageChunks")
      .withIndex("by_message_seq", (q) =>
        q.eq("messageId", messageId).gte("seq", first).lt("seq", first + CHUNK_PAGE_SIZE),
      )
      .take(CHUNK_PAGE_SIZE);
    return { text: rows.map((r) => r.text).join(""), count: rows.length };
  },
});
