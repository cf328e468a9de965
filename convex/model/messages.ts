import type { PaginationOptions, PaginationResult } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { internal } from "../_generated/api";
import { appError, formatCount } from "../lib/errors";
import type { SendResult } from "../lib/validators";
import { requireConversation, requireMessage } from "./access";

export const MAX_MESSAGE_LENGTH = 100_000;

/** The most messages one page may ask for: a page is read (and re-sent to subscribers) whole. */
export const MAX_MESSAGES_PER_PAGE = 100;

/**
 * One page of a conversation's messages, newest first. A conversation grows without limit, so it is only ever
 * read a page at a time; a subscriber re-receives just the page that changed (the newest, while an answer runs).
 */
export async function listMessagePage(
  ctx: QueryCtx,
  userId: string,
  conversationId: Id<"conversations">,
  paginationOpts: PaginationOptions,
): Promise<PaginationResult<Doc<"messages">>> {
  await requireConversation(ctx, userId, conversationId);
  const { numItems } = paginationOpts;
  if (!Number.isInteger(numItems) || numItems < 1 || numItems > MAX_MESSAGES_PER_PAGE) {
    throw appError(
      "INVALID_ARGUMENT",
      `A page of messages holds 1 to ${MAX_MESSAGES_PER_PAGE} messages, but ${numItems} were asked for. Ask for fewer and load more pages as needed.`,
    );
  }
  return ctx.db
    .query("messages")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
    .order("desc")
    .paginate(paginationOpts);
}

function checkMessage(content: string): string {
  if (content.trim().length === 0) {
    throw appError("INVALID_ARGUMENT", "The message is empty. Type a question or an instruction, then send it.");
  }
  if (content.length > MAX_MESSAGE_LENGTH) {
    throw appError(
      "TOO_LARGE",
      `The message is ${formatCount(content.length)} characters long; the limit is ${formatCount(MAX_MESSAGE_LENGTH)}. Shorten it, or put the long text in a file and refer to it.`,
    );
  }
  return content;
}

/**
 * Records the user's message and an empty `processing` assistant message, without anything to answer it. A
 * conversation has at most one answer in progress: an older one still processing is cancelled (its action sees the
 * status and stops).
 */
export async function recordExchange(
  ctx: MutationCtx,
  userId: string,
  conversationId: Id<"conversations">,
  rawContent: string,
): Promise<SendResult> {
  const { conversation } = await requireConversation(ctx, userId, conversationId);
  const content = checkMessage(rawContent);
  const processing = await ctx.db
    .query("messages")
    .withIndex("by_project_status", (q) => q.eq("projectId", conversation.projectId).eq("status", "processing"))
    .collect();
  for (const message of processing) {
    if (message.conversationId === conversationId && message.role === "assistant") {
      await ctx.db.patch("messages", message._id, { status: "cancelled" });
    }
  }
  const base = { conversationId, projectId: conversation.projectId };
  const userMessageId = await ctx.db.insert("messages", { ...base, role: "user", content, status: "completed" });
  const assistantMessageId = await ctx.db.insert("messages", {
    ...base,
    role: "assistant",
    content: "",
    status: "processing",
  });
  await ctx.db.patch("conversations", conversationId, { updatedAt: Date.now() });
  return { userMessageId, assistantMessageId };
}

/** Records the exchange (recordExchange) and schedules the AI action that fills the answer in. */
export async function sendMessage(
  ctx: MutationCtx,
  userId: string,
  conversationId: Id<"conversations">,
  rawContent: string,
): Promise<SendResult> {
  const sent = await recordExchange(ctx, userId, conversationId, rawContent);
  await ctx.scheduler.runAfter(0, internal.ai.chat.respond, { assistantMessageId: sent.assistantMessageId });
  return sent;
}

/** Cancels an answer in progress; anything else is left as it is. */
export async function cancelMessage(ctx: MutationCtx, userId: string, messageId: Id<"messages">) {
  const { message } = await requireMessage(ctx, userId, messageId);
  if (message.status === "processing") {
    await ctx.db.patch("messages", messageId, { status: "cancelled" });
  }
}
