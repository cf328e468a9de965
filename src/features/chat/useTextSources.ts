import { useCallback, useRef, useSyncExternalStore } from "react";
import type { MessageOutline } from "../../../convex/lib/validators";
import { type TextSource, streamedAnswers, textSource } from "./streamedAnswers";

type Outline = Pick<MessageOutline, "_id" | "role" | "status" | "streamedChunks">;

const same = (a: TextSource, b: TextSource) => a.from === b.from && (a.from !== "held" || (b.from === "held" && a.text === b.text));

/**
 * Where the text of each message comes from (streamedAnswers.ts textSource), kept up to date with this tab's
 * streamed answers as well as with the messages: an answer can become whole after the outline that ended it
 * arrived, when this tab missed a chunk (two writes reached it as one update) and read it late with
 * ai/stream:range. Its source changes then, with nothing else changing, and the chat shows it from its chunks
 * and caches it as messages:body. The same array while no source changed (also for a new array of the same messages), so a streamed
 * chunk does not re-render the list.
 */
export function useTextSources(messages: readonly Outline[]): TextSource[] {
  const last = useRef<TextSource[] | null>(null);
  const snapshot = useCallback(() => {
    const sources = messages.map((m) => textSource(m, streamedAnswers));
    const previous = last.current;
    if (previous !== null && previous.length === sources.length && previous.every((s, i) => same(s, sources[i]))) return previous;
    last.current = sources;
    return sources;
  }, [messages]);
  return useSyncExternalStore(streamedAnswers.subscribe, snapshot);
}
