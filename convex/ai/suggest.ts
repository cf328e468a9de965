import { v } from "convex/values";
import { action } from "../_generated/server";
import { ask, prepare } from "./editorAi";
import { stripCodeFence } from "./lib";

const PREFIX_CHARS = 4000;
const SUFFIX_CHARS = 1000;
const MAX_SUGGESTION_CHARS = 2000;

/**
 * Ghost-text completion at the cursor: the text to insert between `prefix` and `suffix`, or "" when there is
 * nothing to suggest or no provider is configured (suggestions are optional; the editor just shows none).
 */
export const complete = action({
  args: { projectId: v.id("projects"), fileId: v.id("files"), prefix: v.string(), suffix: v.string() },
  returns: v.string(),
  handler: async (ctx, { projectId, fileId, prefix, suffix }) => {
    const { path, config } = await prepare(ctx, projectId, fileId);
    if (config === null) return "";
    const raw = await ask(
      config,
      config.suggestModel,
      "You are a code completion engine. Reply with ONLY the text to insert at <CURSOR>: no explanation, no code fences, no repetition of the surrounding text. Reply with nothing if no completion fits.",
      `File: ${path}\n\n${prefix.slice(-PREFIX_CHARS)}<CURSOR>${suffix.slice(0, SUFFIX_CHARS)}`,
      96,
    );
    return trimSuggestion(stripCodeFence(raw), suffix).slice(0, MAX_SUGGESTION_CHARS);
  },
});

/** Drops a tail the model copied from the text after the cursor. */
export function trimSuggestion(suggestion: string, suffix: string): string {
  const next = suffix.split("\n")[0].trim();
  if (next.length > 0 && suggestion.endsWith(next)) return suggestion.slice(0, suggestion.length - next.length);
  return suggestion;
}
