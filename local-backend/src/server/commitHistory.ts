import type { Commit, ReadSet, WriteSet } from "../engine/types.js";

// The recent commits, so /api/query_at_ts can answer "as of ts" without a multi-version store. The engine keeps
// only the latest state; a query run now gives the answer at an earlier ts exactly when no commit after ts wrote
// anything the query read (the same test that decides when a subscription must re-run). Invariants:
// - Every commit with a ts greater than `coveredFrom` is in `commits`, in ts order; older ones are dropped, at
//   most `max` are kept, so memory is bounded and the reach back in time is what the last `max` commits span.
// - An answer is given only when it is provably the answer at ts; otherwise the caller learns why not.

export type AtTsVerdict = "same" | "changed" | "too-old" | "future";

export class CommitHistory {
  private readonly commits: Commit[] = [];

  constructor(
    /** Commits at or before this ts are not known (they happened before the history began). */
    private coveredFrom: bigint,
    private readonly max = 1000,
  ) {}

  record(commit: Commit) {
    this.commits.push(commit);
    if (this.commits.length > this.max) this.coveredFrom = this.commits.shift()!.ts;
  }

  /**
   * Whether a query that ran at snapshot `ranAt` and read `reads` gives the same answer at `ts`.
   * `invalidates` is the engine's read/write intersection test.
   */
  verdict(ts: bigint, ranAt: bigint, reads: ReadSet | null, invalidates: (reads: ReadSet, writes: WriteSet) => boolean): AtTsVerdict {
    if (ts > ranAt) return "future";
    if (ts === ranAt) return "same";
    if (ts < this.coveredFrom) return "too-old";
    if (reads === null) return "changed";
    for (const c of this.commits) {
      if (c.ts > ts && c.ts <= ranAt && invalidates(reads, c.writes)) return "changed";
    }
    return "same";
  }
}
