import type { MessageOutline } from "../../../convex/lib/validators";

// The texts of the answers this tab streamed, kept after they end. An answer's final write appends its last text
// as one more chunk and records how many chunks make the content (`streamedChunks`, convex/ai/data.ts
// finalizeMessage), so a tab that received them all already holds the answer and does not read it a second time
// with messages:body: the answer crosses the sync socket once. Pure: the chat and the backend's sync test share it.

/** At most this many answers' texts are kept (the oldest go first); one that is gone is read with messages:body. */
const MAX_HELD = 50;

export class StreamedAnswers {
  private readonly held = new Map<string, { known: number; text: string }>();
  private readonly listeners = new Set<() => void>();
  constructor(private readonly max = MAX_HELD) {}

  /** Chunks 0 … known-1 of the answer are `text`. */
  set(messageId: string, known: number, text: string) {
    this.held.delete(messageId);
    this.held.set(messageId, { known, text });
    if (this.held.size > this.max) this.held.delete(this.held.keys().next().value!);
    this.notify();
  }

  /** The answer's chunks could not all be had (they were cleaned up): its text is read with messages:body. */
  forget(messageId: string) {
    if (this.held.delete(messageId)) this.notify();
  }

  /**
   * Calls `listener` after every change. An answer can become whole after the outline that ended it arrived (a
   * missed chunk read late with ai/stream:range): its source changes then, with nothing else changing.
   */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private notify() {
    for (const listener of this.listeners) listener();
  }

  /** The answer's whole text when this tab holds all `streamedChunks` of its chunks, else undefined. */
  complete(messageId: string, streamedChunks: number | undefined): string | undefined {
    const held = this.held.get(messageId);
    return streamedChunks !== undefined && held !== undefined && held.known === streamedChunks ? held.text : undefined;
  }

  /** How many of the answer's chunks (from 0 on) this tab holds; undefined when it did not stream it. */
  known(messageId: string): number | undefined {
    return this.held.get(messageId)?.known;
  }
}

export type TextSource = { from: "stream" } | { from: "held"; text: string } | { from: "body" };

/**
 * Where the chat takes a message's text from: an answer in progress streams (ai/stream), an answer whose chunks
 * this tab holds is shown from them, anything else is read with messages:body. An answer this tab was streaming
 * keeps streaming while it is stopped but not yet folded in (its body would then be read just before it changes to
 * the whole text), and when it ended while this tab missed some chunks (two writes reached it as one update): the
 * stream reads the missing ones with ai/stream:range, which carries less than the whole text again.
 */
export function textSource(message: Pick<MessageOutline, "_id" | "role" | "status" | "streamedChunks">, answers: StreamedAnswers): TextSource {
  if (message.role !== "assistant") return { from: "body" };
  if (message.status === "processing") return { from: "stream" };
  const known = answers.known(message._id);
  if (known !== undefined) {
    const unfinished = message.streamedChunks === undefined ? message.status === "cancelled" : known < message.streamedChunks;
    if (unfinished) return { from: "stream" };
  }
  const text = answers.complete(message._id, message.streamedChunks);
  return text === undefined ? { from: "body" } : { from: "held", text };
}

/** This tab's answers (useStreamingText fills it; ChatView reads it). */
export const streamedAnswers = new StreamedAnswers();
