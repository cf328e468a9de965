import type { WriteEntry } from "./store.js";
import { entryHits, type ReadSetImpl, type Tx } from "./transaction.js";

// Optimistic concurrency for queries: queries run beside the mutation queue, reading the store in place, and
// are checked afterwards against the writes that happened meanwhile. Invariants:
// - Every store change gets the next sequence number. A change is kept while a query that began before it is
//   running, or while the transaction that made it is still pending (not yet committed or rolled back).
// - A query that began at sequence s conflicts if a change after s, or any change of the pending transaction
//   (which it may have seen half-done), hit its read set; it must then run again (queries.ts).

interface Change {
  seq: number;
  txId: number;
  entry: WriteEntry;
}

export class ChangeLog {
  private seq = 0;
  private changes: Change[] = [];
  /** Running queries: token -> the sequence number when they began. */
  private activeReads = new Map<number, number>();
  private readCounter = 0;
  /** Resolved (and emptied) when the last running query ends. */
  private readsDoneWaiters: (() => void)[] = [];

  /** The sequence number of the latest change. */
  get current(): number {
    return this.seq;
  }

  /** Records a store change made by `pending` (the mutation queue's transaction, if any). */
  record(entry: WriteEntry, pending: Tx | null) {
    this.seq++;
    if (pending) pending.entries.push(entry);
    if (this.activeReads.size > 0 || pending) this.changes.push({ seq: this.seq, txId: pending?.id ?? 0, entry });
  }

  /** Registers a query starting now; pass the token to `endRead`. */
  beginRead(): { token: number; startSeq: number } {
    const token = ++this.readCounter;
    const startSeq = this.seq;
    this.activeReads.set(token, startSeq);
    return { token, startSeq };
  }

  endRead(token: number) {
    this.activeReads.delete(token);
    if (this.activeReads.size === 0 && this.readsDoneWaiters.length > 0) {
      for (const resolve of this.readsDoneWaiters.splice(0)) resolve();
    }
  }

  /** How many queries are running now. */
  get runningReads(): number {
    return this.activeReads.size;
  }

  /** Resolves once no query is running (at once if none is). */
  noReads(): Promise<void> {
    if (this.activeReads.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.readsDoneWaiters.push(resolve));
  }

  /** True when a change the query that began at `startSeq` may have seen half-done hit its reads. */
  conflicts(startSeq: number, reads: ReadSetImpl, pending: Tx | null): boolean {
    return this.changes.some((c) => (c.seq > startSeq || (pending !== null && c.txId === pending.id)) && entryHits(reads, c.entry));
  }

  /** Drops the changes no running query and no pending transaction can still need. */
  prune(pending: Tx | null) {
    let keepAfter = Infinity;
    for (const s of this.activeReads.values()) keepAfter = Math.min(keepAfter, s);
    if (pending) keepAfter = Math.min(keepAfter, pending.startSeq);
    if (keepAfter === Infinity) {
      this.changes = [];
      return;
    }
    let i = 0;
    while (i < this.changes.length && this.changes[i].seq <= keepAfter) i++;
    if (i > 0) this.changes.splice(0, i);
  }
}
