import { DEFAULT_CONVERSATION_TITLE } from "../model/names";

// Pure helpers of the AI assistant: provider configuration, error wording, the throttle of streamed writes,
// tool-call assembly, history selection and the text edits the tools make. No ctx, no I/O: unit-tested alone.

export interface ProviderConfig {
  baseURL: string;
  apiKey: string;
  model: string;
  suggestModel: string;
  /** Longest silence allowed between two streamed chunks (and before the first one). */
  idleTimeoutMs: number;
}

export const DEFAULT_BASE_URL = "https://api.openai.com/v1";
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

export const NOT_CONFIGURED_TEXT = [
  "No AI provider is configured, so I can't answer yet.",
  "",
  "Set these function environment variables and send your message again:",
  "",
  "- `POLARIS_AI_MODEL`: the model name (e.g. `gpt-4o-mini`, `llama3.1`)",
  "- `POLARIS_AI_BASE_URL`: a Chat Completions endpoint (default `https://api.openai.com/v1`; Ollama: `http://127.0.0.1:11434/v1`)",
  "- `POLARIS_AI_API_KEY`: the provider's API key (not needed for local servers such as Ollama or LM Studio)",
  "- `POLARIS_AI_SUGGEST_MODEL` (optional): a cheaper model for titles, suggestions and quick edits",
  "",
  "Locally: `npm run backend -- env set POLARIS_AI_MODEL gpt-4o-mini`; on Convex: `npx convex env set POLARIS_AI_MODEL gpt-4o-mini`.",
  "See docs/ai.md for OpenAI, OpenRouter, Ollama, LM Studio and vLLM.",
].join("\n");

/**
 * Reads the provider from function environment variables. Null when no model is named, or when neither a base
 * URL nor an API key says which endpoint to use. A base URL without a key is allowed: local servers need none.
 */
export function readProviderConfig(env: Record<string, string | undefined>): ProviderConfig | null {
  const model = env.POLARIS_AI_MODEL?.trim();
  const baseURL = env.POLARIS_AI_BASE_URL?.trim();
  const apiKey = env.POLARIS_AI_API_KEY?.trim();
  if (!model || (!baseURL && !apiKey)) return null;
  const idle = Number(env.POLARIS_AI_IDLE_TIMEOUT_MS);
  return {
    model,
    baseURL: (baseURL || DEFAULT_BASE_URL).replace(/\/+$/, ""),
    apiKey: apiKey || "not-needed",
    suggestModel: env.POLARIS_AI_SUGGEST_MODEL?.trim() || model,
    idleTimeoutMs: Number.isFinite(idle) && idle > 0 ? idle : DEFAULT_IDLE_TIMEOUT_MS,
  };
}

/** What the failure of a provider request looks like to the pure wording function. */
export interface ProviderFailure {
  status?: number;
  name?: string;
  message?: string;
  kind?: "timeout" | "cut" | "malformed" | "connection";
}

/**
 * A readable, actionable line for the end of a failed answer. Users read it, and in a shared deployment the
 * provider is the operator's: it names the settings to check but never their values (base URL, model, key), and
 * carries at most a short, sanitized reason from the provider. `providerFailureLog` has the operator's detail.
 */
export function describeProviderFailure(failure: ProviderFailure): string {
  const { status } = failure;
  // The `openai` client starts its messages with the status, which the wording below already gives.
  const raw = status === undefined ? failure.message : failure.message?.replace(new RegExp(`^${status}\\s+`), "");
  const reason = raw ? sanitizeReason(raw) : "";
  const because = reason ? `: ${reason}` : "";
  if (status === 401 || status === 403) {
    return `⚠ The configured AI provider refused the API key (${status}). Check POLARIS_AI_API_KEY.`;
  }
  if (status === 404) {
    return "⚠ The configured AI provider does not know the model or endpoint (404). Check POLARIS_AI_MODEL and POLARIS_AI_BASE_URL.";
  }
  if (status === 429) {
    return "⚠ The configured AI provider is rate-limiting requests or the account is out of credit (429). Wait a moment and try again, or check your plan.";
  }
  if (status !== undefined && status >= 500) {
    return `⚠ The configured AI provider had an internal error (${status}). Try again in a moment.`;
  }
  if (status !== undefined && status >= 400) {
    return `⚠ The configured AI provider rejected the request (${status})${because}.`;
  }
  switch (failure.kind) {
    case "timeout":
      return "⚠ The configured AI provider stopped responding (timed out). Try again; if it keeps happening, check that the provider is running.";
    case "cut":
      return "⚠ The connection to the configured AI provider was cut before the answer was complete. Try again.";
    case "malformed":
      return "⚠ The configured AI provider sent a malformed response that could not be read. Check that POLARIS_AI_BASE_URL points at a Chat Completions endpoint.";
    case "connection":
      return "⚠ Could not reach the configured AI provider. Check POLARIS_AI_BASE_URL and that the provider is running.";
    default:
      return `⚠ The AI request failed${because}.`;
  }
}

/** The operator's view of a failure, for the server log: endpoint, model, status and the provider's own text. */
export function providerFailureLog(failure: ProviderFailure, config: Pick<ProviderConfig, "baseURL" | "model" | "apiKey">): string {
  const parts = [`ai: provider request to ${withoutUrlCredentials(config.baseURL)} (model ${config.model}) failed`];
  if (failure.status !== undefined) parts.push(`status ${failure.status}`);
  if (failure.kind !== undefined) parts.push(failure.kind);
  if (failure.name !== undefined) parts.push(failure.name);
  const message = failure.message === undefined ? "" : redactSecret(failure.message, config.apiKey);
  return `${parts.join(", ")}${message ? `: ${truncate(message, 1000)}` : ""}`;
}

function withoutUrlCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1");
}

function redactSecret(text: string, secret: string): string {
  return secret.length >= 4 && secret !== "not-needed" ? text.split(secret).join("[redacted]") : text;
}

/**
 * A provider's error text made safe to show to a user: URLs (with any credentials in them), IP addresses,
 * anything shaped like a key or token, and `key=value` credentials are replaced; whitespace is collapsed and the
 * result kept short. Provider messages are free text and sometimes echo part of the key they were sent, hence
 * the broad patterns.
 */
export function sanitizeReason(text: string, maxChars = 120): string {
  const cleaned = text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S*/gi, "[url]")
    .replace(/\b(bearer|basic)\s+\S+/gi, "$1 [redacted]")
    .replace(/\b(api[-_ ]?key|access[-_ ]?token|token|secret|password|authorization)(\s*[:=]\s*)\S+/gi, "$1$2[redacted]")
    .replace(/\b(?:sk|pk|rk|ak|ghp|gho|ghu|ghs|github_pat|xox[abprs])[-_][\w*.-]{4,}/gi, "[redacted]")
    .replace(/[\w+/=*.-]{24,}/g, (token) => (/\d/.test(token) ? "[redacted]" : token))
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, "[address]")
    .replace(/\s+/g, " ")
    .trim();
  return truncate(cleaned, maxChars);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Writes of streamed text start at least this many milliseconds apart (⇒ at most 5 writes per second of answer).
 *
 * Why 200 and not less: each write reaches a second client as one sync Transition, which costs a few hundred bytes
 * besides its text (docs/benchmarks.md measures it), so the write rate sets most of an answer's sync traffic. And why the
 * latency target follows from it: text that arrives steadily waits for the next write between 0 and one interval,
 * so half of it waits longer than interval / 2. For N writes over a stream of length S, the share of text that
 * waits at most m is Σ min(m, gap) / S ≤ N·m / S, so the median wait is at least S / (2N) whatever the writes'
 * timing: at 5 writes per second, 100 ms, before the write, the commit and the client's rendering are added. Only
 * the first text of an answer is written at once (nothing was written before it), so the answer visibly starts
 * without waiting an interval.
 *
 * And why a second client's decoded payload cannot stay within 3× of the answer at this rate: a Transition that
 * carries one write is at least 245 bytes besides its text (its two versions and the update's fields, all of which
 * the stock client reads; the local backend sends nothing more: local-backend/src/server/protocol.ts), so an answer
 * streamed at r characters a second with w writes a second costs at least 1 + 245·w / r times its size, whatever
 * the rows and queries behind the writes. At 5 writes a second that is 4.2× for a typical answer streamed at about
 * 380 characters a second, before the list's and the subscription's own updates; within 3× needs w ≤ 2r / 245
 * (about 3 writes a second, so a median wait of at least 160 ms by the argument above). Compressed on the wire the
 * same traffic is 1.1–1.2× (docs/benchmarks.md, "AI").
 */
export const CHUNK_WRITE_INTERVAL_MS = 200;
/** While the provider is silent, the message status is still read this often, so a cancel is seen promptly. */
export const STATUS_CHECK_MS = 500;

/**
 * Decides when buffered text is written: a write may start `intervalMs` after the previous one started (one at a
 * time: the caller waits for a write to end before asking again), and the status is read at least every
 * `checkMs` when no text arrives.
 */
export class WriteThrottle {
  private lastWrite = -Infinity;
  private lastCheck = -Infinity;
  constructor(
    private readonly intervalMs = CHUNK_WRITE_INTERVAL_MS,
    private readonly checkMs = STATUS_CHECK_MS,
  ) {}

  /** "write" when pending text may be written now, "check" when only the status should be read, else null. */
  next(now: number, hasPending: boolean): "write" | "check" | null {
    if (hasPending && now - this.lastWrite >= this.intervalMs) return "write";
    if (now - Math.max(this.lastCheck, this.lastWrite) >= this.checkMs) return "check";
    return null;
  }

  /** Milliseconds until pending text may be written (0: now). */
  writeIn(now: number): number {
    return Math.max(0, this.lastWrite + this.intervalMs - now);
  }

  /** A write starts now (its interval counts from its start, not its end, so a slow commit does not slow the cadence). */
  writing(now: number) {
    this.lastWrite = now;
    this.lastCheck = now;
  }

  /** The status was read now (a write reads it too: `writing` covers that). */
  checked(now: number) {
    this.lastCheck = now;
  }
}

export interface AssembledToolCall {
  id: string;
  name: string;
  arguments: string;
}

interface ToolCallDelta {
  index: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/** Assembles streamed tool-call deltas (split by `index`) into whole calls. */
export class ToolCallAccumulator {
  private readonly calls = new Map<number, AssembledToolCall>();

  add(deltas: readonly ToolCallDelta[] | undefined) {
    for (const delta of deltas ?? []) {
      const call = this.calls.get(delta.index) ?? { id: "", name: "", arguments: "" };
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name += delta.function.name;
      if (delta.function?.arguments) call.arguments += delta.function.arguments;
      this.calls.set(delta.index, call);
    }
  }

  result(): AssembledToolCall[] {
    return [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }));
  }
}

export interface HistoryMessage {
  role: "user" | "assistant";
  content: string;
}

/**
 * The most recent messages whose total length fits `budgetChars` (≈ 4 characters per token), oldest first.
 * The newest message is always kept (cut from the front if alone it is too long). The app's own help text in an
 * assistant row (NOT_CONFIGURED_TEXT, written when no provider was set) is not something the model said, and is
 * left out, so the model never sees it as its own turn.
 */
export function selectHistory(newestFirst: readonly HistoryMessage[], budgetChars: number): HistoryMessage[] {
  const picked: HistoryMessage[] = [];
  let used = 0;
  for (const message of newestFirst) {
    if (message.content.length === 0) continue;
    if (message.role === "assistant" && message.content === NOT_CONFIGURED_TEXT) continue;
    if (used + message.content.length > budgetChars) {
      if (picked.length === 0) picked.push({ ...message, content: message.content.slice(-budgetChars) });
      break;
    }
    picked.push(message);
    used += message.content.length;
  }
  return picked.reverse();
}

export type EditResult = { ok: true; content: string; line: number } | { ok: false; error: string };

/** Replaces the one occurrence of `search` in `content`; fails clearly when it is missing or ambiguous. */
export function replaceUnique(content: string, search: string, replacement: string): EditResult {
  if (search.length === 0) {
    return { ok: false, error: "old_text is empty. Pass the exact snippet to replace, copied from read_file." };
  }
  const first = content.indexOf(search);
  if (first === -1) {
    return {
      ok: false,
      error: "old_text was not found in the file. Call read_file and copy the snippet exactly, including whitespace.",
    };
  }
  const count = countOccurrences(content, search);
  if (count > 1) {
    return {
      ok: false,
      error: `old_text occurs ${count} times in the file. Include more surrounding lines so it matches exactly once.`,
    };
  }
  return {
    ok: true,
    content: content.slice(0, first) + replacement + content.slice(first + search.length),
    line: content.slice(0, first).split("\n").length,
  };
}

function countOccurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) count++;
  return count;
}

/**
 * Splits a project-relative path ("src/app.ts", "/src//app.ts") into names. Null when it is empty or walks
 * outside the project ("..", ".").
 */
export function splitPath(path: string): string[] | null {
  const parts = path.split(/[\\/]+/).filter((p) => p.length > 0);
  if (parts.length === 0 || parts.some((p) => p === "." || p === "..")) return null;
  return parts;
}

/** A short conversation title from the first user message, used when the model gives none. */
export function fallbackTitle(text: string, maxWords = 6, maxChars = 48): string {
  const words = text
    .replace(/```[\s\S]*?```/g, " ")
    .replace(/[#*_`>[\]()]/g, " ")
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, maxWords);
  const title = words.join(" ");
  if (title.length === 0) return DEFAULT_CONVERSATION_TITLE;
  return title.length > maxChars ? `${title.slice(0, maxChars - 1)}…` : title;
}

/** Cleans a model-written title: one line, no quotes or trailing period, bounded length. */
export function cleanTitle(raw: string, maxChars = 60): string | null {
  const line = raw
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (!line) return null;
  const title = line
    .replace(/^title\s*:\s*/i, "")
    .replace(/^["'`*]+|["'`*.]+$/g, "")
    .trim();
  if (title.length === 0) return null;
  return title.length > maxChars ? `${title.slice(0, maxChars - 1)}…` : title;
}

/** Strips a Markdown code fence the model may wrap a code-only answer in. */
export function stripCodeFence(text: string): string {
  const match = /^\s*```[^\n]*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return match ? match[1] : text;
}

/** A line count summary like "+3 −1 lines" for activity lines. */
export function lineDelta(before: string, after: string): string {
  const lines = (text: string) => (text.length === 0 ? 0 : text.replace(/\n$/, "").split("\n").length);
  const a = lines(before);
  const b = lines(after);
  return `${b} line${b === 1 ? "" : "s"} (was ${a})`;
}
