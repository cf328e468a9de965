import type { Id } from "../_generated/dataModel";
import { internal } from "../_generated/api";
import type { ActionCtx } from "../_generated/server";
import { appError } from "../lib/errors";
import { describeProviderFailure, NOT_CONFIGURED_TEXT, type ProviderConfig } from "./lib";
import { classifyError, complete, makeClient, providerFromEnv } from "./provider";

// Shared by the editor AI actions (ai/suggest, ai/quickEdit): the caller is the verified identity, and the file
// must belong to a project the caller owns, checked by an internal query before any text reaches a provider.

export async function prepare(
  ctx: ActionCtx,
  projectId: Id<"projects">,
  fileId: Id<"files">,
): Promise<{ path: string; config: ProviderConfig | null }> {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) throw appError("UNAUTHENTICATED", "You are not signed in. Sign in and try again.");
  const { path } = await ctx.runQuery(internal.ai.data.fileForUser, {
    userId: identity.tokenIdentifier,
    projectId,
    fileId,
  });
  return { path, config: providerFromEnv() };
}

export function notConfigured() {
  return appError("AI_NOT_CONFIGURED", NOT_CONFIGURED_TEXT.split("\n")[0] + " See docs/ai.md.");
}

export async function ask(
  config: ProviderConfig,
  model: string,
  system: string,
  user: string,
  maxTokens: number,
): Promise<string> {
  try {
    return await complete(makeClient(config), model, [
      { role: "system", content: system },
      { role: "user", content: user },
    ], { maxTokens, timeoutMs: 30_000 });
  } catch (error) {
    // No operator detail is logged here: this runs in a public action, whose log lines can reach its caller.
    throw appError("AI_FAILED", describeProviderFailure(classifyError(error)));
  }
}
