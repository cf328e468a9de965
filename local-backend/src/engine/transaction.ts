import type { QueryStream } from "./queryStream.js";
import type { Doc, Store, WriteEntry } from "./store.js";

// One transaction's state: what it read, what it wrote, and its budget. Invariants:
// - A mutation's writes are applied to the store in place as they happen; `undo` holds every write's previous
//   version in order, so rolling back to a savepoint (an index into `undo`) restores exactly the writes made
//   after it. Only the mutation queue's one pending transaction writes (see mutations.ts).
// - `reads` holds, per table and index, the key ranges [lo, hi) the transaction depended on (scanned ranges,
//   point ranges for db.get); a write invalidates the transaction's result only if one of its keys (old or new
//   version, any index) falls in one of them (`entryHits`).
// - Limits (Convex's per-function limits) are checked as each read or write happens: the read or write that
//   goes over throws an error naming the limit, so nothing past a limit is ever observed or stored.

export const LIMITS = {
  documentBytes: 1 << 20,
  documentsWritten: 16_000,
  documentsScanned: 32_000,
  bytesRead: 16 << 20,
  bytesWritten: 16 << 20,
};

export interface Range {
  lo: string;
  hi: string;
}

export class ReadSetImpl {
  declare readonly __brand: "ReadSet";
  ranges = new Map<string, Range[]>();
  add(table: string, index: string, range: Range) {
    const k = table + "\0" + index;
    let list = this.ranges.get(k);
    if (!list) this.ranges.set(k, (list = []));
    list.push(range);
  }
}

export interface WriteSetImpl {
  readonly __brand: "WriteSet";
  entries: WriteEntry[];
}

/** True when one of the keys `entry` touched lies in a range of `reads`. */
export function entryHits(reads: ReadSetImpl, entry: WriteEntry): boolean {
  const prefix = entry.table + "\0";
  for (const [slot, ranges] of reads.ranges) {
    if (!slot.startsWith(prefix)) continue;
    for (const key of entry.keysIn(slot.slice(prefix.length))) {
      for (const r of ranges) if (key >= r.lo && key < r.hi) return true;
    }
  }
  return false;
}

export interface Tx {
  id: number;
  kind: "query" | "mutation";
  reads: ReadSetImpl;
  undo: { table: string; id: string; old: Doc | null }[];
  /** Every document written: id -> table. */
  written: Map<string, string>;
  /** The store's change entries of this transaction's writes, in order: its WriteSet once committed. */
  entries: WriteEntry[];
  /** The change log's sequence number when the transaction began (see conflicts.ts). */
  startSeq: number;
  writes: number;
  bytesWritten: number;
  scanned: number;
  bytesRead: number;
  streams: Map<number, QueryStream>;
  nextStreamId: number;
  afterCommit: (() => void | Promise<void>)[];
  onRollback: (() => void | Promise<void>)[];
  /**
   * A subscribed query's journal: the end cursor its paginate() call reached the first time. Later runs end
   * there, so the page takes in new rows before that point instead of sliding (as Convex does).
   */
  pageEndIn?: string | null;
  pageEndOut?: string;
}

let lastTxId = 0;

export function newTx(kind: "query" | "mutation", startSeq: number): Tx {
  return {
    id: ++lastTxId,
    kind,
    reads: new ReadSetImpl(),
    undo: [],
    written: new Map(),
    entries: [],
    startSeq,
    writes: 0,
    bytesWritten: 0,
    scanned: 0,
    bytesRead: 0,
    streams: new Map(),
    nextStreamId: 1,
    afterCommit: [],
    onRollback: [],
  };
}

/** The advice Convex appends to its TooManyDocumentsRead and TooManyBytesRead errors, word for word. */
const READ_ADVICE =
  "Consider using smaller limits in your queries, paginating your queries, or using indexed queries with a selective index range expressions.";

/**
 * Counts one document read against the transaction's limits: every document a query scans (a `.filter` drops it
 * after it was read), every `db.get` that finds one, and the document a patch, replace or delete reads before it
 * writes (Convex and convex-test count that read too).
 */
export function countRead(tx: Tx, doc: Doc) {
  tx.scanned++;
  tx.bytesRead += doc.size;
  if (tx.scanned > LIMITS.documentsScanned) {
    throw new Error(
      `Too many documents read in a single function execution (limit: ${LIMITS.documentsScanned}). ${READ_ADVICE}`,
    );
  }
  if (tx.bytesRead > LIMITS.bytesRead) {
    throw new Error(`Too many bytes read in a single function execution (limit: ${LIMITS.bytesRead} bytes). ${READ_ADVICE}`);
  }
}

/** Writes (or deletes, with null) one document in the transaction: counted, applied in place, undoable. */
export function writeDoc(store: Store, tx: Tx, table: string, id: string, doc: Doc | null) {
  tx.writes++;
  if (tx.writes > LIMITS.documentsWritten) {
    throw new Error(`Too many writes in a single function execution (limit: ${LIMITS.documentsWritten}). Split the work across several mutations (for example with the scheduler).`);
  }
  if (doc) {
    tx.bytesWritten += doc.size;
    if (tx.bytesWritten > LIMITS.bytesWritten) {
      throw new Error(`Too many bytes written in a single function execution (limit: ${LIMITS.bytesWritten} bytes).`);
    }
  }
  const old = store.put(table, id, doc);
  tx.undo.push({ table, id, old });
  tx.written.set(id, table);
}

/** Undoes the writes made after savepoint `toLength`; a rollback to 0 also runs the on-rollback steps. */
export async function rollback(store: Store, tx: Tx, toLength: number) {
  while (tx.undo.length > toLength) {
    const u = tx.undo.pop()!;
    store.put(u.table, u.id, u.old);
  }
  if (toLength === 0) {
    for (const f of tx.onRollback) await f();
    tx.onRollback = [];
  }
}
