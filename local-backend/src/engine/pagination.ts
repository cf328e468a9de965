import type { JSONValue } from "convex/values";
import { cursorToKey, keyToCursor, MAX_SUFFIX } from "./keys.js";
import { openStream, type SerializedQuery } from "./queryStream.js";
import type { Store } from "./store.js";
import type { Tx } from "./transaction.js";

// `paginate()`: one page of a query, and the journal that pins a subscribed page's end. Invariants:
// - Cursors are opaque encodings of an index key (keys.ts); a page starts strictly after its cursor.
// - A page asked for with an end cursor (explicit, or the query's journal) runs to exactly that cursor,
//   however many rows now lie before it: a subscribed page grows with new rows instead of sliding, and a page
//   grown past twice its size answers `SplitRecommended` with a `splitCursor` at its middle (as Convex does).
// - The journal records the end cursor the query's first paginate() reached; only queries (not mutations)
//   keep a journal, and only the first paginate() call of a run is pinned by it.

export interface PageArgs {
  query: SerializedQuery;
  cursor: string | null;
  endCursor?: string | null;
  pageSize: number;
  maximumRowsRead?: number | null;
  maximumBytesRead?: number | null;
}

export interface Page {
  page: JSONValue[];
  isDone: boolean;
  continueCursor: string;
  splitCursor: string | null;
  pageStatus: string | null;
}

/** The end cursor a query's journal (from its previous run) pins its page to, if any. */
export function parseJournal(journal: string | null | undefined): string | null {
  if (!journal) return null;
  try {
    const parsed = JSON.parse(journal) as { endCursor?: unknown };
    return typeof parsed.endCursor === "string" ? parsed.endCursor : null;
  } catch {
    return null;
  }
}

/** The journal a query run hands back: the end cursor its first paginate() reached, or null. */
export const journalOf = (tx: Tx): string | null => (tx.pageEndOut === undefined ? null : JSON.stringify({ endCursor: tx.pageEndOut }));

export function queryPage(store: Store, tx: Tx, args: PageArgs): Page {
  const order = args.query.source.type === "Search" ? "asc" : (args.query.source.order ?? "asc");
  const endMarker = order === "asc" ? MAX_SUFFIX : "";
  const cursorKey = args.cursor === null || args.cursor === undefined ? null : cursorToKey(args.cursor);
  const endCursor = args.endCursor ?? (tx.pageEndOut === undefined ? tx.pageEndIn : null) ?? null;
  const endKey = endCursor === null ? null : cursorToKey(endCursor);
  const stream = openStream(store, tx, args.query, cursorKey, endKey);
  const page: JSONValue[] = [];
  const keys: string[] = [];
  const startScanned = tx.scanned;
  const startBytes = tx.bytesRead;
  let stoppedEarly = false;
  for (;;) {
    if (endKey === null && page.length >= args.pageSize) {
      stoppedEarly = true;
      break;
    }
    if (args.maximumRowsRead && tx.scanned - startScanned >= args.maximumRowsRead) {
      stoppedEarly = true;
      break;
    }
    if (args.maximumBytesRead && tx.bytesRead - startBytes >= args.maximumBytesRead) {
      stoppedEarly = true;
      break;
    }
    const doc = stream.next();
    if (!doc) break;
    page.push(doc.json);
    keys.push(stream.lastKey!);
  }
  let isDone: boolean;
  let continueCursor: string;
  if (stoppedEarly) {
    isDone = false;
    continueCursor = keyToCursor(stream.lastKey ?? cursorKey ?? (order === "asc" ? "" : MAX_SUFFIX));
  } else if (endKey !== null) {
    isDone = endKey === endMarker;
    continueCursor = endCursor!;
  } else {
    isDone = true;
    continueCursor = keyToCursor(endMarker);
  }
  let splitCursor: string | null = null;
  let pageStatus: string | null = null;
  if (endKey !== null && args.pageSize > 0 && page.length >= 2 * args.pageSize) {
    splitCursor = keyToCursor(keys[Math.floor(keys.length / 2) - 1]);
    pageStatus = "SplitRecommended";
  }
  if (tx.kind === "query" && tx.pageEndOut === undefined) tx.pageEndOut = continueCursor;
  return { page, isDone, continueCursor, splitCursor, pageStatus };
}
