import type { JSONValue } from "convex/values";
import type { Identity, ReadIndex, ReadSet, WriteSet } from "./types.js";

// Results of public queries kept for the next caller asking the same question (same function, arguments,
// identity and pagination journal), as Convex's own query cache does: a second client opening a project, or a
// reload, gets the ~100 listing buckets of a 100,000-file project without running them again (each reads 1,000
// documents and was most of the backend's work when a large project opened). Invariants:
// - An entry is the answer at every ts from the one it ran at up to `publishedTs`: it is filed in a read index
//   (readIndex.ts) and every published commit that hits its read set removes it, synchronously, in the commit's
//   onCommit delivery, before publishedTs moves past the commit. So a hit is answered as of the current
//   publishedTs, the way a fresh run would answer after that commit was durable.
// - A result is kept only if no commit was published between the snapshot it read and its filing (its ts equals
//   publishedTs then), so no commit can fall between the two unseen.
// - Only successful results with a read set are kept, and only of runs that did not read the clock or the random
//   generator (their answer depends on more than the database).
// - Kept results take at most MAX_BYTES (their JSON length), the least recently used going first. A reload of the
//   app's code or a change of its environment variables empties the cache.

const MAX_BYTES = 64 << 20;

export interface CachedQuery {
  value: JSONValue;
  logLines: string[];
  reads: ReadSet;
  journal: string | null;
}

interface Entry extends CachedQuery {
  key: string;
  bytes: number;
}

export class QueryCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** Answers given from the cache (for tests and benchmarks). */
  hits = 0;
  /** Bumped by clear(): a run that began before it (old code, old environment) keeps nothing. */
  epoch = 0;

  constructor(
    private readonly index: ReadIndex<Entry>,
    private readonly maxBytes = MAX_BYTES,
  ) {}

  static key(udfPath: string, argsJson: string, identity: Identity | null, journal: string | null | undefined): string {
    return JSON.stringify([udfPath, argsJson, identity, journal ?? null]);
  }

  get(key: string): CachedQuery | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Most recently used last: the eviction below takes from the front.
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry;
  }

  /**
   * Keeps a result that read the database as of `ranAt`, if nothing was published since (`publishedTs`) and the
   * cache was not emptied since the run began (`epoch`, read then). `length`: the result's JSON length (the
   * runtime's, so a re-run after every commit does not serialize its result once more only to be measured).
   */
  set(key: string, result: CachedQuery, length: number, ranAt: bigint, publishedTs: bigint, epoch: number) {
    if (ranAt !== publishedTs || epoch !== this.epoch) return;
    const bytes = length + key.length;
    if (bytes > this.maxBytes / 4) return;
    this.remove(key);
    const entry: Entry = { ...result, key, bytes };
    this.entries.set(key, entry);
    this.bytes += bytes;
    this.index.set(entry, result.reads);
    for (const oldest of this.entries.values()) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(oldest.key);
    }
  }

  /** Removes every entry the commit's writes may have changed; called in the commit's onCommit delivery. */
  onCommit(writes: WriteSet) {
    if (this.entries.size === 0) return;
    for (const entry of this.index.hits(writes)) this.remove(entry.key);
  }

  clear() {
    this.epoch++;
    for (const key of [...this.entries.keys()]) this.remove(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private remove(key: string) {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.index.delete(entry);
    this.bytes -= entry.bytes;
  }
}
