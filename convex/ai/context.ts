import { v } from "convex/values";
import { mutation } from "../_generated/server";
import { appError } from "../lib/errors";
import { selectionValidator } from "../lib/validators";
import { requireConversation, requireFile, requireUser } from "../model/access";

/**
 * Sets what the user shares with the assistant in a conversation: a file of the same project and optionally a
 * selection in it (character offsets), or nothing (fileId omitted). The composer calls it before messages.send;
 * the client runs mutations in order, so the answer sees it.
 */
export const share = mutation({
  args: {
    conversationId: v.id("conversations"),
    fileId: v.optional(v.id("files")),
    selection: v.optional(selectionValidator),
  },
  returns: v.null(),
  handler: async (ctx, { conversationId, fileId, selection }) => {
    const userId = await requireUser(ctx);
    const { conversation } = await requireConversation(ctx, userId, conversationId);
    const existing = await ctx.db
      .query("chatContext")
      .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
      .first();
    if (fileId === undefined) {
      if (existing !== null) await ctx.db.delete("chatContext", existing._id);
      return null;
    }
    const { file } = await requireFile(ctx, userId, fileId);
    if (file.projectId !== conversation.projectId || file.type !== "file") {
      throw appError("INVALID_ARGUMENT", "Only a file of this conversation's project can be shared. Open one and try again.");
    }
    if (selection !== undefined && !(selection.from >= 0 && selection.to >= selection.from)) {
      throw appError("INVALID_ARGUMENT", "The selection must satisfy 0 ≤ from ≤ to. Select the text again.");
    }
    if (existing === null) await ctx.db.insert("chatContext", { conversationId, fileId, selection });
    else await ctx.db.replace("chatContext", existing._id, { conversationId, fileId, selection });
    return null;
  },
});
