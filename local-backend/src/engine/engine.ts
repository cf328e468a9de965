import { mkdirSync } from "node:fs";
import path from "node:path";
import type { JSONValue } from "convex/values";
import { Committer } from "./commit.js";
import { ChangeLog } from "./conflicts.js";
import { Documents } from "./documents.js";
import { Env } from "./env.js";
import { Functions, withoutMessage } from "./functions.js";
import { Idempotency } from "./idempotency.js";
import { describeComponents, evaluateAuthConfig, loadApp, type LoadedApp } from "./loader.js";
import { Mutations, type MutationResult } from "./mutations.js";
import { Queries } from "./queries.js";
import { QueryCache } from "./queryCache.js";
import { ReadIndexImpl } from "./readIndex.js";
import { latestCreationTime } from "./recovery.js";
import { installRuntime } from "./runtime.js";
import { Scheduler } from "./scheduler.js";
import { Schema } from "./schema.js";
import { Storage } from "./storage.js";
import { Store } from "./store.js";
import { Syscalls, type EngineParts } from "./syscalls.js";
import { entryHits, type ReadSetImpl, type WriteSetImpl } from "./transaction.js";
import { parseAuthProviders, type AuthProviderConfig } from "../auth/verify.js";
import type { Commit, Engine, EngineOptions, Identity, ReadIndex, ReadSet, RunResult, WriteSet } from "./types.js";
import type { WalHooks } from "./wal.js";

// The database engine: it composes the parts, each in its own file, and is the Engine of types.ts.
//   store.ts        the in-memory tables and indexes          transaction.ts  a transaction's reads, writes, limits
//   indexKeys.ts    one index's keys, in chunks                ids.ts, keys.ts ids; the order-preserving key encoding
//   commit.ts       the log, durability, publication           conflicts.ts    optimistic checks of queries
//   queries.ts      running queries                            mutations.ts    the mutation queue, idempotency
//   functions.ts    finding and invoking functions, actions    syscalls.ts     the runtime's operations
//   documents.ts    ctx.db get/insert/patch/replace/delete     queryStream.ts  ctx.db.query over an index
//   pagination.ts   paginate() and its journal                 schema.ts       indexes and validation
//   scheduler.ts    scheduled functions and crons              storage.ts      file storage
//   env.ts          environment variables                      recovery.ts     loading the data dir
// Invariants: every part is created in the constructor and wired once; `open` recovers the data dir, loads
// convex/ and starts the scheduler before any function runs; `close` stops the timers, then waits for the
// mutation queue, the log and the after-commit steps before closing the log.

/** Options only tests and benchmarks use. */
export interface EngineTestOptions {
  walHooks?: WalHooks;
}

export class EngineImpl implements Engine, EngineParts {
  readonly store = new Store();
  readonly committer: Committer;
  readonly documents: Documents;
  readonly functions: Functions;
  readonly queries: Queries;
  readonly mutations: Mutations;
  readonly scheduler: Scheduler;
  readonly storage: Storage;
  private readonly schema = new Schema(this.store);
  private readonly env: Env;
  private app!: LoadedApp;
  private generation = 0;
  private readonly reloadListeners = new Set<() => void>();
  private closed = false;
  private readonly log: (line: string) => void;
  private readonly storageDir: string;
  private authProblemsSaid = "";
  private componentsSaid: string | null = null;
  private readonly changeLog: ChangeLog;
  /** Results of public queries, for the next caller asking the same (queryCache.ts). */
  readonly queryCache = new QueryCache(new ReadIndexImpl());

  constructor(readonly opts: EngineOptions & EngineTestOptions) {
    this.log = opts.log ?? ((line) => process.stderr.write(line + "\n"));
    const durable = opts.durable ?? true;
    this.storageDir = path.join(opts.dataDir, "storage");
    this.env = new Env(opts.dataDir, opts.defaultEnv ?? {});
    const idempotency = new Idempotency();
    const changeLog = (this.changeLog = new ChangeLog());
    const app = () => this.app;
    this.committer = new Committer(this.store, idempotency, {
      dataDir: opts.dataDir,
      durable,
      compactBytes: opts.compactThresholdBytes,
      walHooks: opts.walHooks,
      log: this.log,
    });
    this.documents = new Documents(this.store, this.schema);
    this.functions = new Functions(app, this.store, () => this.committer.ts, new Syscalls(this), this.log);
    if (opts.now) this.functions.now = opts.now;
    if (opts.actionTimeLimitMs !== undefined) this.functions.actionTimeLimitMs = opts.actionTimeLimitMs;
    this.mutations = new Mutations(this.store, this.functions, changeLog, this.committer, idempotency, (tx) => this.scheduler.noteCommitted(tx));
    this.queries = new Queries(this.functions, changeLog, this.mutations, this.committer, this.queryCache);
    // Before any other listener: a commit's onCommit delivery removes what it changed from the cache.
    this.committer.onCommit((commit) => this.queryCache.onCommit(commit.writes));
    this.reloadListeners.add(() => this.queryCache.clear());
    this.scheduler = new Scheduler(app, this.store, this.documents, this.functions, this.mutations, this.log);
    this.storage = new Storage(this.storageDir, durable, opts.siteUrl, this.store, this.documents, this.mutations);
    this.store.onChange = (entry) => changeLog.record(entry, this.mutations.pending);
  }

  async open() {
    installRuntime();
    mkdirSync(this.storageDir, { recursive: true });
    this.env.load();
    // convex/ is bundled (esbuild runs in its own process) while the data dir is read.
    const app = loadApp(this.opts.convexDir, path.join(this.opts.dataDir, "build"), ++this.generation);
    // Awaited below; this only keeps a failure during the read from being reported as unhandled.
    app.catch(() => undefined);
    await this.committer.open();
    this.documents.lastCreationTime = latestCreationTime(this.store);
    this.app = await app;
    this.schema.apply(this.app);
    this.sayComponents(this.app);
    await this.scheduler.start();
  }

  /** Says once, at start, which components convex.config.ts installs (none run here); again only if that changes. */
  private sayComponents(app: LoadedApp) {
    const line = describeComponents(app.components);
    if (line === this.componentsSaid) return;
    this.componentsSaid = line;
    if (line !== null) this.log(line);
  }

  // ------------------------------------------------------------------------------- functions

  runQuery(
    udfPath: string,
    args: JSONValue,
    identity: Identity | null,
    opts?: { journal?: string | null },
  ): Promise<RunResult & { ts: bigint; reads: ReadSet | null; journal?: string | null }> {
    return this.queries.run(udfPath, args, identity, false, opts?.journal).then(withoutMessage);
  }

  runMutation(udfPath: string, args: JSONValue, identity: Identity | null, opts?: { idempotencyKey?: string }): Promise<MutationResult> {
    return this.mutations.run(udfPath, args, identity, opts?.idempotencyKey).then(withoutMessage);
  }

  runAction(udfPath: string, args: JSONValue, identity: Identity | null): Promise<RunResult> {
    return this.functions.runAction(udfPath, args, identity, false).then(withoutMessage);
  }

  runAdmin(kind: "query" | "mutation", udfPath: string, args: JSONValue): Promise<RunResult> {
    const run = kind === "query" ? this.queries.run(udfPath, args, null, true) : this.mutations.runInternal(udfPath, args, null);
    return run.then(withoutMessage);
  }

  runHttpAction(request: Request, identity: Identity | null): Promise<Response | null> {
    return this.functions.runHttpAction(request, identity);
  }

  // ------------------------------------------------------------------------------- commits and reactivity

  onCommit(listener: (commit: Commit) => void): () => void {
    return this.committer.onCommit(listener);
  }

  onReload(listener: () => void): () => void {
    this.reloadListeners.add(listener);
    return () => this.reloadListeners.delete(listener);
  }

  currentTs(): bigint {
    return this.committer.publishedTs;
  }

  /** Commits waiting for the next log batch (not counting the batch being written); for tests. */
  walQueuedRecords(): number {
    return this.committer.queuedRecords;
  }

  /**
   * Resolves once the engine has nothing it can do on its own: no mutation queued or running, no query running,
   * and no scheduled job running or due. Results still waiting for a log batch to be durable are parked
   * (`resultsAwaitingDurability`), not running; jobs due later, and actions a client started, are not counted.
   * Lets a test check that something did not happen, or read a settled state, without sleeping.
   */
  async idle(): Promise<void> {
    // A query that conflicted waits for the queue and runs again, a queued task may start a query, and a job
    // queues mutations: all must be quiet at the same moment.
    while (!this.mutations.isIdle || this.changeLog.runningReads > 0 || this.scheduler.busy) {
      await this.mutations.idle();
      await this.changeLog.noReads();
      await this.scheduler.quiet();
    }
  }

  /** Results held until the commit they reflect is durable; for tests. */
  resultsAwaitingDurability(): number {
    return this.committer.resultsAwaitingDurability;
  }

  invalidates(reads: ReadSet, writes: WriteSet): boolean {
    const r = reads as ReadSetImpl;
    for (const entry of (writes as WriteSetImpl).entries) if (entryHits(r, entry)) return true;
    return false;
  }

  newReadIndex<T>(): ReadIndex<T> {
    return new ReadIndexImpl<T>();
  }

  // ------------------------------------------------------------------------------- storage

  storeBlob(bytes: Uint8Array, contentType: string | null): Promise<string> {
    return this.storage.storeBlob(bytes, contentType);
  }

  getBlob(storageId: string): Promise<{ bytes: Uint8Array; contentType: string | null; sha256: string } | null> {
    return this.storage.getBlob(storageId);
  }

  uploadTokenValid(token: string): boolean {
    return this.storage.uploadTokenValid(token);
  }

  consumeUploadToken(token: string): boolean {
    return this.storage.consumeUploadToken(token);
  }

  // ------------------------------------------------------------------------------- environment and app

  getEnv(): Record<string, string> {
    return this.env.get();
  }

  /** Queries read process.env too: each subscription runs again with the new value, as after new code. */
  async setEnv(name: string, value: string | null): Promise<void> {
    await this.env.set(name, value);
    for (const l of this.reloadListeners) l();
  }

  authProviders(): AuthProviderConfig[] {
    if (!this.app.authConfigCode) return [];
    const { providers, problems } = parseAuthProviders(evaluateAuthConfig(this.app.authConfigCode, this.opts.convexDir));
    // Said once per distinct set of problems (the config is re-read for every token, to see the current env).
    const said = problems.join("\n");
    if (said !== this.authProblemsSaid) {
      this.authProblemsSaid = said;
      for (const problem of problems) this.log(`[auth] ${problem} Tokens of this provider will be refused.`);
    }
    return providers;
  }

  async reload(): Promise<void> {
    let app: LoadedApp;
    try {
      app = await loadApp(this.opts.convexDir, path.join(this.opts.dataDir, "build"), ++this.generation);
    } catch (e) {
      this.log(`[engine] Failed to load convex/ (keeping the previous functions):\n${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    // Between two mutations, so no transaction sees the indexes change under it.
    await this.mutations.enqueue(() => {
      this.app = app;
      this.schema.apply(app);
      return Promise.resolve();
    });
    this.sayComponents(app);
    this.scheduler.startCrons();
    for (const l of this.reloadListeners) l();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.scheduler.close();
    await this.mutations.idle();
    await this.committer.close();
  }
}
