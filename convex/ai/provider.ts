import OpenAI from "openai";
import type { ChatCompletionCreateParamsStreaming } from "openai/resources/chat/completions";
import {
  readProviderConfig,
  ToolCallAccumulator,
  type AssembledToolCall,
  type ProviderConfig,
  type ProviderFailure,
} from "./lib";

// The provider client: any Chat Completions endpoint (OpenAI, OpenRouter, Ollama, LM Studio, vLLM) through the
// `openai` package with a configurable base URL. Retries are off: a failed answer ends with a readable error
// and the user sends again, rather than the action silently waiting through back-offs.

export function makeClient(config: ProviderConfig): OpenAI {
  return new OpenAI({
    baseURL: config.baseURL,
    apiKey: config.apiKey,
    maxRetries: 0,
    timeout: config.idleTimeoutMs,
    // Convex's runtime has browser-like globals; the key is a server-side function environment variable.
    dangerouslyAllowBrowser: true,
  });
}

export class IdleTimeoutError extends Error {
  override name = "IdleTimeoutError";
}

export class StreamCutError extends Error {
  override name = "StreamCutError";
}

export interface RoundResult {
  text: string;
  toolCalls: AssembledToolCall[];
  finishReason: string | null;
}

/**
 * Streams one completion. `onText` receives each text delta. Aborting `signal` ends the round quietly (the
 * caller knows why it aborted). Fails with IdleTimeoutError when no chunk arrives within `idleTimeoutMs`, and
 * with StreamCutError when the stream ends without a finish reason.
 */
export async function streamRound(
  client: OpenAI,
  params: Omit<ChatCompletionCreateParamsStreaming, "stream">,
  opts: { signal: AbortSignal; idleTimeoutMs: number; onText: (text: string) => void },
): Promise<RoundResult> {
  const local = new AbortController();
  const abortLocal = () => local.abort();
  opts.signal.addEventListener("abort", abortLocal);
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      timedOut = true;
      local.abort();
    }, opts.idleTimeoutMs);
  };
  const accumulator = new ToolCallAccumulator();
  let text = "";
  let finishReason: string | null = null;
  try {
    armIdle();
    const stream = await client.chat.completions.create({ ...params, stream: true }, { signal: local.signal });
    for await (const chunk of stream) {
      armIdle();
      const choice = chunk.choices?.[0];
      if (choice === undefined) continue;
      const delta = choice.delta ?? {};
      if (typeof delta.content === "string" && delta.content.length > 0) {
        text += delta.content;
        opts.onText(delta.content);
      }
      accumulator.add(delta.tool_calls);
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  } catch (error) {
    if (timedOut) throw new IdleTimeoutError("no data from the provider");
    if (opts.signal.aborted) return { text, toolCalls: [], finishReason: "cancelled" };
    throw error;
  } finally {
    clearTimeout(idleTimer);
    opts.signal.removeEventListener("abort", abortLocal);
  }
  if (timedOut) throw new IdleTimeoutError("no data from the provider");
  if (opts.signal.aborted) return { text, toolCalls: [], finishReason: "cancelled" };
  const toolCalls = accumulator.result();
  if (finishReason === null && toolCalls.length === 0) throw new StreamCutError("the stream ended without a finish reason");
  return { text, toolCalls, finishReason };
}

/** One short non-streamed completion (titles, suggestions, quick edits). */
export async function complete(
  client: OpenAI,
  model: string,
  messages: { role: "system" | "user"; content: string }[],
  opts: { maxTokens: number; signal?: AbortSignal; timeoutMs?: number },
): Promise<string> {
  const response = await client.chat.completions.create(
    { model, messages, max_tokens: opts.maxTokens, temperature: 0.2 },
    { signal: opts.signal, timeout: opts.timeoutMs },
  );
  return response.choices?.[0]?.message?.content ?? "";
}

/** The provider from the function environment, read on every call so `env set` takes effect at once. */
export function providerFromEnv(): ProviderConfig | null {
  // The variables are optional (no provider ⇒ a helpful message), and the generated code has no typed `env`.
  return readProviderConfig(process.env);
}

/**
 * Classifies an error thrown by the `openai` client or while reading its stream. A class is recognised by
 * `instanceof` (names do not survive every bundler) or by its name (a second copy of the class, bundled apart,
 * fails `instanceof`). An `APIConnectionTimeoutError` is an `APIConnectionError` too, so it is checked first.
 */
export function classifyError(error: unknown): ProviderFailure {
  const e = (error ?? {}) as { status?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  const name = typeof e.name === "string" ? e.name : undefined;
  const message = typeof e.message === "string" ? e.message : String(error);
  const status = typeof e.status === "number" ? e.status : undefined;
  const is = (type: abstract new (...args: never[]) => unknown, typeName: string) => error instanceof type || name === typeName;
  if (status !== undefined) return { status, name, message };
  if (is(OpenAI.APIConnectionTimeoutError, "APIConnectionTimeoutError") || is(IdleTimeoutError, "IdleTimeoutError")) {
    return { kind: "timeout", name, message };
  }
  if (is(StreamCutError, "StreamCutError")) return { kind: "cut", name, message };
  if (is(SyntaxError, "SyntaxError")) return { kind: "malformed", name, message };
  if (is(OpenAI.APIConnectionError, "APIConnectionError")) {
    // The client's own message is a bare "Connection error."; the cause says what happened to the socket.
    const cause = e.cause instanceof Error ? `${e.cause.name}: ${e.cause.message}` : typeof e.cause === "string" ? e.cause : "";
    return /terminated|socket|premature|closed|reset/i.test(`${cause} ${message}`)
      ? { kind: "cut", name, message: cause || message }
      : { kind: "connection", name, message: cause || message };
  }
  if (/terminated|socket hang up|premature close|ECONNRESET|other side closed/i.test(message)) {
    return { kind: "cut", name, message };
  }
  return { name, message };
}
