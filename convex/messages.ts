import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import { clientOpIdValidator, messageValidator, sendResultValidator } from "./lib/validators";
import { requireUser } from "./model/access";
import { runOnce } from "./model/idempotency";
import { cancelMessage, listMessagePage, sendMessage } from "./model/messages";

/** The conversation's messages, newest first, a page at a time (`usePaginatedQuery`). */
export const list = query({
  args: { conversationId: v.id("conversations"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(messageValidator),
  handler: async (ctx, { conversationId, paginationOpts }) =>
    listMessagePage(ctx, await requireUser(ctx), conversationId, paginationOpts),
});

export const send = mutation({
  args: { conversationId: v.id("conversations"), content: v.string(), clientOpId: clientOpIdValidator },
  returns: sendResultValidator,
  handler: async (ctx, { conversationId, content, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => sendMessage(ctx, userId, conversationId, content));
  },
});

export const cancel = mutation({
  args: { messageId: v.id("messages") },
  returns: v.null(),
  handler: async (ctx, { messageId }) => {
    await cancelMessage(ctx, await requireUser(ctx), messageId);
    return null;
  },
});
