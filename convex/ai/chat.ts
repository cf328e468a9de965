import type { FunctionReturnType } from "convex/server";
import { v } from "convex/values";
import type OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalAction, type ActionCtx } from "../_generated/server";
import { DEFAULT_CONVERSATION_TITLE } from "../model/names";
import { STALE_AFTER_MS } from "./data";
import {
  cleanTitle,
  describeProviderFailure,
  fallbackTitle,
  NOT_CONFIGURED_TEXT,
  providerFailureLog,
  WriteThrottle,
} from "./lib";
import { classifyError, complete, makeClient, providerFromEnv, streamRound } from "./provider";
import { MAX_TOOL_ROUNDS, runToolCall, TOOL_DEFINITIONS } from "./tools";

// Actions run for at most 10 minutes on Convex; stop a little earlier so the answer is finalized by us.
const ANSWER_DEADLINE_MS = 9 * 60 * 1000;
const TICK_MS = 100;

/**
 * Writes streamed text as appended chunks, at most one write per CHUNK_WRITE_INTERVAL_MS, and reads the message
 * status at least every STATUS_CHECK_MS even while the provider is silent (lib.ts WriteThrottle). When the status is
 * no longer `processing` (cancelled by the user or by a newer message) it calls `onStop` once and appends nothing more.
 */
export class ChunkWriter {
  private pending = "";
  private seq = 0;
  private busy: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** A wake-up at the moment pending text may be written (so it does not wait for the next tick). */
  private due: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly throttle = new WriteThrottle();
  /** Characters of the answer so far, written or pending. */
  length = 0;
  stopped = false;
  writes = 0;

  constructor(
    private readonly ctx: ActionCtx,
    private readonly messageId: Id<"messages">,
    private readonly onStop: () => void,
  ) {}

  start() {
    // A self-rescheduling timeout rather than setInterval, which not every function runtime provides.
    const loop = () => {
      if (this.closed) return;
      this.tick();
      this.timer = setTimeout(loop, TICK_MS);
    };
    this.timer = setTimeout(loop, TICK_MS);
  }

  push(text: string) {
    if (this.stopped) return;
    this.pending += text;
    this.length += text.length;
    this.tick();
  }

  private tick() {
    if (this.busy !== null || this.stopped) return;
    const now = Date.now();
    const action = this.throttle.next(now, this.pending.length > 0);
    if (action === null) {
      if (this.pending.length > 0 && this.due === undefined && !this.closed) {
        this.due = setTimeout(() => {
          this.due = undefined;
          this.tick();
        }, this.throttle.writeIn(now));
      }
      return;
    }
    this.busy = this.step(action).finally(() => {
      this.busy = null;
      // Text that arrived during a write slower than the interval goes out at once.
      if (!this.closed) this.tick();
    });
  }

  private async step(action: "write" | "check") {
    let status: string;
    if (action === "write") {
      const text = this.pending;
      this.pending = "";
      this.throttle.writing(Date.now());
      status = await this.ctx.runMutation(internal.ai.data.appendChunk, { messageId: this.messageId, seq: this.seq, text });
      if (status === "processing") {
        this.seq++;
        this.writes++;
      } else {
        this.pending = text + this.pending;
      }
    } else {
      status = await this.ctx.runQuery(internal.ai.data.status, { messageId: this.messageId });
      this.throttle.checked(Date.now());
    }
    if (status !== "processing" && !this.stopped) {
      this.stopped = true;
      this.onStop();
    }
  }

  /** Waits for the write in flight, then writes what is pending; returns false if the answer was stopped. */
  async flush(): Promise<boolean> {
    while (this.busy !== null) await this.busy;
    if (!this.stopped && this.pending.length > 0) {
      this.busy = this.step("write").finally(() => {
        this.busy = null;
      });
      await this.busy;
    }
    return !this.stopped;
  }

  /** Stops the ticker; returns the text not yet written (the caller folds it into the final write). */
  async close(): Promise<string> {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.due);
    while (this.busy !== null) await this.busy;
    const rest = this.pending;
    this.pending = "";
    return rest;
  }
}

type Turn = NonNullable<FunctionReturnType<typeof internal.ai.data.loadTurn>>;

export function systemPrompt(turn: Turn): string {
  const lines = [
    `You are Polaris, the coding assistant inside a browser IDE. You are working in the project "${turn.projectName}".`,
    "Answer concisely in Markdown. Put code in fenced code blocks with a language tag.",
    "You can read and change the project's files with the tools. Read a file before editing it; prefer edit_file",
    "with a small unique snippet over rewriting whole files. After changing files, say briefly what you changed.",
    "",
    "Project files:",
    turn.paths === null
      ? "(the file list is being prepared; call list_files)"
      : turn.paths.length === 0
        ? "(the project is empty)"
        : turn.paths.join("\n"),
  ];
  if (turn.paths !== null && turn.pathsTruncated) lines.push("… (more files; call list_files)");
  if (turn.shared !== null) {
    lines.push("", `The user has shared the open file ${turn.shared.path}:`, "```", turn.shared.content, "```");
    if (turn.shared.selection !== undefined) {
      lines.push(
        `The user's selection in it (characters ${turn.shared.selection.from}–${turn.shared.selection.to}):`,
        "```",
        turn.shared.selection.text,
        "```",
      );
    }
  }
  return lines.join("\n");
}

export const respond = internalAction({
  args: { assistantMessageId: v.id("messages") },
  returns: v.null(),
  handler: async (ctx, { assistantMessageId: messageId }) => {
    const turn = await ctx.runQuery(internal.ai.data.loadTurn, { messageId });
    if (turn === null) return null;
    await ctx.scheduler.runAfter(STALE_AFTER_MS, internal.ai.data.expire, { messageId });

    const config = providerFromEnv();
    if (config === null) {
      await ctx.runMutation(internal.ai.data.finalize, { messageId, tail: NOT_CONFIGURED_TEXT });
      if (turn.isFirstExchange) await setTitle(ctx, turn.conversationId, null, "", turn.firstUserText);
      return null;
    }
    const client = makeClient(config);
    const controller = new AbortController();
    const writer = new ChunkWriter(ctx, messageId, () => controller.abort());
    const deadline = setTimeout(() => controller.abort(), ANSWER_DEADLINE_MS);
    const started = Date.now();
    writer.start();

    let tail = "";
    const messages: ChatCompletionMessageParam[] = [
      { role: "system", content: systemPrompt(turn) },
      ...turn.history.map((m) => ({ role: m.role, content: m.content })),
    ];
    try {
      for (let round = 1; ; round++) {
        const result = await streamRound(
          client,
          { model: config.model, messages, tools: TOOL_DEFINITIONS },
          { signal: controller.signal, idleTimeoutMs: config.idleTimeoutMs, onText: (t) => writer.push(t) },
        );
        if (controller.signal.aborted || result.toolCalls.length === 0) break;
        if (round >= MAX_TOOL_ROUNDS) {
          tail = `\n\n⚠ Stopped after ${MAX_TOOL_ROUNDS} rounds of tool calls. Send a follow-up message to continue.`;
          break;
        }
        messages.push({
          role: "assistant",
          content: result.text.length > 0 ? result.text : null,
          tool_calls: result.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })),
        });
        for (const call of result.toolCalls) {
          if (!(await writer.flush())) break;
          const outcome = await runToolCall(ctx, messageId, call, writer.length);
          messages.push({ role: "tool", tool_call_id: call.id, content: outcome.output });
        }
        if (writer.stopped) break;
        // Text of the next round starts a new paragraph after the activity lines.
        if (result.text.length > 0) writer.push("\n\n");
      }
      if (!writer.stopped && controller.signal.aborted && Date.now() - started >= ANSWER_DEADLINE_MS) {
        tail = "\n\n⚠ The answer took too long and was stopped.";
      }
    } catch (error) {
      if (!writer.stopped) {
        const failure = classifyError(error);
        // The operator's detail goes to the log of this scheduled action, which no client receives.
        console.log(providerFailureLog(failure, config));
        tail = `${writer.length > 0 ? "\n\n" : ""}${describeProviderFailure(failure)}`;
      }
    } finally {
      clearTimeout(deadline);
    }
    const rest = await writer.close();
    await ctx.runMutation(internal.ai.data.finalize, { messageId, tail: rest + tail });
    console.log(`ai: answer ${messageId} ended after ${writer.writes} chunk writes`);
    if (turn.isFirstExchange) await setTitle(ctx, turn.conversationId, client, config.suggestModel, turn.firstUserText);
    return null;
  },
});

/** Names a conversation after its first exchange; keeps a title the user chose meanwhile. */
async function setTitle(
  ctx: ActionCtx,
  conversationId: Id<"conversations">,
  client: OpenAI | null,
  model: string,
  firstUserText: string,
) {
  const current = await ctx.runQuery(internal.ai.data.conversationTitle, { conversationId });
  if (current !== DEFAULT_CONVERSATION_TITLE) return;
  let title: string | null = null;
  if (client !== null) {
    try {
      const raw = await complete(
        client,
        model,
        [
          { role: "system", content: "Write a title of at most 6 words for a conversation that starts with the user's message. Reply with the title only." },
          { role: "user", content: firstUserText.slice(0, 2000) },
        ],
        { maxTokens: 24, timeoutMs: 15_000 },
      );
      title = cleanTitle(raw);
    } catch {
      // A title is a nicety: fall back to the first words of the message.
    }
  }
  await ctx.runMutation(internal.ai.data.setTitle, {
    conversationId,
    title: title ?? fallbackTitle(firstUserText),
    onlyIfTitle: DEFAULT_CONVERSATION_TITLE,
  });
}
