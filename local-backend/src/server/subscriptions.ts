import type { ReadIndex, WriteSet } from "../engine/types.js";

// Which subscribed queries of which connections a commit may change. Every connection's read sets are in one
// index (engine/readIndex.ts), so a commit costs what it wrote, not the number of subscriptions or connections.
// Invariants:
// - A subscription's read set is in the index from the end of the run that made it until the next run's, or
//   until it is removed; a commit that hits it marks that query of that connection to run again.
// - While a connection is re-running queries (`running`), the read sets it will file are not known yet: every
//   commit meanwhile is also handed to it whole, and it checks them against the new read sets on its next
//   refresh (as every commit was before), so no commit between a run's snapshot and its filing is missed.

/** A subscribed query of a connection, as filed in the index. */
export interface Watched {
  session: { invalidate(queryId: number): void; commitWhileRunning(writes: WriteSet): void };
  queryId: number;
}

export class Subscriptions {
  /** Connections now re-running queries (see the invariants above). */
  readonly running = new Set<Watched["session"]>();

  constructor(readonly index: ReadIndex<Watched>) {}

  onCommit(writes: WriteSet): void {
    for (const watched of this.index.hits(writes)) watched.session.invalidate(watched.queryId);
    for (const session of this.running) session.commitWhileRunning(writes);
  }
}
