import { createHash, randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { readFile, rm, writeFile, open } from "node:fs/promises";
import path from "node:path";
import { crc32 } from "node:zlib";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { Commit, Engine, EngineOptions, Identity, ReadSet, RunResult, WriteSet } from "./types.js";
import { nextRun, type Schedule } from "./cron.js";
import { decodeMaybeUndefined, evaluate } from "./filter.js";
import { newId } from "./ids.js";
import { cursorToKey, encodeValue, keyToCursor, lowerBound, MAX_SUFFIX } from "./keys.js";
import { evaluateAuthConfig, loadApp, type LoadedApp } from "./loader.js";
import { als, installRuntime, realNow, seededRandom, type Frame, type FrameKind, type SyscallHandler } from "./runtime.js";
import { BY_CREATION_TIME, BY_ID, makeDoc, Store, SYSTEM_TABLES, type Doc, type DocJson, type Index, type IndexDef, type Table, type WriteEntry } from "./store.js";
import { validateValue, type VJson } from "./validate.js";
import { Wal, type CommitRecord, type SnapshotHeader, type WalHooks } from "./wal.js";

export const LIMITS = {
  documentBytes: 1 << 20,
  nestingDepth: 64,
  documentsWritten: 16_000,
  documentsScanned: 32_000,
  bytesRead: 16 << 20,
  bytesWritten: 16 << 20,
};
const DEFAULT_COMPACT_BYTES = 64 << 20;
const IDEMPOTENCY_ENTRIES = 10_000;
const UPLOAD_TOKEN_MS = 60 * 60 * 1000;
const OCC_RETRIES = 4;

// ---------------------------------------------------------------------------------------------
// Read and write sets

interface Range {
  lo: string;
  hi: string;
}

class ReadSetImpl {
  declare readonly __brand: "ReadSet";
  ranges = new Map<string, Range[]>();
  add(table: string, index: string, range: Range) {
    const k = table + "\0" + index;
    let list = this.ranges.get(k);
    if (!list) this.ranges.set(k, (list = []));
    list.push(range);
  }
}

interface WriteSetImpl {
  readonly __brand: "WriteSet";
  entries: WriteEntry[];
}

function entryHits(reads: ReadSetImpl, entry: WriteEntry): boolean {
  for (const [index, key] of entry.keys) {
    const ranges = reads.ranges.get(entry.table + "\0" + index);
    if (!ranges) continue;
    for (const r of ranges) if (key >= r.lo && key < r.hi) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Transactions

interface Tx {
  id: number;
  kind: "query" | "mutation";
  reads: ReadSetImpl;
  undo: { table: string; id: string; old: Doc | null }[];
  written: Map<string, string>;
  entries: WriteEntry[];
  startSeq: number;
  writes: number;
  bytesWritten: number;
  scanned: number;
  bytesRead: number;
  streams: Map<number, QueryStream>;
  nextStreamId: number;
  afterCommit: (() => void | Promise<void>)[];
  onRollback: (() => void | Promise<void>)[];
  /**
   * A subscribed query's journal: the end cursor its paginate() call reached the first time. Later runs end
   * there, so the page takes in new rows before that point instead of sliding (as Convex does).
   */
  pageEndIn?: string | null;
  pageEndOut?: string;
}

function parseJournal(journal: string | null | undefined): string | null {
  if (!journal) return null;
  try {
    const parsed = JSON.parse(journal) as { endCursor?: unknown };
    return typeof parsed.endCursor === "string" ? parsed.endCursor : null;
  } catch {
    return null;
  }
}

const journalOf = (tx: Tx): string | null => (tx.pageEndOut === undefined ? null : JSON.stringify({ endCursor: tx.pageEndOut }));

type SerializedQuery = {
  source:
    | { type: "FullTableScan"; tableName: string; order: "asc" | "desc" | null }
    | { type: "IndexRange"; indexName: string; range: { type: string; fieldPath: string; value: JSONValue }[]; order: "asc" | "desc" | null }
    | { type: "Search"; indexName: string };
  operators: ({ filter: JSONValue } | { limit: number })[];
};

/** A scan over one index range; positions are tracked by key so writes during iteration are safe. */
class QueryStream {
  lastKey: string | null = null;
  done = false;
  private pos = -1;
  private counts: number[];
  readonly range: Range;

  constructor(
    private readonly engine: EngineImpl,
    private readonly tx: Tx,
    readonly table: Table,
    readonly index: Index,
    public lo: string,
    public hi: string,
    readonly order: "asc" | "desc",
    private readonly operators: SerializedQuery["operators"],
  ) {
    this.counts = operators.map(() => 0);
    this.range = order === "asc" ? { lo, hi: lo } : { lo: hi, hi };
    tx.reads.add(table.name, index.def.name, this.range);
  }

  private finish() {
    this.done = true;
    this.range.lo = this.lo;
    this.range.hi = this.hi;
  }

  next(): Doc | null {
    for (;;) {
      if (this.done) return null;
      const keys = this.index.keys;
      let pos: number;
      if (this.order === "asc") {
        if (this.lastKey === null) pos = lowerBound(keys, this.lo);
        else if (this.pos >= 0 && keys[this.pos] === this.lastKey) pos = this.pos + 1;
        else pos = lowerBound(keys, this.lastKey, true);
        if (pos >= keys.length || keys[pos] >= this.hi) {
          this.finish();
          return null;
        }
      } else {
        if (this.lastKey === null) pos = lowerBound(keys, this.hi) - 1;
        else if (this.pos >= 0 && keys[this.pos] === this.lastKey) pos = this.pos - 1;
        else pos = lowerBound(keys, this.lastKey) - 1;
        if (pos < 0 || keys[pos] < this.lo) {
          this.finish();
          return null;
        }
      }
      const key = keys[pos];
      this.pos = pos;
      this.lastKey = key;
      if (this.order === "asc") this.range.hi = key + "\0";
      else this.range.lo = key;
      const doc = this.table.docs.get(this.index.ids[pos])!;
      this.engine.countRead(this.tx, doc);
      let pass = true;
      for (let i = 0; i < this.operators.length && pass; i++) {
        const op = this.operators[i];
        if ("filter" in op) {
          pass = evaluate(op.filter, doc.value) === true;
        } else if (this.counts[i] >= op.limit) {
          this.finish();
          return null;
        } else {
          this.counts[i]++;
        }
      }
      if (!pass) continue;
      this.operators.forEach((op, i) => {
        if ("limit" in op && this.counts[i] >= op.limit) this.done = true;
      });
      return doc;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Errors

/** An error raised by a called function, carried across syscalls with its ConvexError data. */
class FunctionError extends Error {
  constructor(
    message: string,
    readonly data: JSONValue | undefined,
  ) {
    super(message);
  }
}

function errorInfo(e: unknown): { message: string; formatted: string; errorData?: JSONValue } {
  if (typeof e === "object" && e !== null && Symbol.for("ConvexError") in e) {
    const err = e as { message: string; data: unknown; ConvexErrorSymbol?: symbol };
    let data: JSONValue;
    try {
      data =
        err.ConvexErrorSymbol !== undefined && typeof err.data === "string"
          ? (JSON.parse(err.data) as JSONValue)
          : convexToJson((err.data ?? null) as Value);
    } catch {
      data = null;
    }
    return { message: err.message, formatted: `Uncaught ConvexError: ${err.message}`, errorData: data };
  }
  if (e instanceof FunctionError) {
    return { message: e.message, formatted: e.message, ...(e.data !== undefined ? { errorData: e.data } : {}) };
  }
  if (e instanceof Error) return { message: e.message, formatted: `Uncaught ${e.name}: ${e.message}` };
  return { message: String(e), formatted: `Uncaught ${String(e)}` };
}

function nestingDepth(v: Value | undefined): number {
  if (Array.isArray(v)) {
    let max = 0;
    for (const x of v) max = Math.max(max, nestingDepth(x));
    return max + 1;
  }
  if (typeof v === "object" && v !== null && !(v instanceof ArrayBuffer) && v.constructor === Object) {
    let max = 0;
    for (const x of Object.values(v as Record<string, Value>)) max = Math.max(max, nestingDepth(x));
    return max + 1;
  }
  return 0;
}

interface Registered {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  isInternal?: boolean;
  invokeQuery?: (args: string) => Promise<string>;
  invokeMutation?: (args: string) => Promise<string>;
  invokeAction?: (requestId: string, args: string) => Promise<string>;
  exportArgs(): string;
  exportReturns(): string;
}

type Kind = "query" | "mutation" | "action";
const KIND_NAMES: Record<Kind, string> = { query: "Query", mutation: "Mutation", action: "Action" };

interface TableSchema {
  tableName: string;
  indexes: { indexDescriptor: string; fields: string[] }[];
  documentType: VJson;
}

type Outcome = RunResult & { message?: string };
type QueryOutcome = Outcome & { ts: bigint; reads: ReadSet | null; journal: string | null };

/** Options only tests use. */
export interface EngineTestOptions {
  walHooks?: WalHooks;
}

function withoutMessage<T extends Outcome>(out: T): T {
  const copy = { ...out };
  delete copy.message;
  return copy;
}

// ---------------------------------------------------------------------------------------------

export class EngineImpl implements Engine, SyscallHandler {
  readonly store = new Store();
  private wal!: Wal;
  private app!: LoadedApp;
  private schemaTables = new Map<string, TableSchema>();
  private schemaValidation = false;
  /** Timestamp of the latest commit applied in memory (it may not be durable yet). */
  private ts = 0n;
  /** Every commit up to this timestamp is durable and has been delivered to onCommit listeners. */
  private publishedTs = 0n;
  private durableWaiters: { ts: bigint; resolve: () => void; reject: (e: Error) => void }[] = [];
  /** Set when a log write fails: memory then holds commits the disk may lack, so nothing more is acknowledged. */
  private walFailure: Error | null = null;
  private readonly afterCommitTasks = new Map<bigint, Promise<void>>();
  private lastCreationTime = 0;
  private persistedTables = new Set<string>();
  private generation = 0;
  private readonly commitListeners = new Set<(c: Commit) => void>();
  private readonly reloadListeners = new Set<() => void>();
  private queue: Promise<unknown> = Promise.resolve();
  private pendingTx: Tx | null = null;
  private txCounter = 0;
  private seq = 0;
  private changeLog: { seq: number; txId: number; entry: WriteEntry }[] = [];
  private activeReads = new Map<number, number>();
  private readCounter = 0;
  private readonly idempotency = new Map<string, { ts: bigint; result: JSONValue }>();
  private readonly inflight = new Map<string, Promise<RunResult & { ts: bigint }>>();
  private readonly uploadTokens = new Map<string, number>();
  private readonly pendingJobs = new Map<string, number>();
  private jobTimer: NodeJS.Timeout | null = null;
  private cronTimers: NodeJS.Timeout[] = [];
  private env: Record<string, string> = {};
  private closed = false;
  private readonly log: (line: string) => void;
  private readonly durable: boolean;
  private readonly compactBytes: number;
  private readonly storageDir: string;

  constructor(readonly opts: EngineOptions & EngineTestOptions) {
    this.log = opts.log ?? ((line) => process.stderr.write(line + "\n"));
    this.durable = opts.durable ?? true;
    this.compactBytes = opts.compactThresholdBytes ?? DEFAULT_COMPACT_BYTES;
    this.storageDir = path.join(opts.dataDir, "storage");
  }

  // ------------------------------------------------------------------------------- startup

  async open() {
    installRuntime();
    const { dataDir } = this.opts;
    mkdirSync(this.storageDir, { recursive: true });
    this.loadEnv();

    const { wal, recovered } = await Wal.open(dataDir, this.durable, this.opts.walHooks);
    this.wal = wal;
    if (recovered.truncatedBytes > 0) {
      this.log(`[engine] write-ahead log had a torn or corrupt tail: truncated ${recovered.truncatedBytes} bytes after the last valid commit.`);
    }
    const store = this.store;
    if (recovered.header) {
      for (const [name, num] of Object.entries(recovered.header.tables)) {
        store.ensureTable(name, num);
        this.persistedTables.add(name);
      }
      this.ts = BigInt(recovered.header.ts);
      for (const [k, ts, r] of recovered.header.idempotency) this.rememberIdempotent(k, BigInt(ts), r);
    }
    for (const [table, json] of recovered.docs) store.loadDoc(makeDoc(table, json));
    for (const record of recovered.records) {
      for (const [name, num] of Object.entries(record.t ?? {})) {
        store.ensureTable(name, num);
        this.persistedTables.add(name);
      }
      for (const [table, id, json] of record.w) {
        const t = store.ensureTable(table);
        if (json) t.docs.set(id, makeDoc(table, json));
        else t.docs.delete(id);
      }
      const ts = BigInt(record.ts);
      if (ts > this.ts) this.ts = ts;
      if (record.k !== undefined) this.rememberIdempotent(record.k, ts, record.r ?? null);
    }
    for (const name of Object.keys(SYSTEM_TABLES)) this.persistedTables.add(name);
    this.publishedTs = this.ts;
    for (const t of store.tables.values()) {
      for (const d of t.docs.values()) {
        const ct = d.json._creationTime as number;
        if (ct > this.lastCreationTime) this.lastCreationTime = ct;
      }
    }

    this.app = await loadApp(this.opts.convexDir, path.join(dataDir, "build"), ++this.generation);
    this.applySchema();
    store.onChange = (entry) => this.onStoreChange(entry);

    await this.recoverJobs();
    this.startCrons();
  }

  private applySchema() {
    this.schemaTables = new Map();
    this.schemaValidation = false;
    const schema = this.app.schema;
    if (schema && typeof schema.export === "function") {
      const exported = JSON.parse(schema.export()) as { tables: TableSchema[]; schemaValidation: boolean };
      this.schemaValidation = exported.schemaValidation;
      for (const t of exported.tables) this.schemaTables.set(t.tableName, t);
    }
    const defs = new Map<string, IndexDef[]>();
    for (const t of this.schemaTables.values()) {
      defs.set(
        t.tableName,
        t.indexes.map((i) => ({ name: i.indexDescriptor, fields: i.fields })),
      );
      this.store.ensureTable(t.tableName);
    }
    this.store.setIndexDefs(defs);
  }

  // ------------------------------------------------------------------------------- env

  private envFile() {
    return path.join(this.opts.dataDir, "env.json");
  }

  private loadEnv() {
    const file = this.envFile();
    this.env = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, string>) : {};
    for (const [k, v] of Object.entries(this.opts.defaultEnv ?? {})) process.env[k] = v;
    for (const [k, v] of Object.entries(this.env)) process.env[k] = v;
  }

  getEnv(): Record<string, string> {
    return { ...this.env };
  }

  async setEnv(name: string, value: string | null): Promise<void> {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,39}$/.test(name)) {
      throw new Error(`Invalid environment variable name "${name}": use letters, digits and underscores (at most 40), not starting with a digit.`);
    }
    const next = { ...this.env };
    if (value === null) delete next[name];
    else next[name] = value;
    const tmp = this.envFile() + ".tmp";
    await writeFile(tmp, JSON.stringify(next, null, 2));
    renameSync(tmp, this.envFile());
    this.env = next;
    if (value === null) {
      const fallback = this.opts.defaultEnv?.[name];
      if (fallback !== undefined) process.env[name] = fallback;
      else delete process.env[name];
    } else {
      process.env[name] = value;
    }
  }

  authProviders(): { domain: string; applicationID: string }[] {
    if (!this.app.authConfigCode) return [];
    const config = evaluateAuthConfig(this.app.authConfigCode, this.opts.convexDir);
    const providers = (config?.providers ?? []) as { domain?: string; issuer?: string; applicationID?: string }[];
    return providers
      .map((p) => ({ domain: p.domain ?? p.issuer ?? "", applicationID: p.applicationID ?? "" }))
      .filter((p) => p.domain !== "");
  }

  // ------------------------------------------------------------------------------- listeners

  onCommit(listener: (commit: Commit) => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  onReload(listener: () => void): () => void {
    this.reloadListeners.add(listener);
    return () => this.reloadListeners.delete(listener);
  }

  currentTs(): bigint {
    return this.publishedTs;
  }

  /** Commits waiting for the next log batch (not counting the batch being written); for tests. */
  walQueuedRecords(): number {
    return this.wal.queuedRecords;
  }

  invalidates(reads: ReadSet, writes: WriteSet): boolean {
    const r = reads as unknown as ReadSetImpl;
    for (const entry of (writes as unknown as WriteSetImpl).entries) if (entryHits(r, entry)) return true;
    return false;
  }

  async reload(): Promise<void> {
    let app: LoadedApp;
    try {
      app = await loadApp(this.opts.convexDir, path.join(this.opts.dataDir, "build"), ++this.generation);
    } catch (e) {
      this.log(`[engine] Failed to load convex/ (keeping the previous functions):\n${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    await this.enqueue(async () => {
      this.app = app;
      this.applySchema();
    });
    this.startCrons();
    for (const l of this.reloadListeners) l();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.jobTimer) clearTimeout(this.jobTimer);
    for (const t of this.cronTimers) clearTimeout(t);
    await this.queue.catch(() => undefined);
    await this.wal.drain().catch(() => undefined);
    await Promise.all(this.afterCommitTasks.values());
    await this.wal.close();
  }

  // ------------------------------------------------------------------------------- functions

  private resolve(udfPath: string, kind: Kind, allowInternal: boolean): Registered {
    const colon = udfPath.indexOf(":");
    let mod = colon === -1 ? udfPath : udfPath.slice(0, colon);
    const name = colon === -1 ? "default" : udfPath.slice(colon + 1);
    mod = mod.replace(/\.(js|ts|jsx|tsx|mjs|cjs)$/, "");
    const fn = this.app.modules.get(mod)?.[name] as Registered | undefined;
    const isFn = fn !== undefined && (fn.isQuery || fn.isMutation || fn.isAction);
    if (!isFn || (!allowInternal && !fn.isPublic)) {
      throw new FunctionError(
        allowInternal
          ? `Could not find function for '${udfPath}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`
          : `Could not find public function for '${udfPath}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`,
        undefined,
      );
    }
    const actual: Kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
    if (actual !== kind) {
      throw new FunctionError(`Trying to execute ${udfPath} as ${KIND_NAMES[kind]}, but it is defined as ${KIND_NAMES[actual]}.`, undefined);
    }
    return fn;
  }

  private validatorCache = new WeakMap<Registered, { args: VJson; returns: VJson | null }>();

  private validators(fn: Registered) {
    let v = this.validatorCache.get(fn);
    if (!v) {
      v = { args: JSON.parse(fn.exportArgs()) as VJson, returns: JSON.parse(fn.exportReturns()) as VJson | null };
      this.validatorCache.set(fn, v);
    }
    return v;
  }

  private resolveIdTable = (id: string) => this.store.tableOfId(id);

  private newFrame(kind: FrameKind, udfPath: string, identity: Identity | null, tx: Tx | null, argsJson: string): Frame {
    const nowMs = kind === "action" ? null : realNow();
    return {
      handler: this,
      kind,
      path: udfPath,
      identity,
      nowMs,
      rng: kind === "action" ? null : seededRandom(crc32(`${udfPath}\0${argsJson}\0${this.ts}\0${nowMs}`)),
      logLines: [],
      requestId: randomUUID(),
      tx,
      closed: false,
    };
  }

  /** Runs a resolved function in `frame`, validating arguments and return value. Never throws. */
  private async invoke(fn: Registered, kind: Kind, frame: Frame, args: JSONValue): Promise<Outcome> {
    const { args: argsV, returns: returnsV } = this.validators(fn);
    let decoded: Value;
    try {
      decoded = jsonToConvex(args);
    } catch (e) {
      frame.closed = true;
      const message = `ArgumentValidationError: ${e instanceof Error ? e.message : String(e)}`;
      return { ok: false, error: message, message, logLines: frame.logLines };
    }
    const argErr = validateValue(argsV, decoded, this.resolveIdTable);
    if (argErr) {
      frame.closed = true;
      const message = `ArgumentValidationError: ${argErr}`;
      return { ok: false, error: message, message, logLines: frame.logLines };
    }
    // Registered functions spread the parsed JSON into (ctx, ...args): it is the argument array.
    const argsStr = JSON.stringify([args]);
    try {
      const out = await als.run(frame, () =>
        kind === "query" ? fn.invokeQuery!(argsStr) : kind === "mutation" ? fn.invokeMutation!(argsStr) : fn.invokeAction!(frame.requestId, argsStr),
      );
      const value = JSON.parse(out) as JSONValue;
      if (returnsV) {
        const retErr = validateValue(returnsV, jsonToConvex(value), this.resolveIdTable);
        if (retErr) {
          const message = `ReturnsValidationError: ${retErr}`;
          return { ok: false, error: message, message, logLines: frame.logLines };
        }
      }
      return { ok: true, value, logLines: frame.logLines };
    } catch (e) {
      const info = errorInfo(e);
      return {
        ok: false,
        error: info.formatted,
        message: info.message,
        ...(info.errorData !== undefined ? { errorData: info.errorData } : {}),
        logLines: frame.logLines,
      };
    } finally {
      frame.closed = true;
      if (frame.tx) (frame.tx as Tx).streams.clear();
    }
  }

  private failure(e: unknown): Outcome {
    const info = errorInfo(e);
    return { ok: false, error: info.formatted, message: info.message, ...(info.errorData !== undefined ? { errorData: info.errorData } : {}), logLines: [] };
  }

  // ------------------------------------------------------------------------------- queries

  runQuery(
    udfPath: string,
    args: JSONValue,
    identity: Identity | null,
    opts?: { journal?: string | null },
  ): Promise<RunResult & { ts: bigint; reads: ReadSet | null; journal?: string | null }> {
    return this.runQueryInternal(udfPath, args, identity, false, opts?.journal).then(withoutMessage);
  }

  private async runQueryInternal(
    udfPath: string,
    args: JSONValue,
    identity: Identity | null,
    allowInternal: boolean,
    journal?: string | null,
  ): Promise<QueryOutcome> {
    let fn: Registered;
    try {
      fn = this.resolve(udfPath, "query", allowInternal);
    } catch (e) {
      return { ...this.failure(e), ts: this.publishedTs, reads: null, journal: null };
    }
    for (let attempt = 0; ; attempt++) {
      if (attempt >= OCC_RETRIES) {
        // Starved by concurrent writes: run between mutations, where nothing can interleave.
        const result = await this.enqueue(async (): Promise<QueryOutcome> => {
          const tx = this.newTx("query");
          tx.pageEndIn = parseJournal(journal);
          const out = await this.invoke(fn, "query", this.newFrame("query", udfPath, identity, tx, JSON.stringify(args)), args);
          return { ...out, ts: this.ts, reads: tx.reads as unknown as ReadSet, journal: journalOf(tx) };
        });
        return this.settleQuery(result);
      }
      const token = ++this.readCounter;
      const startSeq = this.seq;
      this.activeReads.set(token, startSeq);
      const tx = this.newTx("query");
      tx.pageEndIn = parseJournal(journal);
      let out: Outcome;
      try {
        out = await this.invoke(fn, "query", this.newFrame("query", udfPath, identity, tx, JSON.stringify(args)), args);
      } finally {
        this.activeReads.delete(token);
      }
      const pending = this.pendingTx;
      const conflict = this.changeLog.some(
        (c) => (c.seq > startSeq || (pending !== null && c.txId === pending.id)) && entryHits(tx.reads, c.entry),
      );
      this.pruneChangeLog();
      if (!conflict) return this.settleQuery({ ...out, ts: this.ts, reads: tx.reads as unknown as ReadSet, journal: journalOf(tx) });
      await this.queue.catch(() => undefined);
    }
  }

  // ------------------------------------------------------------------------------- durability

  /** Resolves once every commit up to `ts` is durable and delivered to onCommit; rejects if the log failed first. */
  private waitDurable(ts: bigint): Promise<void> {
    if (ts <= this.publishedTs) return Promise.resolve();
    if (this.walFailure) return Promise.reject(this.walFailure);
    return new Promise((resolve, reject) => this.durableWaiters.push({ ts, resolve, reject }));
  }

  /**
   * Releases a result only once the state it reflects (every commit up to `r.ts`, all of which it may have
   * read in memory) is durable, and after the after-commit steps of the commit at `r.ts` have run.
   */
  private async settle<T extends Outcome & { ts: bigint }>(r: T, onFailure: (e: unknown) => T): Promise<T> {
    try {
      await this.waitDurable(r.ts);
    } catch (e) {
      return onFailure(e);
    }
    await this.afterCommitTasks.get(r.ts);
    return r;
  }

  private settleQuery(r: QueryOutcome): Promise<QueryOutcome> {
    return this.settle(r, (e) => ({ ...this.failure(e), logLines: r.logLines, ts: this.publishedTs, reads: null, journal: null }));
  }

  private settleMutation(r: Outcome & { ts: bigint }): Promise<Outcome & { ts: bigint }> {
    return this.settle(r, (e) => ({ ...this.failure(e), logLines: r.logLines, ts: this.publishedTs }));
  }

  /** Called in commit order once a commit's log record is durable. */
  private publish(ts: bigint, writes: WriteSetImpl, afterCommit: Tx["afterCommit"]) {
    for (const l of this.commitListeners) {
      try {
        l({ ts, writes });
      } catch (e) {
        this.log(`[engine] commit listener failed: ${String(e)}`);
      }
    }
    this.publishedTs = ts;
    if (afterCommit.length > 0) {
      const task = (async () => {
        for (const f of afterCommit) {
          try {
            await f();
          } catch (e) {
            this.log(`[engine] after-commit step failed: ${String(e)}`);
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

  private walFailed(e: unknown) {
    if (this.walFailure) return;
    const reason = e instanceof Error ? e.message : String(e);
    this.walFailure = new Error(
      `Could not write commits to ${this.opts.dataDir}: ${reason}. The backend accepts no more writes: fix the disk and restart it (acknowledged commits are on disk).`,
      { cause: e },
    );
    this.log(`[engine] ${this.walFailure.message}`);
    for (const w of this.durableWaiters) w.reject(this.walFailure);
    this.durableWaiters = [];
  }

  private onStoreChange(entry: WriteEntry) {
    this.seq++;
    const tx = this.pendingTx;
    if (tx) tx.entries.push(entry);
    if (this.activeReads.size > 0 || tx) this.changeLog.push({ seq: this.seq, txId: tx?.id ?? 0, entry });
  }

  private pruneChangeLog() {
    let keepAfter = Infinity;
    for (const s of this.activeReads.values()) keepAfter = Math.min(keepAfter, s);
    if (this.pendingTx) keepAfter = Math.min(keepAfter, this.pendingTx.startSeq);
    if (keepAfter === Infinity) {
      this.changeLog = [];
      return;
    }
    let i = 0;
    while (i < this.changeLog.length && this.changeLog[i].seq <= keepAfter) i++;
    if (i > 0) this.changeLog.splice(0, i);
  }

  // ------------------------------------------------------------------------------- mutations

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private newTx(kind: "query" | "mutation"): Tx {
    return {
      id: ++this.txCounter,
      kind,
      reads: new ReadSetImpl(),
      undo: [],
      written: new Map(),
      entries: [],
      startSeq: this.seq,
      writes: 0,
      bytesWritten: 0,
      scanned: 0,
      bytesRead: 0,
      streams: new Map(),
      nextStreamId: 1,
      afterCommit: [],
      onRollback: [],
    };
  }

  runMutation(
    udfPath: string,
    args: JSONValue,
    identity: Identity | null,
    opts?: { idempotencyKey?: string },
  ): Promise<RunResult & { ts: bigint }> {
    const key = opts?.idempotencyKey;
    if (key !== undefined) {
      const done = this.idempotency.get(key);
      if (done) return this.settleMutation({ ok: true, value: done.result, logLines: [], ts: done.ts }).then(withoutMessage);
      const running = this.inflight.get(key);
      if (running) return running;
    }
    const p = this.enqueue(() => this.mutationNow(udfPath, args, identity, false, key))
      .then((r) => this.settleMutation(r))
      .then(withoutMessage);
    if (key !== undefined) {
      this.inflight.set(key, p);
      void p.finally(() => this.inflight.delete(key));
    }
    return p;
  }

  private rememberIdempotent(key: string, ts: bigint, result: JSONValue) {
    this.idempotency.set(key, { ts, result });
    if (this.idempotency.size > IDEMPOTENCY_ENTRIES) this.idempotency.delete(this.idempotency.keys().next().value!);
  }

  /** Runs a mutation now; the caller holds the mutation queue. */
  private async mutationNow(
    udfPath: string,
    args: JSONValue,
    identity: Identity | null,
    allowInternal: boolean,
    key?: string,
    beforeCommit?: (tx: Tx, out: Outcome) => void,
  ): Promise<Outcome & { ts: bigint }> {
    let fn: Registered;
    try {
      fn = this.resolve(udfPath, "mutation", allowInternal);
    } catch (e) {
      return { ...this.failure(e), ts: this.ts };
    }
    const tx = this.beginTx();
    const out = await this.invoke(fn, "mutation", this.newFrame("mutation", udfPath, identity, tx, JSON.stringify(args)), args);
    if (!out.ok) {
      await this.rollback(tx, 0);
      this.endTx();
      return { ...out, ts: this.ts };
    }
    try {
      beforeCommit?.(tx, out);
      const ts = await this.commit(tx, key !== undefined ? { k: key, r: out.value } : undefined);
      return { ...out, ts };
    } catch (e) {
      return { ...this.failure(e), logLines: out.logLines, ts: this.ts };
    }
  }

  private beginTx(): Tx {
    const tx = this.newTx("mutation");
    this.pendingTx = tx;
    return tx;
  }

  private endTx() {
    this.pendingTx = null;
    this.pruneChangeLog();
  }

  private async rollback(tx: Tx, toLength: number) {
    while (tx.undo.length > toLength) {
      const u = tx.undo.pop()!;
      this.store.put(u.table, u.id, u.old);
    }
    if (toLength === 0) {
      for (const f of tx.onRollback) await f();
      tx.onRollback = [];
    }
  }

  /**
   * Applies the transaction (group commit): its record joins the log's next batch and the next mutation may
   * run at once; `publish` notifies listeners once the batch is durable. Callers release results through
   * `settle`. If the log has failed the transaction is rolled back.
   */
  private async commit(tx: Tx, idem?: { k: string; r: JSONValue }): Promise<bigint> {
    if (tx.written.size === 0 && !idem) {
      this.endTx();
      return this.ts;
    }
    if (this.walFailure) {
      await this.rollback(tx, 0);
      this.endTx();
      throw this.walFailure;
    }
    const ts = BigInt(realNow()) * 1_000_000n > this.ts ? BigInt(realNow()) * 1_000_000n : this.ts + 1n;
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
      (e: unknown) => this.walFailed(e),
    );
    for (const t of Object.keys(newTables)) this.persistedTables.add(t);
    this.ts = ts;
    if (idem) this.rememberIdempotent(idem.k, ts, idem.r);
    this.endTx();
    this.noteJobWrites(tx);
    if (this.wal.totalBytes > this.compactBytes) await this.compact();
    return ts;
  }

  /** Runs `body` as a system transaction in the mutation queue; resolves once it is durable. */
  private async transact<T>(body: (tx: Tx) => T | Promise<T>): Promise<T> {
    const { result, ts } = await this.enqueue(() => this.transactNow(body));
    await this.waitDurable(ts);
    await this.afterCommitTasks.get(ts);
    return result;
  }

  /** Runs `body` as a transaction now (the caller holds the mutation queue); `ts` is its commit's. */
  private async transactNow<T>(body: (tx: Tx) => T | Promise<T>): Promise<{ result: T; ts: bigint }> {
    const tx = this.beginTx();
    let result: T;
    try {
      result = await body(tx);
    } catch (e) {
      await this.rollback(tx, 0);
      this.endTx();
      throw e;
    }
    const ts = await this.commit(tx);
    return { result, ts };
  }

  async compact(): Promise<void> {
    const tables: Record<string, number> = {};
    for (const t of this.store.tables.values()) tables[t.name] = t.number;
    const header: SnapshotHeader = {
      format: 1,
      ts: this.ts.toString(),
      tables,
      idempotency: [...this.idempotency].map(([k, v]) => [k, v.ts.toString(), v.result]),
    };
    const store = this.store;
    function* docs(): Generator<[string, DocJson]> {
      for (const t of store.tables.values()) for (const d of t.docs.values()) yield [t.name, d.json];
    }
    await this.wal.compact(header, docs());
    for (const name of Object.keys(tables)) this.persistedTables.add(name);
  }

  // ------------------------------------------------------------------------------- actions

  runAction(udfPath: string, args: JSONValue, identity: Identity | null): Promise<RunResult> {
    return this.runActionInternal(udfPath, args, identity, false).then(withoutMessage);
  }

  private async runActionInternal(udfPath: string, args: JSONValue, identity: Identity | null, allowInternal: boolean): Promise<Outcome> {
    let fn: Registered;
    try {
      fn = this.resolve(udfPath, "action", allowInternal);
    } catch (e) {
      return this.failure(e);
    }
    return this.invoke(fn, "action", this.newFrame("action", udfPath, identity, null, JSON.stringify(args)), args);
  }

  async runHttpAction(request: Request, identity: Identity | null): Promise<Response | null> {
    const router = this.app.modules.get("http")?.default;
    if (!router || !router.isRouter) return null;
    const url = new URL(request.url);
    const match = router.lookup(url.pathname, request.method);
    if (!match) return null;
    const [endpoint] = match as [{ invokeHttpAction(r: Request): Promise<Response> }];
    const frame = this.newFrame("action", `http:${request.method} ${url.pathname}`, identity, null, "");
    try {
      return await als.run(frame, () => endpoint.invokeHttpAction(request));
    } catch (e) {
      const info = errorInfo(e);
      this.log(`[engine] HTTP action ${request.method} ${url.pathname} failed: ${info.formatted}`);
      return new Response(info.formatted, { status: 500 });
    } finally {
      frame.closed = true;
      for (const line of frame.logLines) this.log(`[http ${url.pathname}] ${line}`);
    }
  }

  // ------------------------------------------------------------------------------- syscalls

  syscall(frame: Frame, op: string, args: any): unknown {
    switch (op) {
      case "1.0/queryStream":
        return this.queryStream(this.txOf(frame), args.query as SerializedQuery);
      case "1.0/queryCleanup": {
        this.txOf(frame).streams.delete(args.queryId as number);
        return true;
      }
      case "1.0/db/normalizeId": {
        const table = args.table as string;
        const id = args.idString as string;
        return { id: this.store.tableOfId(id) === table ? id : null };
      }
      case "1.0/getSnapshotTs":
        return convexToJson(this.ts);
      default:
        throw new Error(`Unknown operation ${op} (not supported by the local backend).`);
    }
  }

  async asyncSyscall(frame: Frame, op: string, args: any): Promise<unknown> {
    switch (op) {
      case "1.0/get":
        return this.dbGet(frame, args);
      case "1.0/insert":
        return { _id: this.dbInsert(this.writableTx(frame), args.table as string, args.value as JSONValue) };
      case "1.0/shallowMerge":
        this.dbPatch(this.writableTx(frame), args, "patch");
        return null;
      case "1.0/replace":
        this.dbPatch(this.writableTx(frame), args, "replace");
        return null;
      case "1.0/remove": {
        const tx = this.writableTx(frame);
        const doc = this.docForWrite(tx, args.id as string, args.table as string | undefined, "delete");
        this.write(tx, doc.table, doc.id, null);
        return null;
      }
      case "1.0/queryStreamNext": {
        const tx = this.txOf(frame);
        const stream = tx.streams.get(args.queryId as number);
        if (!stream) throw new Error("This query is closed and can't emit any more values.");
        const doc = stream.next();
        return doc ? { value: doc.json, done: false } : { value: null, done: true };
      }
      case "1.0/queryPage":
        return this.queryPage(this.txOf(frame), args);
      case "1.0/count": {
        const tx = this.txOf(frame);
        const table = this.store.ensureTable(args.table as string);
        tx.reads.add(table.name, BY_CREATION_TIME, { lo: "", hi: MAX_SUFFIX });
        return table.docs.size;
      }
      case "1.0/getUserIdentity":
        return frame.identity ?? null;
      case "1.0/runUdf":
        return this.runUdf(frame, args);
      case "1.0/schedule":
        return this.schedule(this.writableTx(frame), args);
      case "1.0/cancel_job":
        this.cancelJob(this.writableTx(frame), args.id as string);
        return null;
      case "1.0/actions/query":
      case "1.0/actions/mutation":
      case "1.0/actions/action":
        return this.actionCall(frame, op, args);
      case "1.0/actions/schedule":
        this.actionOnly(frame, op);
        return this.transact((tx) => this.schedule(tx, args));
      case "1.0/actions/cancel_job":
        this.actionOnly(frame, op);
        await this.transact((tx) => this.cancelJob(tx, args.id as string));
        return null;
      case "1.0/storageGenerateUploadUrl":
        return this.generateUploadUrl();
      case "1.0/storageGetUrl": {
        const doc = this.storageDoc(frame, args.storageId as string);
        return doc ? `${this.opts.siteUrl}/api/storage/${doc.id}` : null;
      }
      case "1.0/storageGetMetadata": {
        const doc = this.storageDoc(frame, args.storageId as string);
        if (!doc) return null;
        return { storageId: doc.id, sha256: doc.json.sha256, size: doc.json.size, contentType: doc.json.contentType ?? null };
      }
      case "1.0/storageDelete": {
        if (frame.kind === "action") {
          await this.transact((tx) => this.storageDeleteTx(tx, args.storageId as string));
        } else {
          this.storageDeleteTx(this.writableTx(frame), args.storageId as string);
        }
        return null;
      }
      case "1.0/storageStore": {
        const bytes = Buffer.from(args.blob as string, "base64");
        if (frame.kind === "action") return this.storeBlob(bytes, (args.contentType as string) || null);
        return this.storeBlobInTx(this.writableTx(frame), bytes, (args.contentType as string) || null);
      }
      case "1.0/storageGet": {
        const doc = this.storageDoc(frame, args.storageId as string);
        if (!doc) return null;
        const bytes = await readFile(path.join(this.storageDir, doc.id));
        return { blob: bytes.toString("base64"), contentType: (doc.json.contentType as string | undefined) ?? null };
      }
      case "1.0/getFunctionMetadata":
        return { name: frame.path, componentPath: "" };
      case "1.0/getDeploymentMetadata":
        return { name: "local", region: null, class: "local" };
      case "1.0/getRequestMetadata":
        return { ip: null, userAgent: null, requestId: frame.requestId, scheduledFunctionId: null, authToken: null };
      case "1.0/getTransactionMetrics": {
        if (frame.kind === "action") throw new Error("Unknown async operation 1.0/getTransactionMetrics");
        const tx = this.txOf(frame);
        return convexToJson({
          bytesRead: { used: tx.bytesRead, remaining: LIMITS.bytesRead - tx.bytesRead },
          bytesWritten: { used: tx.bytesWritten, remaining: LIMITS.bytesWritten - tx.bytesWritten },
          databaseQueries: { used: 0, remaining: 4096 },
          documentsRead: { used: tx.scanned, remaining: LIMITS.documentsScanned - tx.scanned },
          documentsWritten: { used: tx.writes, remaining: LIMITS.documentsWritten - tx.writes },
          functionsScheduled: { used: 0, remaining: 1000 },
          scheduledFunctionArgsBytes: { used: 0, remaining: 16 << 20 },
        });
      }
      default:
        throw new Error(`Unknown async operation ${op} (not supported by the local backend).`);
    }
  }

  jsSyscall(frame: Frame, op: string, args: any): unknown {
    switch (op) {
      case "storage/storeBlob":
        return (async () => {
          const blob = args.blob as Blob;
          const bytes = new Uint8Array(await blob.arrayBuffer());
          const expected = (args.options as { sha256?: string } | undefined)?.sha256;
          if (expected !== undefined) {
            const actual = createHash("sha256").update(bytes).digest("base64");
            if (actual !== expected && createHash("sha256").update(bytes).digest("hex") !== expected) {
              throw new Error(`Hash mismatch: the blob's sha256 is ${actual}, expected ${expected}.`);
            }
          }
          return this.storeBlob(bytes, blob.type || null);
        })();
      case "storage/getBlob":
        return (async () => {
          const got = await this.getBlob(args.storageId as string);
          return got ? new Blob([got.bytes as Uint8Array<ArrayBuffer>], { type: got.contentType ?? "" }) : null;
        })();
      default:
        throw new Error(`Unknown JS syscall ${op} (not supported by the local backend).`);
    }
  }

  private txOf(frame: Frame): Tx {
    if (!frame.tx) throw new Error("The database is only available in queries and mutations. In an action use ctx.runQuery / ctx.runMutation.");
    return frame.tx as Tx;
  }

  private writableTx(frame: Frame): Tx {
    const tx = this.txOf(frame);
    if (frame.kind !== "mutation") throw new Error("Queries can't write: this operation is only available in mutations.");
    return tx;
  }

  private actionOnly(frame: Frame, op: string) {
    if (frame.kind !== "action") throw new Error(`${op} is only available in actions.`);
  }

  countRead(tx: Tx, doc: Doc) {
    tx.scanned++;
    tx.bytesRead += doc.size;
    if (tx.scanned > LIMITS.documentsScanned) {
      throw new Error(
        `Too many documents read in a single function execution (limit: ${LIMITS.documentsScanned}). Use an index range (withIndex) that selects fewer documents, take(n), or paginate.`,
      );
    }
    if (tx.bytesRead > LIMITS.bytesRead) {
      throw new Error(`Too many bytes read in a single function execution (limit: ${LIMITS.bytesRead} bytes). Read fewer or smaller documents, or paginate.`);
    }
  }

  // ------------------------------------------------------------------------------- database

  private dbGet(frame: Frame, args: { id: JSONValue; isSystem?: boolean; table?: string }): JSONValue {
    const tx = this.txOf(frame);
    const id = args.id;
    if (typeof id !== "string") throw new Error(`Invalid argument \`id\` for \`db.get\`: expected a string, got ${JSON.stringify(id)}.`);
    const table = this.store.tableOfId(id);
    if (table === null) throw new Error(`Invalid argument \`id\` for \`db.get\`: "${id}" is not a valid document id.`);
    if (args.table !== undefined && args.table !== null && args.table !== table) {
      throw new Error(`Invalid argument \`id\` for \`db.get\`: the id "${id}" belongs to table "${table}", not "${args.table}".`);
    }
    const isSystem = table.startsWith("_");
    if (args.isSystem !== undefined && isSystem !== args.isSystem) {
      throw new Error(
        isSystem
          ? `System tables can only be accessed from db.system.get() (id "${id}" is in "${table}").`
          : `User tables can only be accessed from db.get(), not db.system.get().`,
      );
    }
    const key = encodeValue(id);
    tx.reads.add(table, BY_ID, { lo: key, hi: key + "\0" });
    const doc = this.store.tables.get(table)?.docs.get(id);
    if (!doc) return null;
    this.countRead(tx, doc);
    return doc.json;
  }

  private checkValue(table: string, value: Record<string, Value>, size: number) {
    if (size > LIMITS.documentBytes) {
      throw new Error(
        `Value is too large (${(size / (1 << 20)).toFixed(2)} MiB > maximum size 1 MiB) for a document in table "${table}". Store large content in file storage.`,
      );
    }
    const depth = nestingDepth(value);
    if (depth > LIMITS.nestingDepth) {
      throw new Error(`Value is too deeply nested (depth ${depth} > maximum ${LIMITS.nestingDepth}) for a document in table "${table}".`);
    }
    if (this.schemaValidation && !table.startsWith("_")) {
      const def = this.schemaTables.get(table);
      if (def) {
        const body: Record<string, Value> = { ...value };
        delete body._id;
        delete body._creationTime;
        const err = validateValue(def.documentType, body, this.resolveIdTable);
        if (err) throw new Error(`Failed to insert or update a document in table "${table}" because it does not match the schema: ${err}`);
      }
    }
  }

  private write(tx: Tx, table: string, id: string, doc: Doc | null) {
    tx.writes++;
    if (tx.writes > LIMITS.documentsWritten) {
      throw new Error(`Too many writes in a single function execution (limit: ${LIMITS.documentsWritten}). Split the work across several mutations (for example with the scheduler).`);
    }
    if (doc) {
      tx.bytesWritten += doc.size;
      if (tx.bytesWritten > LIMITS.bytesWritten) {
        throw new Error(`Too many bytes written in a single function execution (limit: ${LIMITS.bytesWritten} bytes).`);
      }
    }
    const old = this.store.put(table, id, doc);
    tx.undo.push({ table, id, old });
    tx.written.set(id, table);
  }

  private nextCreationTime(): number {
    const now = realNow();
    this.lastCreationTime = now > this.lastCreationTime ? now : this.lastCreationTime + 0.001;
    return this.lastCreationTime;
  }

  private dbInsert(tx: Tx, tableName: string, valueJson: JSONValue, allowSystem = false): string {
    if (typeof tableName !== "string" || tableName.length === 0) throw new Error("insert() needs a table name.");
    if (tableName.startsWith("_") && !allowSystem) throw new Error("System tables (prefixed with `_`) are read-only.");
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(tableName)) {
      throw new Error(`Invalid table name "${tableName}": use letters, digits and underscores, starting with a letter.`);
    }
    if (valueJson === null || typeof valueJson !== "object" || Array.isArray(valueJson)) {
      throw new Error(`insert() into "${tableName}" needs an object, got ${JSON.stringify(valueJson)}.`);
    }
    for (const k of Object.keys(valueJson)) {
      if (k.startsWith("_")) throw new Error(`Field "${k}" in a document for "${tableName}" starts with "_", which is reserved for system fields.`);
    }
    const table = this.store.ensureTable(tableName);
    const id = newId(table.number);
    const json: DocJson = { _id: id, _creationTime: this.nextCreationTime(), ...valueJson };
    const doc = makeDoc(tableName, json);
    this.checkValue(tableName, doc.value, doc.size);
    this.write(tx, tableName, id, doc);
    return id;
  }

  private docForWrite(tx: Tx, id: unknown, table: string | undefined, opName: string): Doc {
    if (typeof id !== "string") throw new Error(`Invalid argument \`id\` for \`db.${opName}\`: expected a string.`);
    const tableName = this.store.tableOfId(id);
    if (tableName === null) throw new Error(`Invalid argument \`id\` for \`db.${opName}\`: "${id}" is not a valid document id.`);
    if (table !== undefined && table !== null && table !== tableName) {
      throw new Error(`Invalid argument \`id\` for \`db.${opName}\`: the id "${id}" belongs to table "${tableName}", not "${table}".`);
    }
    if (tableName.startsWith("_")) throw new Error("System tables (prefixed with `_`) are read-only.");
    const doc = this.store.tables.get(tableName)?.docs.get(id);
    if (!doc) throw new Error(`${opName}() on nonexistent document ID ${id}`);
    const key = encodeValue(id);
    tx.reads.add(tableName, BY_ID, { lo: key, hi: key + "\0" });
    return doc;
  }

  private dbPatch(tx: Tx, args: { id: unknown; value: JSONValue; table?: string }, mode: "patch" | "replace") {
    const old = this.docForWrite(tx, args.id, args.table, mode);
    const value = args.value;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new Error(`${mode}() needs an object, got ${JSON.stringify(value)}.`);
    }
    const json: DocJson = mode === "patch" ? { ...old.json } : { _id: old.id, _creationTime: old.json._creationTime };
    for (const [k, v] of Object.entries(value)) {
      if (k === "_id" || k === "_creationTime") {
        if (JSON.stringify(v) !== JSON.stringify(old.json[k])) {
          throw new Error(`${mode}() can't change the system field "${k}" of ${old.id}.`);
        }
        continue;
      }
      if (k.startsWith("_")) throw new Error(`Field "${k}" starts with "_", which is reserved for system fields.`);
      const decoded = decodeMaybeUndefined(v);
      if (decoded === undefined) delete json[k];
      else json[k] = v;
    }
    const doc = makeDoc(old.table, json);
    this.checkValue(old.table, doc.value, doc.size);
    this.write(tx, old.table, old.id, doc);
  }

  private tableForQuery(name: string): Table {
    return this.store.tables.get(name) ?? this.store.ensureTable(name);
  }

  private buildStream(tx: Tx, query: SerializedQuery, cursorKey: string | null, endKey: string | null): QueryStream {
    const source = query.source;
    if (source.type === "Search") throw new Error("Search indexes (withSearchIndex) are not supported by the local backend.");
    const order = source.order ?? "asc";
    let table: Table;
    let index: Index;
    let lo = "";
    let hi = MAX_SUFFIX;
    if (source.type === "FullTableScan") {
      table = this.tableForQuery(source.tableName);
      index = table.indexes.get(BY_CREATION_TIME)!;
    } else {
      const dot = source.indexName.indexOf(".");
      const tableName = source.indexName.slice(0, dot);
      const indexName = source.indexName.slice(dot + 1);
      table = this.tableForQuery(tableName);
      const found = table.indexes.get(indexName);
      if (!found) {
        const known = [...table.indexes.keys()].join(", ");
        throw new Error(`Index ${tableName}.${indexName} not found. Indexes of "${tableName}": ${known}. Define it in convex/schema.ts.`);
      }
      index = found;
      [lo, hi] = this.indexRange(source.indexName, index, source.range);
    }
    if (cursorKey !== null) {
      if (order === "asc") lo = cursorKey + "\0" > lo ? cursorKey + "\0" : lo;
      else hi = cursorKey < hi ? cursorKey : hi;
    }
    if (endKey !== null) {
      if (order === "asc") hi = endKey + "\0" < hi ? endKey + "\0" : hi;
      else lo = endKey > lo ? endKey : lo;
    }
    if (hi < lo) hi = lo;
    return new QueryStream(this, tx, table, index, lo, hi, order, query.operators);
  }

  private indexRange(name: string, index: Index, exprs: { type: string; fieldPath: string; value: JSONValue }[]): [string, string] {
    const fields = index.def.fields;
    let prefix = "";
    let i = 0;
    let j = 0;
    const order = `(${fields.join(", ")})`;
    for (; j < exprs.length && exprs[j].type === "Eq"; j++, i++) {
      if (fields[i] !== exprs[j].fieldPath) {
        throw new Error(
          `Index range for ${name} must compare the index fields in order ${order}: found eq("${exprs[j].fieldPath}") where "${fields[i] ?? "(end)"}" was expected.`,
        );
      }
      prefix += encodeValue(decodeMaybeUndefined(exprs[j].value));
    }
    let lo = prefix;
    let hi = prefix + MAX_SUFFIX;
    let sawLower = false;
    let sawUpper = false;
    for (; j < exprs.length; j++) {
      const e = exprs[j];
      if (e.type === "Eq") throw new Error(`Index range for ${name}: eq() must come before gt/gte/lt/lte.`);
      if (fields[i] !== e.fieldPath) {
        throw new Error(`Index range for ${name} must compare the index fields in order ${order}: "${e.fieldPath}" is not the next field ("${fields[i] ?? "(end)"}").`);
      }
      const k = prefix + encodeValue(decodeMaybeUndefined(e.value));
      if (e.type === "Gt" || e.type === "Gte") {
        if (sawLower) throw new Error(`Index range for ${name} has two lower bounds.`);
        sawLower = true;
        lo = e.type === "Gte" ? k : k + MAX_SUFFIX;
      } else {
        if (sawUpper) throw new Error(`Index range for ${name} has two upper bounds.`);
        sawUpper = true;
        hi = e.type === "Lt" ? k : k + MAX_SUFFIX;
      }
    }
    return [lo, hi];
  }

  private queryStream(tx: Tx, query: SerializedQuery): { queryId: number } {
    const stream = this.buildStream(tx, query, null, null);
    const queryId = tx.nextStreamId++;
    tx.streams.set(queryId, stream);
    return { queryId };
  }

  private queryPage(
    tx: Tx,
    args: {
      query: SerializedQuery;
      cursor: string | null;
      endCursor?: string | null;
      pageSize: number;
      maximumRowsRead?: number | null;
      maximumBytesRead?: number | null;
    },
  ) {
    const order = args.query.source.type === "Search" ? "asc" : (args.query.source.order ?? "asc");
    const endMarker = order === "asc" ? MAX_SUFFIX : "";
    const cursorKey = args.cursor === null || args.cursor === undefined ? null : cursorToKey(args.cursor);
    const endCursor = args.endCursor ?? (tx.pageEndOut === undefined ? tx.pageEndIn : null) ?? null;
    const endKey = endCursor === null ? null : cursorToKey(endCursor);
    const stream = this.buildStream(tx, args.query, cursorKey, endKey);
    const page: JSONValue[] = [];
    const keys: string[] = [];
    const startScanned = tx.scanned;
    const startBytes = tx.bytesRead;
    let stoppedEarly = false;
    for (;;) {
      if (endKey === null && page.length >= args.pageSize) {
        stoppedEarly = true;
        break;
      }
      if (args.maximumRowsRead && tx.scanned - startScanned >= args.maximumRowsRead) {
        stoppedEarly = true;
        break;
      }
      if (args.maximumBytesRead && tx.bytesRead - startBytes >= args.maximumBytesRead) {
        stoppedEarly = true;
        break;
      }
      const doc = stream.next();
      if (!doc) break;
      page.push(doc.json);
      keys.push(stream.lastKey!);
    }
    let isDone: boolean;
    let continueCursor: string;
    if (stoppedEarly) {
      isDone = false;
      continueCursor = keyToCursor(stream.lastKey ?? cursorKey ?? (order === "asc" ? "" : MAX_SUFFIX));
    } else if (endKey !== null) {
      isDone = endKey === endMarker;
      continueCursor = endCursor!;
    } else {
      isDone = true;
      continueCursor = keyToCursor(endMarker);
    }
    let splitCursor: string | null = null;
    let pageStatus: string | null = null;
    if (endKey !== null && args.pageSize > 0 && page.length >= 2 * args.pageSize) {
      splitCursor = keyToCursor(keys[Math.floor(keys.length / 2) - 1]);
      pageStatus = "SplitRecommended";
    }
    if (tx.kind === "query" && tx.pageEndOut === undefined) tx.pageEndOut = continueCursor;
    return { page, isDone, continueCursor, splitCursor, pageStatus };
  }

  private async runUdf(frame: Frame, args: { udfType: string; name?: string; reference?: string; args: JSONValue }): Promise<JSONValue> {
    const udfPath = args.name;
    if (typeof udfPath !== "string") throw new Error("Function handles and component references are not supported by the local backend.");
    const tx = this.txOf(frame);
    const kind: Kind = args.udfType === "mutation" ? "mutation" : "query";
    if (kind === "mutation" && frame.kind !== "mutation") throw new Error("ctx.runMutation is only available in mutations and actions.");
    const fn = this.resolve(udfPath, kind, true);
    const child: Frame = { ...this.newFrame(kind, udfPath, frame.identity, tx, JSON.stringify(args.args)), logLines: frame.logLines, nowMs: frame.nowMs };
    const savepoint = tx.undo.length;
    const out = await this.invoke(fn, kind, child, args.args);
    if (!out.ok) {
      if (kind === "mutation") await this.rollback(tx, savepoint);
      throw new FunctionError(out.message ?? out.error, out.errorData);
    }
    return out.value;
  }

  private async actionCall(frame: Frame, op: string, args: { name?: string; args: JSONValue }): Promise<JSONValue> {
    this.actionOnly(frame, op);
    const udfPath = args.name;
    if (typeof udfPath !== "string") throw new Error("Function handles and component references are not supported by the local backend.");
    let out: Outcome;
    if (op === "1.0/actions/query") out = await this.runQueryInternal(udfPath, args.args, frame.identity, true);
    else if (op === "1.0/actions/mutation") {
      out = await this.enqueue(() => this.mutationNow(udfPath, args.args, frame.identity, true)).then((r) => this.settleMutation(r));
    }
    else out = await this.runActionInternal(udfPath, args.args, frame.identity, true);
    for (const line of out.logLines) frame.logLines.push(line);
    if (!out.ok) throw new FunctionError(out.message ?? out.error, out.errorData);
    return out.value;
  }

  // ------------------------------------------------------------------------------- scheduler

  private schedule(tx: Tx, args: { name?: string; ts: number; args: JSONValue }): string {
    const udfPath = args.name;
    if (typeof udfPath !== "string") throw new Error("Function handles and component references are not supported by the local backend.");
    const colon = udfPath.indexOf(":");
    const mod = (colon === -1 ? udfPath : udfPath.slice(0, colon)).replace(/\.(js|ts)$/, "");
    const name = colon === -1 ? "default" : udfPath.slice(colon + 1);
    const fn = this.app.modules.get(mod)?.[name] as Registered | undefined;
    if (!fn || !(fn.isMutation || fn.isAction)) {
      throw new Error(`Attempted to schedule function at nonexistent path: ${udfPath}. Only mutations and actions can be scheduled.`);
    }
    if (typeof args.ts !== "number" || !Number.isFinite(args.ts)) throw new Error("The scheduled time must be a finite number.");
    const normalized = `${mod}:${name}`;
    return this.dbInsert(
      tx,
      "_scheduled_functions",
      { name: normalized, args: [args.args ?? {}], scheduledTime: args.ts * 1000, state: { kind: "pending" } },
      true,
    );
  }

  private cancelJob(tx: Tx, id: string) {
    const table = this.store.tableOfId(id);
    if (table !== "_scheduled_functions") throw new Error(`cancel() needs an id from "_scheduled_functions", got "${id}".`);
    const doc = this.store.tables.get(table)!.docs.get(id);
    if (!doc) return;
    const state = (doc.json.state as { kind: string }).kind;
    if (state !== "pending" && state !== "inProgress") return;
    this.setJobState(tx, doc, { kind: "canceled" }, true);
  }

  private setJobState(tx: Tx, doc: Doc, state: JSONValue, completed: boolean) {
    const json: DocJson = { ...doc.json, state };
    if (completed) json.completedTime = realNow();
    this.write(tx, doc.table, doc.id, makeDoc(doc.table, json));
  }

  private noteJobWrites(tx: Tx) {
    let touched = false;
    const table = this.store.tables.get("_scheduled_functions")!;
    for (const [id, t] of tx.written) {
      if (t !== "_scheduled_functions") continue;
      touched = true;
      const doc = table.docs.get(id);
      if (doc && (doc.json.state as { kind: string }).kind === "pending") this.pendingJobs.set(id, doc.json.scheduledTime as number);
      else this.pendingJobs.delete(id);
    }
    if (touched) this.armJobTimer();
  }

  private async recoverJobs() {
    const table = this.store.tables.get("_scheduled_functions")!;
    const interrupted: Doc[] = [];
    for (const doc of table.docs.values()) {
      const kind = (doc.json.state as { kind: string }).kind;
      if (kind === "pending") this.pendingJobs.set(doc.id, doc.json.scheduledTime as number);
      else if (kind === "inProgress") interrupted.push(doc);
    }
    if (interrupted.length) {
      await this.transact((tx) => {
        for (const doc of interrupted) {
          this.setJobState(tx, doc, { kind: "failed", error: "The backend restarted while this action was running." }, true);
        }
      });
    }
    this.armJobTimer();
  }

  private armJobTimer() {
    if (this.closed) return;
    if (this.jobTimer) clearTimeout(this.jobTimer);
    this.jobTimer = null;
    let next = Infinity;
    for (const t of this.pendingJobs.values()) if (t < next) next = t;
    if (next === Infinity) return;
    const delay = Math.min(Math.max(0, next - realNow()), 2 ** 31 - 1);
    this.jobTimer = setTimeout(() => this.runDueJobs(), delay);
    this.jobTimer.unref();
  }

  private runDueJobs() {
    this.jobTimer = null;
    if (this.closed) return;
    const now = realNow();
    const due = [...this.pendingJobs].filter(([, t]) => t <= now).sort((a, b) => a[1] - b[1]);
    for (const [id] of due) {
      this.pendingJobs.delete(id);
      void this.runJob(id).catch((e) => this.log(`[engine] scheduled job ${id} failed to run: ${String(e)}`));
    }
    this.armJobTimer();
  }

  private async runJob(id: string) {
    const table = this.store.tables.get("_scheduled_functions")!;
    const current = () => {
      const doc = table.docs.get(id);
      return doc && (doc.json.state as { kind: string }).kind === "pending" ? doc : null;
    };
    const first = current();
    if (!first) return;
    const udfPath = first.json.name as string;
    const args = (first.json.args as JSONValue[])[0] ?? {};
    const colon = udfPath.indexOf(":");
    const fn = this.app.modules.get(udfPath.slice(0, colon))?.[udfPath.slice(colon + 1)] as Registered | undefined;
    if (fn?.isAction) {
      const started = await this.transact((tx) => {
        const doc = current();
        if (!doc) return false;
        this.setJobState(tx, doc, { kind: "inProgress" }, false);
        return true;
      });
      if (!started) return;
      const out = await this.runActionInternal(udfPath, args, null, true);
      this.logJob(udfPath, out);
      await this.transact((tx) => {
        const doc = table.docs.get(id);
        if (!doc || (doc.json.state as { kind: string }).kind !== "inProgress") return;
        this.setJobState(tx, doc, out.ok ? { kind: "success" } : { kind: "failed", error: out.error }, true);
      });
      return;
    }
    await this.enqueue(async () => {
      if (!current()) return;
      const out = await this.mutationNow(udfPath, args, null, true, undefined, (tx) => {
        const doc = current();
        if (doc) this.setJobState(tx, doc, { kind: "success" }, true);
      });
      this.logJob(udfPath, out);
      if (!out.ok) {
        await this.transactNow((tx) => {
          const doc = current();
          if (doc) this.setJobState(tx, doc, { kind: "failed", error: out.error }, true);
        });
      }
    });
  }

  private logJob(udfPath: string, out: Outcome) {
    for (const line of out.logLines) this.log(`[${udfPath}] ${line}`);
    if (!out.ok) this.log(`[engine] scheduled ${udfPath} failed: ${out.error}`);
  }

  private startCrons() {
    for (const t of this.cronTimers) clearTimeout(t);
    this.cronTimers = [];
    if (this.closed) return;
    const crons = this.app.modules.get("crons")?.default as { isCrons?: boolean; crons: Record<string, { name: string; args: JSONValue[]; schedule: Schedule }> } | undefined;
    if (!crons?.isCrons) return;
    const started = realNow();
    for (const [ident, job] of Object.entries(crons.crons)) {
      const arm = (after: number) => {
        let at: number;
        try {
          at = nextRun(job.schedule, after, started);
        } catch (e) {
          this.log(`[engine] cron "${ident}": ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        const timer = setTimeout(
          () => {
            this.cronTimers = this.cronTimers.filter((t) => t !== timer);
            if (this.closed) return;
            void this.runCron(ident, job.name, job.args[0] ?? {}).finally(() => arm(Math.max(at, realNow())));
          },
          Math.min(Math.max(0, at - realNow()), 2 ** 31 - 1),
        );
        timer.unref();
        this.cronTimers.push(timer);
      };
      arm(started);
    }
  }

  private async runCron(ident: string, udfPath: string, args: JSONValue) {
    const [mod, name] = udfPath.includes(":") ? udfPath.split(":") : [udfPath, "default"];
    const fn = this.app.modules.get(mod.replace(/\.(js|ts)$/, ""))?.[name] as Registered | undefined;
    const out = fn?.isAction
      ? await this.runActionInternal(udfPath, args, null, true)
      : await this.enqueue(() => this.mutationNow(udfPath, args, null, true)).then((r) => this.settleMutation(r));
    for (const line of out.logLines) this.log(`[cron ${ident}] ${line}`);
    if (!out.ok) this.log(`[engine] cron "${ident}" (${udfPath}) failed: ${out.error}`);
  }

  // ------------------------------------------------------------------------------- storage

  private generateUploadUrl(): string {
    const now = realNow();
    for (const [t, exp] of this.uploadTokens) if (exp < now) this.uploadTokens.delete(t);
    const token = randomBytes(24).toString("base64url");
    this.uploadTokens.set(token, now + UPLOAD_TOKEN_MS);
    return `${this.opts.siteUrl}/api/storage/upload?token=${token}`;
  }

  uploadTokenValid(token: string): boolean {
    const exp = this.uploadTokens.get(token);
    return exp !== undefined && exp >= realNow();
  }

  consumeUploadToken(token: string): boolean {
    const exp = this.uploadTokens.get(token);
    if (exp === undefined) return false;
    this.uploadTokens.delete(token);
    return exp >= realNow();
  }

  private storageDoc(frame: Frame, storageId: string): Doc | null {
    if (typeof storageId !== "string") throw new Error("A storage id must be a string.");
    if (this.store.tableOfId(storageId) !== "_storage") {
      throw new Error(`Invalid storage id "${storageId}": pass an id returned by ctx.storage.store() or an upload.`);
    }
    if (frame.tx) {
      const key = encodeValue(storageId);
      (frame.tx as Tx).reads.add("_storage", BY_ID, { lo: key, hi: key + "\0" });
    }
    return this.store.tables.get("_storage")!.docs.get(storageId) ?? null;
  }

  private storageDeleteTx(tx: Tx, storageId: string) {
    if (this.store.tableOfId(storageId) !== "_storage") throw new Error(`Invalid storage id "${storageId}".`);
    const doc = this.store.tables.get("_storage")!.docs.get(storageId);
    if (!doc) throw new Error(`Storage object ${storageId} does not exist.`);
    this.write(tx, "_storage", storageId, null);
    tx.afterCommit.push(() => rm(path.join(this.storageDir, storageId), { force: true }));
  }

  private async writeBlobFile(bytes: Uint8Array): Promise<{ id: string; sha256: string }> {
    const id = newId(SYSTEM_TABLES._storage);
    const file = path.join(this.storageDir, id);
    const tmp = file + ".tmp";
    const fh = await open(tmp, "w");
    try {
      await fh.write(bytes);
      if (this.durable) await fh.sync();
    } finally {
      await fh.close();
    }
    renameSync(tmp, file);
    return { id, sha256: createHash("sha256").update(bytes).digest("base64") };
  }

  private insertStorageDoc(tx: Tx, id: string, sha256: string, size: number, contentType: string | null) {
    const json: DocJson = { _id: id, _creationTime: this.nextCreationTime(), sha256, size };
    if (contentType) json.contentType = contentType;
    this.write(tx, "_storage", id, makeDoc("_storage", json));
  }

  async storeBlob(bytes: Uint8Array, contentType: string | null): Promise<string> {
    const { id, sha256 } = await this.writeBlobFile(bytes);
    try {
      await this.transact((tx) => this.insertStorageDoc(tx, id, sha256, bytes.byteLength, contentType));
    } catch (e) {
      await rm(path.join(this.storageDir, id), { force: true });
      throw e;
    }
    return id;
  }

  private async storeBlobInTx(tx: Tx, bytes: Uint8Array, contentType: string | null): Promise<string> {
    const { id, sha256 } = await this.writeBlobFile(bytes);
    tx.onRollback.push(() => rm(path.join(this.storageDir, id), { force: true }));
    this.insertStorageDoc(tx, id, sha256, bytes.byteLength, contentType);
    return id;
  }

  async getBlob(storageId: string): Promise<{ bytes: Uint8Array; contentType: string | null; sha256: string } | null> {
    if (this.store.tableOfId(storageId) !== "_storage") return null;
    const doc = this.store.tables.get("_storage")!.docs.get(storageId);
    if (!doc) return null;
    const bytes = await readFile(path.join(this.storageDir, storageId));
    return { bytes: new Uint8Array(bytes), contentType: (doc.json.contentType as string | undefined) ?? null, sha256: doc.json.sha256 as string };
  }
}
