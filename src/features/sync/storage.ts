import { openDB, unwrap, type DBSchema, type IDBPDatabase } from "idb";
import type { CachedQuery, OutboxEntry, StoredResult, SyncIssue } from "./types";

/** Everything the sync layer keeps for one signed-in user. */
export interface SyncStorage {
  readonly kind: "indexeddb" | "memory";
  /** Appends unless an entry with the same opId exists (then returns that one). */
  append(entry: OutboxEntry): Promise<OutboxEntry>;
  list(): Promise<OutboxEntry[]>;
  /** Up to `limit` entries stored after `afterSeq`, in outbox order (the sender reads the outbox page by page). */
  listAfter(afterSeq: number, limit: number): Promise<OutboxEntry[]>;
  replace(entry: OutboxEntry): Promise<void>;
  /** Removes an answered entry and, in the same transaction, records its result (when it was confirmed). */
  removeAnswered(seq: number, result?: StoredResult): Promise<void>;
  /** Removes several answered entries and records their results, all in one transaction. */
  removeAnsweredMany(answered: readonly { seq: number; result?: StoredResult }[]): Promise<void>;
  results(): Promise<StoredResult[]>;
  pruneResults(olderThan: number): Promise<void>;
  queries(): Promise<CachedQuery[]>;
  putQueries(queries: CachedQuery[], remove: string[]): Promise<void>;
  issues(): Promise<SyncIssue[]>;
  putIssue(issue: SyncIssue): Promise<void>;
  deleteIssue(id: string): Promise<void>;
  close(): void;
}

interface SyncDb extends DBSchema {
  outbox: { key: number; value: OutboxEntry; indexes: { opId: string } };
  results: { key: string; value: StoredResult };
  queries: { key: string; value: CachedQuery };
  issues: { key: string; value: SyncIssue };
}

export function databaseName(userKey: string): string {
  return `polaris-sync:${userKey}`;
}

const clone = <T>(value: T): T => structuredClone(value);

/** The seqs (integers) as runs of consecutive values [from, to], ascending: each run is one key range. */
export function seqRanges(seqs: readonly number[]): [number, number][] {
  const sorted = [...seqs].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const seq of sorted) {
    const last = ranges.at(-1);
    if (last && seq <= last[1] + 1) last[1] = Math.max(last[1], seq);
    else ranges.push([seq, seq]);
  }
  return ranges;
}

/** IndexedDB storage; one database per user so one user's outbox and cache are never read for another. */
export class IdbSyncStorage implements SyncStorage {
  readonly kind = "indexeddb" as const;
  private constructor(private readonly db: IDBPDatabase<SyncDb>) {}

  static async open(userKey: string): Promise<IdbSyncStorage> {
    if (typeof indexedDB === "undefined") throw new Error("IndexedDB is not available in this browser.");
    const db = await openDB<SyncDb>(databaseName(userKey), 1, {
      upgrade(database) {
        const outbox = database.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
        outbox.createIndex("opId", "opId", { unique: true });
        database.createObjectStore("results", { keyPath: "opId" });
        database.createObjectStore("queries", { keyPath: "token" });
        database.createObjectStore("issues", { keyPath: "id" });
      },
      blocking() {
        db.close();
      },
    });
    return new IdbSyncStorage(db);
  }

  async append(entry: OutboxEntry): Promise<OutboxEntry> {
    const tx = this.db.transaction("outbox", "readwrite");
    const existing = await tx.store.index("opId").get(entry.opId);
    if (existing) {
      await tx.done;
      return existing;
    }
    const { seq: _ignored, ...fresh } = entry;
    const seq = await tx.store.add(fresh);
    await tx.done;
    return { ...fresh, seq };
  }

  list(): Promise<OutboxEntry[]> {
    return this.db.getAll("outbox");
  }

  listAfter(afterSeq: number, limit: number): Promise<OutboxEntry[]> {
    return this.db.getAll("outbox", IDBKeyRange.lowerBound(afterSeq, true), limit);
  }

  async replace(entry: OutboxEntry): Promise<void> {
    await this.db.put("outbox", entry);
  }

  removeAnswered(seq: number, result?: StoredResult): Promise<void> {
    return this.removeAnsweredMany([{ seq, result }]);
  }

  /**
   * Runs in the task that confirms a batch of answers, so it issues few requests and waits on the transaction
   * alone: consecutive seqs are deleted as one key range, and the requests are IndexedDB's own, not each wrapped
   * in a promise (idb's wrapping of up to 128 requests was most of a confirming task in a bench/offline profile).
   * A request that fails aborts the transaction (nothing of the batch is kept) and the promise rejects.
   */
  async removeAnsweredMany(answered: readonly { seq: number; result?: StoredResult }[]): Promise<void> {
    if (answered.length === 0) return;
    const tx = this.db.transaction(["outbox", "results"], "readwrite");
    try {
      const outbox = unwrap(tx.objectStore("outbox"));
      const results = unwrap(tx.objectStore("results"));
      for (const [from, to] of seqRanges(answered.map((a) => a.seq))) outbox.delete(from === to ? from : IDBKeyRange.bound(from, to));
      for (const { result } of answered) if (result) results.put(result);
    } catch (error) {
      // A request refused at once (a result that cannot be stored): nothing of the batch is kept.
      tx.done.catch(() => {});
      tx.abort();
      throw error;
    }
    await tx.done;
  }

  results(): Promise<StoredResult[]> {
    return this.db.getAll("results");
  }

  async pruneResults(olderThan: number): Promise<void> {
    const tx = this.db.transaction("results", "readwrite");
    for (let cursor = await tx.store.openCursor(); cursor; cursor = await cursor.continue()) {
      if (cursor.value.at < olderThan) await cursor.delete();
    }
    await tx.done;
  }

  queries(): Promise<CachedQuery[]> {
    return this.db.getAll("queries");
  }

  async putQueries(queries: CachedQuery[], remove: string[]): Promise<void> {
    const tx = this.db.transaction("queries", "readwrite");
    await Promise.all([...queries.map((q) => tx.store.put(q)), ...remove.map((t) => tx.store.delete(t)), tx.done]);
  }

  issues(): Promise<SyncIssue[]> {
    return this.db.getAll("issues");
  }

  async putIssue(issue: SyncIssue): Promise<void> {
    await this.db.put("issues", issue);
  }

  async deleteIssue(id: string): Promise<void> {
    await this.db.delete("issues", id);
  }

  close(): void {
    this.db.close();
  }
}

/** The same contract kept in memory: used when IndexedDB is unavailable or full (lost on reload). */
export class MemorySyncStorage implements SyncStorage {
  readonly kind = "memory" as const;
  private nextSeq = 1;
  private readonly outbox = new Map<number, OutboxEntry>();
  private readonly resultMap = new Map<string, StoredResult>();
  private readonly queryMap = new Map<string, CachedQuery>();
  private readonly issueMap = new Map<string, SyncIssue>();

  constructor(seed?: { outbox?: OutboxEntry[]; results?: StoredResult[]; issues?: SyncIssue[]; queries?: CachedQuery[] }) {
    for (const entry of seed?.outbox ?? []) {
      const seq = entry.seq ?? this.nextSeq;
      this.outbox.set(seq, clone({ ...entry, seq }));
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
    }
    for (const r of seed?.results ?? []) this.resultMap.set(r.opId, clone(r));
    for (const i of seed?.issues ?? []) this.issueMap.set(i.id, clone(i));
    for (const q of seed?.queries ?? []) this.queryMap.set(q.token, clone(q));
  }

  // Promise-returning like IndexedDB (callers always await), answered from memory at once.

  append(entry: OutboxEntry): Promise<OutboxEntry> {
    for (const existing of this.outbox.values()) if (existing.opId === entry.opId) return Promise.resolve(clone(existing));
    const stored = clone({ ...entry, seq: this.nextSeq++ });
    this.outbox.set(stored.seq, stored);
    return Promise.resolve(clone(stored));
  }

  list(): Promise<OutboxEntry[]> {
    return Promise.resolve([...this.outbox.values()].sort((a, b) => a.seq! - b.seq!).map(clone));
  }

  listAfter(afterSeq: number, limit: number): Promise<OutboxEntry[]> {
    const after = [...this.outbox.values()].filter((e) => e.seq! > afterSeq).sort((a, b) => a.seq! - b.seq!);
    return Promise.resolve(after.slice(0, limit).map(clone));
  }

  replace(entry: OutboxEntry): Promise<void> {
    if (entry.seq !== undefined) this.outbox.set(entry.seq, clone(entry));
    return Promise.resolve();
  }

  removeAnswered(seq: number, result?: StoredResult): Promise<void> {
    return this.removeAnsweredMany([{ seq, result }]);
  }

  removeAnsweredMany(answered: readonly { seq: number; result?: StoredResult }[]): Promise<void> {
    for (const { seq, result } of answered) {
      this.outbox.delete(seq);
      if (result) this.resultMap.set(result.opId, clone(result));
    }
    return Promise.resolve();
  }

  results(): Promise<StoredResult[]> {
    return Promise.resolve([...this.resultMap.values()].map(clone));
  }

  pruneResults(olderThan: number): Promise<void> {
    for (const [opId, r] of this.resultMap) if (r.at < olderThan) this.resultMap.delete(opId);
    return Promise.resolve();
  }

  queries(): Promise<CachedQuery[]> {
    return Promise.resolve([...this.queryMap.values()].map(clone));
  }

  putQueries(queries: CachedQuery[], remove: string[]): Promise<void> {
    for (const q of queries) this.queryMap.set(q.token, clone(q));
    for (const t of remove) this.queryMap.delete(t);
    return Promise.resolve();
  }

  issues(): Promise<SyncIssue[]> {
    return Promise.resolve([...this.issueMap.values()].map(clone));
  }

  putIssue(issue: SyncIssue): Promise<void> {
    this.issueMap.set(issue.id, clone(issue));
    return Promise.resolve();
  }

  deleteIssue(id: string): Promise<void> {
    this.issueMap.delete(id);
    return Promise.resolve();
  }

  close(): void {}
}

export interface StorageSeed {
  outbox: OutboxEntry[];
  results: StoredResult[];
  issues: SyncIssue[];
  queries: CachedQuery[];
}

/**
 * Delegates to IndexedDB until an operation fails (unavailable, quota exceeded, database deleted under us),
 * then moves for good to memory, seeded from what the outbox holds, and reports the failure once.
 */
export class FallbackStorage implements SyncStorage {
  private current: SyncStorage;

  constructor(
    primary: SyncStorage | null,
    private readonly snapshot: () => StorageSeed,
    private readonly onFallback: (error: unknown) => void,
    openError?: unknown,
  ) {
    this.current = primary ?? new MemorySyncStorage();
    if (!primary) queueMicrotask(() => this.onFallback(openError));
  }

  get kind(): "indexeddb" | "memory" {
    return this.current.kind;
  }

  private async run<T>(op: (storage: SyncStorage) => Promise<T>): Promise<T> {
    try {
      return await op(this.current);
    } catch (error) {
      if (this.current.kind === "memory") throw error;
      try {
        this.current.close();
      } catch {
        // Already broken; memory takes over regardless.
      }
      this.current = new MemorySyncStorage(this.snapshot());
      this.onFallback(error);
      return op(this.current);
    }
  }

  append(entry: OutboxEntry) {
    return this.run((s) => s.append(entry));
  }
  list() {
    return this.run((s) => s.list());
  }
  listAfter(afterSeq: number, limit: number) {
    return this.run((s) => s.listAfter(afterSeq, limit));
  }
  replace(entry: OutboxEntry) {
    return this.run((s) => s.replace(entry));
  }
  removeAnswered(seq: number, result?: StoredResult) {
    return this.run((s) => s.removeAnswered(seq, result));
  }
  removeAnsweredMany(answered: readonly { seq: number; result?: StoredResult }[]) {
    return this.run((s) => s.removeAnsweredMany(answered));
  }
  results() {
    return this.run((s) => s.results());
  }
  pruneResults(olderThan: number) {
    return this.run((s) => s.pruneResults(olderThan));
  }
  queries() {
    return this.run((s) => s.queries());
  }
  putQueries(queries: CachedQuery[], remove: string[]) {
    return this.run((s) => s.putQueries(queries, remove));
  }
  issues() {
    return this.run((s) => s.issues());
  }
  putIssue(issue: SyncIssue) {
    return this.run((s) => s.putIssue(issue));
  }
  deleteIssue(id: string) {
    return this.run((s) => s.deleteIssue(id));
  }
  close() {
    this.current.close();
  }
}
