import { useQueries } from "convex/react";
import { useEffect, useMemo, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { CHUNK_PAGE_SIZE } from "../../../convex/lib/limits";

/**
 * The streamed text of an answer in progress, subscribed page by page: only the last (growing) page is re-sent
 * by the server as text arrives. Returns undefined until the first page has loaded.
 *
 * Live only, not through the read path (read.ts): the chunks change many times a second while an answer
 * streams, no write of this SPA changes them (nothing to overlay), and feeding each change into the query
 * cache would copy it and re-render every cached reader for text that is final once the answer is stored in
 * its message.
 */
export function useStreamingText(messageId: Id<"messages">, enabled: boolean): string | undefined {
  const [pages, setPages] = useState(1);
  const queries = useMemo(() => {
    if (!enabled) return {};
    const out: Record<string, { query: typeof api.ai.stream.chunks; args: { messageId: Id<"messages">; page: number } }> = {};
    for (let page = 0; page < pages; page++) out[String(page)] = { query: api.ai.stream.chunks, args: { messageId, page } };
    return out;
  }, [enabled, messageId, pages]);
  const results = useQueries(queries) as Record<string, { text: string; count: number } | undefined | Error>;
  const last = results[String(pages - 1)];
  const lastFull = last !== undefined && !(last instanceof Error) && last.count >= CHUNK_PAGE_SIZE;
  useEffect(() => {
    if (lastFull) setPages((n) => n + 1);
  }, [lastFull]);
  if (!enabled) return undefined;
  let text = "";
  for (let page = 0; page < pages; page++) {
    const result = results[String(page)];
    if (result === undefined) return page === 0 ? undefined : text;
    if (result instanceof Error) return text;
    text += result.text;
  }
  return text;
}
