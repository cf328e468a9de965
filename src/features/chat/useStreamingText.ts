import { useConvex } from "convex/react";
import { useEffect, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { ChunkAssembler } from "./chunkAssembler";
import { streamedAnswers } from "./streamedAnswers";

/**
 * The streamed text of an answer in progress; undefined until the server has answered once.
 *
 * It subscribes to `ai/stream:latest` alone, whose result is the newest chunk, and keeps every chunk it is
 * handed (convex/ai/stream.ts says why: each write then reaches this client as its new text once). It listens
 * on the client's watch rather than through useQuery, because a render sees only the last of several updates and
 * each update here is a piece of text, not a state. Chunks it did not see (it subscribed late, was offline, or
 * two writes arrived as one update) are read once with `ai/stream:range`, and the text is shown up to the first
 * missing chunk meanwhile, so it never shows a hole.
 *
 * Live only, not through the read path (read.ts): the chunks change many times a second, no write of this SPA
 * changes them (nothing to overlay), and the text is final once the answer is stored in its message.
 */
export function useStreamingText(messageId: Id<"messages">, enabled: boolean): string | undefined {
  const convex = useConvex();
  const [state, setState] = useState<{ messageId: Id<"messages">; text: string } | null>(null);
  useEffect(() => {
    if (!enabled) return;
    let closed = false;
    let filling = false;
    const chunks = new ChunkAssembler();
    const publish = () => {
      const text = chunks.text();
      // Kept after the answer ends, so the chat shows it from here instead of reading it again (streamedAnswers.ts).
      streamedAnswers.set(messageId, chunks.known, text);
      if (!closed) setState({ messageId, text });
    };
    const fill = async () => {
      if (filling) return;
      filling = true;
      try {
        for (let gap = chunks.gap(); gap !== null && !closed; gap = chunks.gap()) {
          const rows = await convex.query(api.ai.stream.range, { messageId, from: gap.from, to: gap.to });
          const before = chunks.known;
          for (const row of rows) chunks.add(row.seq, row.text);
          publish();
          // The rows are gone (the answer was folded and cleaned up): its text is read with messages:body.
          if (chunks.known === before) {
            streamedAnswers.forget(messageId);
            break;
          }
        }
      } catch {
        // The message went away or access ended: the message list shows that; the text stays as it was.
      } finally {
        filling = false;
      }
    };
    const watch = convex.watchQuery(api.ai.stream.latest, { messageId });
    const onUpdate = () => {
      let latest;
      try {
        latest = watch.localQueryResult();
      } catch {
        return;
      }
      if (latest === undefined) return;
      if (latest !== null) chunks.add(latest.seq, latest.text);
      publish();
      if (chunks.gap() !== null) void fill();
    };
    const unsubscribe = watch.onUpdate(onUpdate);
    onUpdate();
    return () => {
      closed = true;
      unsubscribe();
    };
  }, [convex, messageId, enabled]);
  if (!enabled || state === null || state.messageId !== messageId) return undefined;
  return state.text;
}
