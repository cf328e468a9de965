import { v } from "convex/values";
import { internalAction } from "../_generated/server";

// Placeholder: the AI issue fills this in (stream the provider's answer into the assistant message).
export const respond = internalAction({
  args: { assistantMessageId: v.id("messages") },
  returns: v.null(),
  handler: async () => null,
});
