import type { JSONValue } from "convex/values";
import type { ChangeLog } from "./conflicts.js";
import type { Committer } from "./commit.js";
import { failure, type Functions, type Outcome, type Registered } from "./functions.js";
import type { Mutations } from "./mutations.js";
import { journalOf, parseJournal } from "./pagination.js";
import { QueryCache } from "./queryCache.js";
import { newTx } from "./transaction.js";
import type { Identity, ReadSet } from "./types.js";

// Running query functions: concurrently with each other and with the mutation queue, checked optimistically.
// Invariants:
// - A query's result reflects one consistent state: if a write it may have seen half-done, or one made after
//   it began, hit its read set (conflicts.ts), it runs again; after OCC_RETRIES conflicting runs it runs inside
//   the mutation queue, between two mutations, where nothing can interleave.
// - A result carries the timestamp of the state it read (the latest in-memory commit when it finished) and is
//   released only once that commit is durable (Committer.release), so no result reflects a commit that could
//   still be lost.
// - A public query asked again with the same arguments, identity and journal is answered from the QueryCache
//   (queryCache.ts) while no commit has changed what it read, as of the latest published commit.

const OCC_RETRIES = 4;

export type QueryOutcome = Outcome & { ts: bigint; reads: ReadSet | null; journal: string | null };

export class Queries {
  constructor(
    private readonly functions: Functions,
    private readonly changeLog: ChangeLog,
    private readonly mutations: Mutations,
    private readonly committer: Committer,
    private readonly cache: QueryCache,
  ) {}

  async run(udfPath: string, args: JSONValue, identity: Identity | null, allowInternal: boolean, journal?: string | null): Promise<QueryOutcome> {
    let fn: Registered;
    try {
      fn = this.functions.resolve(udfPath, "query", allowInternal);
    } catch (e) {
      return { ...failure(e), ts: this.committer.publishedTs, reads: null, journal: null };
    }
    const argsJson = JSON.stringify(args);
    const key = allowInternal ? null : QueryCache.key(udfPath, argsJson, identity, journal);
    if (key !== null) {
      const hit = this.cache.get(key);
      if (hit) return { ok: true, value: hit.value, logLines: hit.logLines, ts: this.committer.publishedTs, reads: hit.reads, journal: hit.journal };
    }
    const epoch = this.cache.epoch;
    for (let attempt = 0; ; attempt++) {
      if (attempt >= OCC_RETRIES) {
        // Starved by concurrent writes: run between mutations, where nothing can interleave.
        const result = await this.mutations.enqueue(async (): Promise<QueryOutcome> => {
          const tx = newTx("query", this.changeLog.current);
          tx.pageEndIn = parseJournal(journal);
          const out = await this.functions.invoke(fn, "query", this.functions.newFrame("query", udfPath, identity, tx, argsJson), args);
          return { ...out, ts: this.committer.ts, reads: tx.reads, journal: journalOf(tx) };
        });
        return this.release(result);
      }
      const { token, startSeq } = this.changeLog.beginRead();
      const tx = newTx("query", startSeq);
      tx.pageEndIn = parseJournal(journal);
      const frame = this.functions.newFrame("query", udfPath, identity, tx, argsJson);
      let out: Outcome;
      try {
        out = await this.functions.invoke(fn, "query", frame, args);
      } finally {
        this.changeLog.endRead(token);
      }
      const pending = this.mutations.pending;
      const conflict = this.changeLog.conflicts(startSeq, tx.reads, pending);
      this.changeLog.prune(pending);
      if (!conflict) {
        const result = await this.release({ ...out, ts: this.committer.ts, reads: tx.reads, journal: journalOf(tx) });
        if (key !== null && result.ok && result.reads !== null && !frame.readClock) {
          const { value, logLines, reads } = result;
          this.cache.set(key, { value, logLines, reads, journal: result.journal }, frame.resultLength, result.ts, this.committer.publishedTs, epoch);
        }
        return result;
      }
      await this.mutations.idle();
    }
  }

  private release(r: QueryOutcome): Promise<QueryOutcome> {
    return this.committer.release(r, (e) => ({ ...failure(e), logLines: r.logLines, ts: this.committer.publishedTs, reads: null, journal: null }));
  }
}
