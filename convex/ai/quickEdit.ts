import { v } from "convex/values";
import { action } from "../_generated/server";
import { appError } from "../lib/errors";
import { ask, notConfigured, prepare } from "./editorAi";
import { stripCodeFence } from "./lib";

const MAX_SELECTION_CHARS = 40_000;
const MAX_INSTRUCTION_CHARS = 2000;

/** Rewrites the selected text of a file following the user's instruction; returns the replacement text. */
export const run = action({
  args: { projectId: v.id("projects"), fileId: v.id("files"), selection: v.string(), instruction: v.string() },
  returns: v.string(),
  handler: async (ctx, { projectId, fileId, selection, instruction }) => {
    const { path, config } = await prepare(ctx, projectId, fileId);
    if (instruction.trim().length === 0) {
      throw appError("INVALID_ARGUMENT", "The instruction is empty. Describe the change you want, e.g. “add error handling”.");
    }
    if (instruction.length > MAX_INSTRUCTION_CHARS || selection.length > MAX_SELECTION_CHARS) {
      throw appError(
        "TOO_LARGE",
        `Quick edit takes at most ${MAX_SELECTION_CHARS.toLocaleString("en")} selected characters and a ${MAX_INSTRUCTION_CHARS.toLocaleString("en")}-character instruction. Select less, or ask in the chat.`,
      );
    }
    if (config === null) throw notConfigured();
    const raw = await ask(
      config,
      config.suggestModel,
      "You edit code. Apply the user's instruction to the given snippet and reply with ONLY the new snippet: no explanation, no code fences. Keep the indentation style.",
      `File: ${path}\nInstruction: ${instruction}\n\nSnippet:\n${selection}`,
      4096,
    );
    return stripCodeFence(raw);
  },
});
