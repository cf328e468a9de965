import { paginationOptsValidator, paginationResultValidator } from "convex/server";
import { v } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { appError } from "./lib/errors";
import { clientOpIdValidator, messageOutlineValidator, messageValidator, sendResultValidator } from "./lib/validators";
import { requireMessage, requireUser } from "./model/access";
import { runOnce } from "./model/idempotency";
import { cancelMessage, listMessagePage, recordExchange, sendMessage } from "./model/messages";

/** The conversation's messages, newest first, a page at a time (`usePaginatedQuery`). */
export const list = query({
  args: { conversationId: v.id("conversations"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(messageValidator),
  handler: async (ctx, { conversationId, paginationOpts }) =>
    listMessagePage(ctx, await requireUser(ctx), conversationId, paginationOpts),
});

/**
 * The chat's list: the conversation's messages newest first, a page at a time, without their text (messages:body
 * has it). A page is re-sent whole when a message in it changes (an answer starts, runs a tool, ends); without the
 * text that re-send stays small however long the earlier answers were, and each text crosses the socket once.
 */
export const outline = query({
  args: { conversationId: v.id("conversations"), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(messageOutlineValidator),
  handler: async (ctx, { conversationId, paginationOpts }) => {
    const result = await listMessagePage(ctx, await requireUser(ctx), conversationId, paginationOpts);
    return {
      ...result,
      page: result.page.map(({ _id, _creationTime, role, status, activity, streamedChunks }) => ({
        _id,
        _creationTime,
        role,
        status,
        activity,
        streamedChunks,
      })),
    };
  },
});

/**
 * A message's text. An answer's stays "" while it streams (ai/stream has it) and changes once, when it ends; a
 * client that streamed all of an answer's chunks (outline's `streamedChunks`) holds its text and need not read this. Null
 * once the message is gone (its conversation was deleted), so a reader that has not yet seen it leave the list
 * is not thrown an error; another user's message is refused like any other.
 */
export const body = query({
  args: { messageId: v.id("messages") },
  returns: v.union(v.object({ content: v.string() }), v.null()),
  handler: async (ctx, { messageId }) => {
    const userId = await requireUser(ctx);
    if ((await ctx.db.get("messages", messageId)) === null) return null;
    const { message } = await requireMessage(ctx, userId, messageId);
    return { content: message.content };
  },
});

export const send = mutation({
  args: { conversationId: v.id("conversations"), content: v.string(), clientOpId: clientOpIdValidator },
  returns: sendResultValidator,
  handler: async (ctx, { conversationId, content, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => sendMessage(ctx, userId, conversationId, content));
  },
});

/**
 * An exchange as `send` records it, as the conversation's owner, but with no action scheduled to answer it: the
 * answer stays `processing` until it is cancelled. For operators and the function tests, which make the turn's
 * tool calls themselves (ai/tools:apply, one transaction each, as the answering action does) with no action that
 * could end the answer between them.
 */
export const sendUnanswered = internalMutation({
  args: { conversationId: v.id("conversations"), content: v.string() },
  returns: sendResultValidator,
  handler: async (ctx, { conversationId, content }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    const project = conversation === null ? null : await ctx.db.get("projects", conversation.projectId);
    if (project === null) throw appError("NOT_FOUND", "This conversation does not exist or was deleted.");
    return recordExchange(ctx, project.ownerId, conversationId, content);
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
