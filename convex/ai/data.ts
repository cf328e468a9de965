import { v } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../_generated/server";
import { internal } from "../_generated/api";
import { appError } from "../lib/errors";
import { hasLiveAncestors, requireFile, requireProjectOwner } from "../model/access";
import { fallbackTitle, selectHistory, type HistoryMessage } from "./lib";
import { pathOfFile, promptPaths } from "./paths";

// The database side of an answer, called only by the respond action (internal functions). An answer belongs to
// the project of its assistant message; everything here stays inside that project. The action carries no user
// identity: the project's owner is the user the message belongs to.

export const HISTORY_BUDGET_CHARS = 48_000;
const MAX_HISTORY_MESSAGES = 200;
const MAX_SHARED_CHARS = 40_000;
const MAX_PATHS_IN_PROMPT = 300;
export const STALE_AFTER_MS = 10 * 60 * 1000;

const statusValidator = v.union(
  v.literal("processing"),
  v.literal("completed"),
  v.literal("cancelled"),
  v.literal("missing"),
);

/** The message, its conversation and project, when they still belong together. */
export async function loadScope(
  ctx: QueryCtx,
  messageId: Id<"messages">,
): Promise<{ message: Doc<"messages">; conversation: Doc<"conversations">; project: Doc<"projects"> } | null> {
  const message = await ctx.db.get("messages", messageId);
  if (message === null || message.role !== "assistant") return null;
  const conversation = await ctx.db.get("conversations", message.conversationId);
  if (conversation === null || conversation.projectId !== message.projectId) return null;
  const project = await ctx.db.get("projects", message.projectId);
  if (project === null) return null;
  return { message, conversation, project };
}

export const loadTurn = internalQuery({
  args: { messageId: v.id("messages") },
  handler: async (ctx, { messageId }) => {
    const scope = await loadScope(ctx, messageId);
    if (scope === null || scope.message.status !== "processing") return null;
    const { conversation, project } = scope;

    const recent = await ctx.db
      .query("messages")
      .withIndex("by_conversation", (q) => q.eq("conversationId", conversation._id))
      .order("desc")
      .take(MAX_HISTORY_MESSAGES);
    const newestFirst: HistoryMessage[] = recent
      .filter((m) => m._id !== messageId && m.status !== "processing" && m._creationTime <= scope.message._creationTime)
      .map((m) => ({ role: m.role, content: m.content }));
    const history = selectHistory(newestFirst, HISTORY_BUDGET_CHARS);
    const assistantCount = recent.filter((m) => m.role === "assistant").length;
    const firstUser = [...recent].reverse().find((m) => m.role === "user");

    const listed = await promptPaths(ctx, project._id, MAX_PATHS_IN_PROMPT);

    let shared: { path: string; content: string; selection?: { from: number; to: number; text: string } } | null = null;
    const context = await ctx.db
      .query("chatContext")
      .withIndex("by_conversation", (q) => q.eq("conversationId", conversation._id))
      .first();
    if (context !== null) {
      const file = await ctx.db.get("files", context.fileId);
      if (
        file !== null &&
        file.projectId === project._id &&
        file.type === "file" &&
        file.content !== undefined &&
        (await hasLiveAncestors(ctx, file))
      ) {
        const content = file.content;
        const sel = context.selection;
        shared = {
          path: await pathOfFile(ctx, file),
          content: content.length > MAX_SHARED_CHARS ? `${content.slice(0, MAX_SHARED_CHARS)}\n… (truncated)` : content,
          selection:
            sel && sel.to > sel.from && sel.to <= content.length
              ? { ...sel, text: content.slice(sel.from, Math.min(sel.to, sel.from + MAX_SHARED_CHARS)) }
              : undefined,
        };
      }
    }

    return {
      projectName: project.name,
      conversationId: conversation._id,
      history,
      // null: the project's listing is still being backfilled, so no list of paths can be complete yet.
      paths: listed?.paths ?? null,
      pathsTruncated: listed?.truncated ?? true,
      shared,
      isFirstExchange: assistantCount === 1,
      firstUserText: firstUser?.content ?? "",
    };
  },
});

async function statusOf(ctx: QueryCtx, messageId: Id<"messages">) {
  const message = await ctx.db.get("messages", messageId);
  return message === null ? ("missing" as const) : (message.status ?? "completed");
}

export const status = internalQuery({
  args: { messageId: v.id("messages") },
  returns: statusValidator,
  handler: (ctx, { messageId }) => statusOf(ctx, messageId),
});

/**
 * Appends one streamed chunk when the message is still processing; returns the status it found. Reading the
 * status and writing in one transaction means nothing is appended after a cancel has committed.
 */
export const appendChunk = internalMutation({
  args: { messageId: v.id("messages"), seq: v.number(), text: v.string() },
  returns: statusValidator,
  handler: async (ctx, { messageId, seq, text }) => {
    const current = await statusOf(ctx, messageId);
    if (current === "processing" && text.length > 0) await ctx.db.insert("messageChunks", { messageId, seq, text });
    return current;
  },
});

/**
 * How long the chunk rows of a final answer are kept. A client stops subscribing to an answer's chunk pages once
 * it sees the message final; deleting the rows in that same write would re-send every open page (empty) just
 * before the client drops it, so they are deleted later by `deleteChunks`.
 */
export const CHUNK_CLEANUP_DELAY_MS = 30_000;
const CHUNK_DELETE_BATCH = 500;

/**
 * Folds the streamed chunks (and `tail`) into messages.content and ends the message: `completed`, unless it
 * was cancelled meanwhile, which it stays. Runs once per answer; later calls change nothing.
 *
 * The text this adds (`tail`, with the paragraph break before it) is appended as one more chunk in the same
 * write, and `streamedChunks` says how many chunks make the content: a client subscribed to ai/stream:latest
 * receives that last piece like any other and then holds the whole answer, so it does not read the text a
 * second time with messages:body (which would carry the answer again on the socket).
 *
 * Invariant: an assistant message's content is "" until this folds its chunks in, and chunks only hold
 * non-empty text, so chunks of a message whose content is not "" are already folded (they await deletion).
 */
export async function finalizeMessage(
  ctx: MutationCtx,
  messageId: Id<"messages">,
  tail: string,
  opts: { newParagraph?: boolean } = {},
): Promise<boolean> {
  const message = await ctx.db.get("messages", messageId);
  if (message === null) return false;
  const folding = message.content === "";
  const chunks = folding
    ? await ctx.db
        .query("messageChunks")
        .withIndex("by_message_seq", (q) => q.eq("messageId", messageId))
        .collect()
    : [];
  if (message.status !== "processing" && chunks.length === 0 && tail.length === 0) return false;
  const body = message.content + chunks.map((c) => c.text).join("");
  const added = (opts.newParagraph && body.length > 0 && tail.length > 0 ? "\n\n" : "") + tail;
  let streamedChunks: number | undefined;
  if (folding) {
    // Chunks are numbered 0, 1, 2, … without gaps (the action counts only the writes that appended one).
    streamedChunks = chunks.length;
    if (added.length > 0) await ctx.db.insert("messageChunks", { messageId, seq: streamedChunks++, text: added });
  }
  await ctx.db.patch("messages", messageId, {
    content: body + added,
    status: message.status === "cancelled" ? "cancelled" : "completed",
    streamedChunks,
  });
  if (streamedChunks !== undefined && streamedChunks > 0) {
    await ctx.scheduler.runAfter(CHUNK_CLEANUP_DELAY_MS, internal.ai.data.deleteChunks, { messageId });
  }
  const conversation = await ctx.db.get("conversations", message.conversationId);
  if (conversation !== null) await ctx.db.patch("conversations", conversation._id, { updatedAt: Date.now() });
  return true;
}

/** Deletes the chunk rows of an answer once folded (or of a deleted message), a batch per transaction. */
export const deleteChunks = internalMutation({
  args: { messageId: v.id("messages") },
  returns: v.null(),
  handler: async (ctx, { messageId }) => {
    const message = await ctx.db.get("messages", messageId);
    // Never drop text that is not folded into the message yet.
    if (message !== null && (message.status === "processing" || message.content === "")) return null;
    const batch = await ctx.db
      .query("messageChunks")
      .withIndex("by_message_seq", (q) => q.eq("messageId", messageId))
      .take(CHUNK_DELETE_BATCH);
    for (const chunk of batch) await ctx.db.delete("messageChunks", chunk._id);
    if (batch.length === CHUNK_DELETE_BATCH) await ctx.scheduler.runAfter(0, internal.ai.data.deleteChunks, { messageId });
    return null;
  },
});

export const finalize = internalMutation({
  args: { messageId: v.id("messages"), tail: v.string() },
  returns: v.boolean(),
  handler: (ctx, { messageId, tail }) => finalizeMessage(ctx, messageId, tail),
});

/** Scheduled when an answer starts: ends it if it is somehow still processing after STALE_AFTER_MS. */
export const expire = internalMutation({
  args: { messageId: v.id("messages") },
  returns: v.null(),
  handler: async (ctx, { messageId }) => {
    const message = await ctx.db.get("messages", messageId);
    if (message === null || message.status !== "processing") return null;
    await finalizeMessage(ctx, messageId, "⚠ The answer took longer than 10 minutes and was stopped.", { newParagraph: true });
    return null;
  },
});

export const setTitle = internalMutation({
  args: { conversationId: v.id("conversations"), title: v.string(), onlyIfTitle: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { conversationId, title, onlyIfTitle }) => {
    const conversation = await ctx.db.get("conversations", conversationId);
    if (conversation === null) return null;
    // The user may have renamed the conversation while the title was being generated: keep their name.
    if (onlyIfTitle !== undefined && conversation.title !== onlyIfTitle) return null;
    await ctx.db.patch("conversations", conversationId, { title: title.length > 0 ? title : fallbackTitle("") });
    return null;
  },
});

export const conversationTitle = internalQuery({
  args: { conversationId: v.id("conversations") },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, { conversationId }) => (await ctx.db.get("conversations", conversationId))?.title ?? null,
});

/** The path of a file the user owns, for the editor AI actions (which pass the verified user). */
export const fileForUser = internalQuery({
  args: { userId: v.string(), projectId: v.id("projects"), fileId: v.id("files") },
  returns: v.object({ path: v.string() }),
  handler: async (ctx, { userId, projectId, fileId }) => {
    await requireProjectOwner(ctx, userId, projectId);
    const { file } = await requireFile(ctx, userId, fileId);
    if (file.projectId !== projectId) {
      throw appError("NOT_FOUND", "This file does not exist or was deleted. Reload the page to see the current state.");
    }
    return { path: await pathOfFile(ctx, file) };
  },
});
