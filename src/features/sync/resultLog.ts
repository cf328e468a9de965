import type { StoredResult } from "./types";

/**
 * The outbox's confirmed results by opId, as immutable versions over one shared, append-only log. A new version
 * (`with`) costs the results it adds, not the ones already there, and a reader holding an older version walks
 * only what came after it (`resultsAddedSince`). A day offline confirms thousands of writes in batches of up to
 * 64: copying the whole map for each batch, and walking all of it in each watchResolvedIds, made the replay's
 * cost grow with the square of its length.
 *
 * Invariants:
 * - A version never changes: it sees the log's first `length` records; a later value for an opId it holds is
 *   not seen by it (`get` steps back along the opId's earlier records).
 * - The log stays linear: `with` on a version that is not the newest of its log (a fork) copies into a new log.
 * - As a ReadonlyMap: one entry per opId, its latest value in this version.
 */
interface LogRecord {
  opId: string;
  stored: StoredResult;
  /** Position of this opId's previous record, -1 for none. */
  prev: number;
  /** Position of this opId's next record, once there is one. */
  next?: number;
}

interface Shared {
  records: LogRecord[];
  /** Position of each opId's latest record. */
  latest: Map<string, number>;
}

export class ResultLog implements ReadonlyMap<string, StoredResult> {
  private constructor(
    private readonly shared: Shared,
    private readonly length: number,
    readonly size: number,
  ) {}

  static of(results: Iterable<StoredResult>): ResultLog {
    return new ResultLog({ records: [], latest: new Map() }, 0, 0).with(results);
  }

  /** A new version with `results` added (a repeated opId takes the new value); this one stays as it was. */
  with(results: Iterable<StoredResult>): ResultLog {
    if (this.length !== this.shared.records.length) return ResultLog.of([...this.values(), ...results]);
    const { records, latest } = this.shared;
    let size = this.size;
    for (const stored of results) {
      const prev = latest.get(stored.opId) ?? -1;
      if (prev < 0) size++;
      else records[prev].next = records.length;
      latest.set(stored.opId, records.length);
      records.push({ opId: stored.opId, stored, prev });
    }
    return new ResultLog(this.shared, records.length, size);
  }

  get(opId: string): StoredResult | undefined {
    let at = this.shared.latest.get(opId) ?? -1;
    while (at >= this.length) at = this.shared.records[at].prev;
    return at >= 0 ? this.shared.records[at].stored : undefined;
  }

  has(opId: string): boolean {
    return this.get(opId) !== undefined;
  }

  /** The entries of records from position `from` on that are their opId's latest in this version. */
  *entriesFrom(from: number): IterableIterator<[string, StoredResult]> {
    const { records } = this.shared;
    for (let i = from; i < this.length; i++) {
      const record = records[i];
      if (record.next === undefined || record.next >= this.length) yield [record.opId, record.stored];
    }
  }

  entries(): MapIterator<[string, StoredResult]> {
    return this.entriesFrom(0) as MapIterator<[string, StoredResult]>;
  }

  *keys(): MapIterator<string> {
    for (const [opId] of this.entriesFrom(0)) yield opId;
  }

  *values(): MapIterator<StoredResult> {
    for (const [, stored] of this.entriesFrom(0)) yield stored;
  }

  [Symbol.iterator](): MapIterator<[string, StoredResult]> {
    return this.entries();
  }

  forEach(callback: (value: StoredResult, key: string, map: ReadonlyMap<string, StoredResult>) => void): void {
    for (const [opId, stored] of this.entriesFrom(0)) callback(stored, opId, this);
  }

  /** Where `older` ends in this version's log; undefined when it is not an earlier version of the same log. */
  positionOf(older: ReadonlyMap<string, StoredResult>): number | undefined {
    return older instanceof ResultLog && older.shared === this.shared && older.length <= this.length ? older.length : undefined;
  }
}

/**
 * The results of `results` whose opId `before` lacks, as [opId, result]: when `before` is an earlier version of the
 * same log, only the records added since are walked; otherwise all of `results`.
 */
export function* resultsAddedSince(
  results: ReadonlyMap<string, StoredResult>,
  before: ReadonlyMap<string, StoredResult>,
): Generator<[string, StoredResult]> {
  const from = results instanceof ResultLog ? results.positionOf(before) : undefined;
  const candidates = from !== undefined && results instanceof ResultLog ? results.entriesFrom(from) : results.entries();
  for (const [opId, stored] of candidates) if (!before.has(opId)) yield [opId, stored];
}
