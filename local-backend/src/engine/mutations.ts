import type { JSONValue } from "convex/values";
import type { ChangeLog } from "./conflicts.js";
import type { Committer } from "./commit.js";
import { failure, type Functions, type Outcome, type Registered } from "./functions.js";
import type { Idempotency } from "./idempotency.js";
import type { Store } from "./store.js";
import { newTx, rollback, type Tx } from "./transaction.js";
import type { Identity, RunResult } from "./types.js";

// Mutations and the engine's own system transactions, run one at a time in one queue. Invariants:
// - At most one transaction writes at a time: the queue's `pending` one. Its writes are in the store at once
//   (queries may see them half-done; conflicts.ts makes them re-run) and are undone on a throw, so a failed
//   mutation changes nothing.
// - A mutation commits (joins the log's next batch, commit.ts) before the next one starts; its result is
//   released only once its commit is durable and published.
// - A mutation with an idempotency key runs at most once: a repeat gets the remembered result (once durable),
//   and a repeat arriving while the first is still running gets the first's promise.

export type MutationResult = RunResult & { ts: bigint };

export class Mutations {
  /** The transaction of the mutation now running, if any. */
  pending: Tx | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Tasks queued and not yet finished (the running one included). */
  private queued = 0;
  private readonly inflight = new Map<string, Promise<MutationResult>>();

  constructor(
    private readonly store: Store,
    private readonly functions: Functions,
    private readonly changeLog: ChangeLog,
    private readonly committer: Committer,
    private readonly idempotency: Idempotency,
    /** Called with every transaction just committed (the scheduler watches its jobs' writes). */
    private readonly onCommitted: (tx: Tx) => void,
  ) {}

  enqueue<T>(fn: () => Promise<T>): Promise<T> {
    this.queued++;
    const run = this.queue.then(fn).finally(() => this.queued--);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every task queued so far has run. */
  idle(): Promise<unknown> {
    return this.queue;
  }

  /** True when no task is queued or running. */
  get isIdle(): boolean {
    return this.queued === 0;
  }

  /** A public mutation, as a client calls it. */
  run(udfPath: string, args: JSONValue, identity: Identity | null, key?: string): Promise<Outcome & { ts: bigint }> {
    if (key !== undefined) {
      const done = this.idempotency.get(key);
      if (done) return this.release({ ok: true, value: done.result, logLines: [], ts: done.ts });
      const running = this.inflight.get(key);
      if (running) return running;
    }
    const p = this.enqueue(() => this.runNow(udfPath, args, identity, false, key)).then((r) => this.release(r));
    if (key !== undefined) {
      this.inflight.set(key, p);
      void p.finally(() => this.inflight.delete(key));
    }
    return p;
  }

  /** A mutation called by the backend itself (ctx.runMutation from an action, a cron): internal ones allowed. */
  runInternal(udfPath: string, args: JSONValue, identity: Identity | null): Promise<Outcome & { ts: bigint }> {
    return this.enqueue(() => this.runNow(udfPath, args, identity, true)).then((r) => this.release(r));
  }

  private release(r: Outcome & { ts: bigint }): Promise<Outcome & { ts: bigint }> {
    return this.committer.release(r, (e) => ({ ...failure(e), logLines: r.logLines, ts: this.committer.publishedTs }));
  }

  /**
   * Runs a mutation now; the caller holds the queue. `beforeCommit` may add writes to a successful mutation's
   * transaction (a scheduled job's state commits with the job).
   */
  async runNow(
    udfPath: string,
    args: JSONValue,
    identity: Identity | null,
    allowInternal: boolean,
    key?: string,
    beforeCommit?: (tx: Tx, out: Outcome) => void,
  ): Promise<Outcome & { ts: bigint }> {
    let fn: Registered;
    try {
      fn = this.functions.resolve(udfPath, "mutation", allowInternal);
    } catch (e) {
      return { ...failure(e), ts: this.committer.ts };
    }
    const tx = this.begin();
    const out = await this.functions.invoke(fn, "mutation", this.functions.newFrame("mutation", udfPath, identity, tx, JSON.stringify(args)), args);
    if (!out.ok) {
      await rollback(this.store, tx, 0);
      this.end();
      return { ...out, ts: this.committer.ts };
    }
    try {
      beforeCommit?.(tx, out);
      const ts = await this.commit(tx, key !== undefined ? { k: key, r: out.value } : undefined);
      return { ...out, ts };
    } catch (e) {
      return { ...failure(e), logLines: out.logLines, ts: this.committer.ts };
    }
  }

  /** Runs `body` as a system transaction in the queue; resolves once it is durable and published. */
  async transact<T>(body: (tx: Tx) => T | Promise<T>): Promise<T> {
    const { result, ts } = await this.enqueue(() => this.transactNow(body));
    await this.committer.waitPublished(ts);
    return result;
  }

  /** Runs `body` as a transaction now (the caller holds the queue); `ts` is its commit's. */
  async transactNow<T>(body: (tx: Tx) => T | Promise<T>): Promise<{ result: T; ts: bigint }> {
    const tx = this.begin();
    let result: T;
    try {
      result = await body(tx);
    } catch (e) {
      await rollback(this.store, tx, 0);
      this.end();
      throw e;
    }
    const ts = await this.commit(tx);
    return { result, ts };
  }

  private begin(): Tx {
    const tx = newTx("mutation", this.changeLog.current);
    this.pending = tx;
    return tx;
  }

  private end() {
    this.pending = null;
    this.changeLog.prune(null);
  }

  /**
   * Commits the transaction (group commit): its record joins the log's next batch and the next mutation may
   * run at once. Callers release results through `Committer.release`. If the log has failed the transaction
   * is rolled back.
   */
  private async commit(tx: Tx, idem?: { k: string; r: JSONValue }): Promise<bigint> {
    if (tx.written.size === 0 && !idem) {
      this.end();
      return this.committer.ts;
    }
    if (this.committer.failure) {
      await rollback(this.store, tx, 0);
      this.end();
      throw this.committer.failure;
    }
    const ts = this.committer.append(tx, idem);
    this.end();
    this.onCommitted(tx);
    await this.committer.compactIfDue();
    return ts;
  }
}
