import { v } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { conversationValidator } from "./lib/validators";
import { requireUser } from "./model/access";
import { Budget } from "./model/budget";
import {
  createConversation,
  listConversations,
  removeConversation,
  renameConversation,
} from "./model/conversations";
import { purgeMessagesBatch } from "./model/purge";

export const list = query({
  args: { projectId: v.id("projects") },
  returns: v.array(conversationValidator),
  handler: async (ctx, { projectId }) => listConversations(ctx, await requireUser(ctx), projectId),
});

export const create = mutation({
  args: { projectId: v.id("projects"), title: v.optional(v.string()) },
  returns: v.id("conversations"),
  handler: async (ctx, { projectId, title }) => createConversation(ctx, await requireUser(ctx), projectId, title),
});

export const rename = mutation({
  args: { conversationId: v.id("conversations"), title: v.string() },
  returns: v.null(),
  handler: async (ctx, { conversationId, title }) => {
    await renameConversation(ctx, await requireUser(ctx), conversationId, title);
    return null;
  },
});

export const remove = mutation({
  args: { conversationId: v.id("conversations") },
  returns: v.null(),
  handler: async (ctx, { conversationId }) => {
    if (!(await removeConversation(ctx, await requireUser(ctx), conversationId))) {
      await ctx.scheduler.runAfter(0, internal.conversations.purgeMessages, { conversationId });
    }
    return null;
  },
});

/** Continues deleting the messages of a conversation whose row `remove` already deleted. */
export const purgeMessages = internalMutation({
  args: { conversationId: v.id("conversations") },
  returns: v.null(),
  handler: async (ctx, { conversationId }) => {
    if (!(await purgeMessagesBatch(ctx, conversationId, new Budget()))) {
      await ctx.scheduler.runAfter(0, internal.conversations.purgeMessages, { conversationId });
    }
    return null;
  },
});
