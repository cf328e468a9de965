import type { JSONValue } from "convex/values";
import type { Idempotency } from "./idempotency.js";
import { loadRecovered } from "./recovery.js";
import { realNow } from "./runtime.js";
import type { DocJson, Store } from "./store.js";
import type { Tx, WriteSetImpl } from "./transaction.js";
import type { Commit } from "./types.js";
import { Wal, type CommitRecord, type SnapshotHeader, type WalHooks } from "./wal.js";

// Committing transactions to the write-ahead log, and releasing what depends on them only once durable
// (group commit, docs/local-backend.md). Invariants:
// - Commit timestamps strictly increase. `ts` is the latest commit applied in memory, which may not be durable
//   yet; `publishedTs` is the latest commit that is durable and has been delivered to onCommit listeners.
// - Commits are published in commit order, each once its log batch is durable: listeners, then `publishedTs`,
//   then the after-commit steps start, then results waiting on it are released.
// - A result that read the state at ts (a query's snapshot, a mutation's own commit) is released only once
//   every commit up to ts is published, and after the after-commit steps of the commit at ts have run.
// - After a failed log write nothing more is written or acknowledged (the tail could be torn): every waiting
//   and later result gets the failure, which says to fix the disk and restart.
// - Compaction runs while the caller holds the mutation queue, so the snapshot is a committed state.

const DEFAULT_COMPACT_BYTES = 64 << 20;

export interface CommitterOptions {
  dataDir: string;
  durable: boolean;
  compactBytes?: number;
  walHooks?: WalHooks;
  log: (line: string) => void;
}

export class Committer {
  /** Timestamp of the latest commit applied in memory (it may not be durable yet). */
  ts = 0n;
  /** Every commit up to this timestamp is durable and has been delivered to onCommit listeners. */
  publishedTs = 0n;
  /** Set when a log write fails: memory then holds commits the disk may lack, so nothing more is acknowledged. */
  failure: Error | null = null;
  private wal!: Wal;
  private durableWaiters: { ts: bigint; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly afterCommitTasks = new Map<bigint, Promise<void>>();
  private persistedTables = new Set<string>();
  private readonly listeners = new Set<(c: Commit) => void>();
  private readonly compactBytes: number;

  constructor(
    private readonly store: Store,
    private readonly idempotency: Idempotency,
    private readonly opts: CommitterOptions,
  ) {
    this.compactBytes = opts.compactBytes ?? DEFAULT_COMPACT_BYTES;
  }

  /** Opens the data directory's log and loads what it holds into the store (indexes not built). */
  async open(): Promise<void> {
    const { wal, recovered } = await Wal.open(this.opts.dataDir, this.opts.durable, this.opts.walHooks);
    this.wal = wal;
    if (recovered.truncatedBytes > 0) {
      this.opts.log(`[engine] write-ahead log had a torn or corrupt tail: truncated ${recovered.truncatedBytes} bytes after the last valid commit.`);
    }
    const state = loadRecovered(this.store, recovered, this.idempotency);
    this.ts = state.ts;
    this.persistedTables = state.persistedTables;
    this.publishedTs = this.ts;
  }

  onCommit(listener: (commit: Commit) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Commits waiting for the next log batch (not counting the batch being written). */
  get queuedRecords(): number {
    return this.wal.queuedRecords;
  }

  /**
   * Appends the transaction's writes (and its idempotency key and result) to the log's next batch and makes it
   * the latest commit; it is published once durable. The caller checked that the log has not failed.
   */
  append(tx: Tx, idem?: { k: string; r: JSONValue }): bigint {
    const now = BigInt(realNow()) * 1_000_000n;
    const ts = now > this.ts ? now : this.ts + 1n;
    const record: CommitRecord = { ts: ts.toString(), w: [] };
    const newTables: Record<string, number> = {};
    for (const [id, table] of tx.written) {
      const doc = this.store.tables.get(table)!.docs.get(id) ?? null;
      record.w.push([table, id, doc ? doc.json : null]);
      if (!this.persistedTables.has(table)) newTables[table] = this.store.tables.get(table)!.number;
    }
    if (Object.keys(newTables).length) record.t = newTables;
    if (idem) {
      record.k = idem.k;
      record.r = idem.r;
    }
    const writes: WriteSetImpl = { __brand: "WriteSet", entries: tx.entries };
    const afterCommit = tx.afterCommit;
    this.wal.append(record).then(
      () => this.publish(ts, writes, afterCommit),
      (e: unknown) => this.logFailed(e),
    );
    for (const t of Object.keys(newTables)) this.persistedTables.add(t);
    this.ts = ts;
    if (idem) this.idempotency.remember(idem.k, ts, idem.r);
    return ts;
  }

  /** Results (of queries and mutations) held until a commit they reflect is durable. */
  get resultsAwaitingDurability(): number {
    return this.durableWaiters.length;
  }

  /** Resolves once every commit up to `ts` is durable and delivered to onCommit; rejects if the log failed first. */
  waitDurable(ts: bigint): Promise<void> {
    if (ts <= this.publishedTs) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.durableWaiters.push({ ts, resolve, reject }));
  }

  /** Resolves once the commit at `ts` is published and its after-commit steps have run. */
  async waitPublished(ts: bigint): Promise<void> {
    await this.waitDurable(ts);
    await this.afterCommitTasks.get(ts);
  }

  /**
   * Releases a result only once the state it reflects (every commit up to `r.ts`, all of which it may have
   * read in memory) is durable, and after the after-commit steps of the commit at `r.ts` have run. If the log
   * failed first, the result is `onFailure`'s instead.
   */
  async release<T extends { ts: bigint }>(r: T, onFailure: (e: unknown) => T): Promise<T> {
    try {
      await this.waitDurable(r.ts);
    } catch (e) {
      return onFailure(e);
    }
    // Most commits have no after-commit steps: no await (and its promise) for them.
    const task = this.afterCommitTasks.get(r.ts);
    if (task !== undefined) await task;
    return r;
  }

  /** Called in commit order once a commit's log record is durable. */
  private publish(ts: bigint, writes: WriteSetImpl, afterCommit: Tx["afterCommit"]) {
    for (const l of this.listeners) {
      try {
        l({ ts, writes });
      } catch (e) {
        this.opts.log(`[engine] commit listener failed: ${String(e)}`);
      }
    }
    this.publishedTs = ts;
    if (afterCommit.length > 0) {
      const task = (async () => {
        for (const f of afterCommit) {
          try {
            await f();
          } catch (e) {
            this.opts.log(`[engine] after-commit step failed: ${String(e)}`);
          }
        }
      })();
      this.afterCommitTasks.set(ts, task);
      void task.finally(() => this.afterCommitTasks.delete(ts));
    }
    if (this.durableWaiters.length > 0) {
      const waiting: typeof this.durableWaiters = [];
      for (const w of this.durableWaiters) {
        if (w.ts <= ts) w.resolve();
        else waiting.push(w);
      }
      this.durableWaiters = waiting;
    }
  }

  private logFailed(e: unknown) {
    if (this.failure) return;
    const reason = e instanceof Error ? e.message : String(e);
    this.failure = new Error(
      `Could not write commits to ${this.opts.dataDir}: ${reason}. The backend accepts no more writes: fix the disk and restart it (acknowledged commits are on disk).`,
      { cause: e },
    );
    this.opts.log(`[engine] ${this.failure.message}`);
    for (const w of this.durableWaiters) w.reject(this.failure);
    this.durableWaiters = [];
  }

  /** Compacts once the log has grown past the threshold; the caller holds the mutation queue. */
  async compactIfDue(): Promise<void> {
    if (this.wal.totalBytes > this.compactBytes) await this.compact();
  }

  /** Writes a snapshot of the whole database and starts an empty log; the caller holds the mutation queue. */
  async compact(): Promise<void> {
    const tables: Record<string, number> = {};
    for (const t of this.store.tables.values()) tables[t.name] = t.number;
    const header: SnapshotHeader = { format: 1, ts: this.ts.toString(), tables, idempotency: this.idempotency.entries() };
    const store = this.store;
    function* docs(): Generator<[string, DocJson]> {
      for (const t of store.tables.values()) for (const d of t.docs.values()) yield [t.name, d.json];
    }
    await this.wal.compact(header, docs());
    for (const name of Object.keys(tables)) this.persistedTables.add(name);
  }

  /** Waits for every queued batch and every after-commit step, then closes the log. */
  async close(): Promise<void> {
    await this.wal.drain().catch(() => undefined);
    await Promise.all(this.afterCommitTasks.values());
    await this.wal.close();
  }
}
