import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { requireConversation, requireProjectOwner } from "./access";
import { Budget } from "./budget";
import { checkTitle, DEFAULT_CONVERSATION_TITLE } from "./names";
import { purgeMessagesBatch } from "./purge";

export async function listConversations(
  ctx: QueryCtx,
  userId: string,
  projectId: Id<"projects">,
): Promise<Doc<"conversations">[]> {
  await requireProjectOwner(ctx, userId, projectId);
  const conversations = await ctx.db
    .query("conversations")
    .withIndex("by_project", (q) => q.eq("projectId", projectId))
    .collect();
  return conversations.sort((a, b) => b.updatedAt - a.updatedAt || b._creationTime - a._creationTime);
}

export async function createConversation(
  ctx: MutationCtx,
  userId: string,
  projectId: Id<"projects">,
  title: string | undefined,
): Promise<Id<"conversations">> {
  await requireProjectOwner(ctx, userId, projectId);
  return ctx.db.insert("conversations", {
    projectId,
    title: title === undefined ? DEFAULT_CONVERSATION_TITLE : checkTitle(title),
    updatedAt: Date.now(),
  });
}

export async function renameConversation(
  ctx: MutationCtx,
  userId: string,
  conversationId: Id<"conversations">,
  title: string,
) {
  await requireConversation(ctx, userId, conversationId);
  await ctx.db.patch("conversations", conversationId, { title: checkTitle(title), updatedAt: Date.now() });
}

/**
 * Deletes the conversation row and the first batch of its messages; returns true when no message is left.
 * Leftover messages are unreachable (access goes through the conversation) and are purged by the caller's
 * scheduled continuation.
 */
export async function removeConversation(
  ctx: MutationCtx,
  userId: string,
  conversationId: Id<"conversations">,
): Promise<boolean> {
  await requireConversation(ctx, userId, conversationId);
  await ctx.db.delete("conversations", conversationId);
  return purgeMessagesBatch(ctx, conversationId, new Budget());
}
