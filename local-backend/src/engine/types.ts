import type { JSONValue } from "convex/values";
import type { UserIdentity } from "convex/server";
import type { AuthProviderConfig } from "../auth/verify.js";

// The contract between the engine (function runtime, database, persistence, storage, scheduler) and the
// server (WebSocket sync, HTTP API, auth, CLI). Values cross it as Convex-encoded JSON (convexToJson),
// exactly as they travel on the wire, so the server never decodes or re-encodes them.

/** The verified caller: the JWT's claims with `tokenIdentifier` = `${issuer}|${subject}`. */
export type Identity = UserIdentity;

export type RunResult =
  | {
      ok: true;
      value: JSONValue;
      logLines: string[];
      /**
       * `value` as JSON text, as the function's runtime handed it over, when at hand (not for an answer from the
       * query cache): a reader that needs the text (the sync server hashes every re-run's result) need not
       * serialize the value again.
       */
      json?: string;
    }
  | {
      ok: false;
      /** Human-readable message, like Convex's ("Uncaught ConvexError: ..." / "ArgumentValidationError: ..."). */
      error: string;
      /** The `data` of a thrown ConvexError, Convex-encoded; absent for other errors. */
      errorData?: JSONValue;
      logLines: string[];
    };

/** Opaque record of what a query read (tables, index ranges, documents). */
export interface ReadSet {
  readonly __brand: "ReadSet";
}
/** Opaque record of what a commit wrote. */
export interface WriteSet {
  readonly __brand: "WriteSet";
}

/**
 * Read sets of subscribed queries, each under its owner, looked up by a commit's writes (engine/readIndex.ts): the
 * cost of a lookup grows with the writes, not with the number of read sets.
 */
export interface ReadIndex<T> {
  /** Replaces the owner's read set (null: the owner has none). */
  set(owner: T, reads: ReadSet | null): void;
  delete(owner: T): void;
  /** The owners whose read sets `writes` may change: exactly those `Engine.invalidates` would say. */
  hits(writes: WriteSet): Set<T>;
  /** Owners with a read set. */
  readonly size: number;
  /** Ranges compared with a written key so far (tests check that a commit compares few). */
  readonly comparisons: number;
}

export interface Commit {
  /** Commit timestamp: Unix nanoseconds, strictly increasing. */
  ts: bigint;
  writes: WriteSet;
}

export interface EngineOptions {
  /** Persistence directory: write-ahead log, snapshots, blobs, scheduled jobs, environment variables, keys. */
  dataDir: string;
  /** The project's convex/ folder, run unmodified. */
  convexDir: string;
  /** Base URL clients reach this backend at (e.g. http://127.0.0.1:3210): storage URLs are built on it. */
  siteUrl: string;
  /** fsync every commit before acknowledging it (default true). */
  durable?: boolean;
  /** Extra function environment variables that are not persisted (e.g. the local auth issuer). */
  defaultEnv?: Record<string, string>;
  log?: (line: string) => void;
  /** Compact the write-ahead log into a snapshot once it grows past this many bytes (default 64 MiB). */
  compactThresholdBytes?: number;
  /**
   * The clock (milliseconds since the epoch) query and mutation frames read and the scheduler runs jobs and crons
   * by (default Date.now). Tests pass a fake one to make a job due without waiting for it.
   */
  now?: () => number;
  /**
   * How long an action may run before it is ended, as Convex ends it (default ACTION_TIME_LIMIT_MS, Convex's 10
   * minutes): its promise fails with Convex's "Function execution timed out" and whatever it does afterwards is
   * refused (functions.ts). Tests pass a short one.
   */
  actionTimeLimitMs?: number;
}

export interface Engine {
  /**
   * `path` is a Convex function path: "files:list", "ai/chat:respond", or "files" (default export).
   * `args` is the Convex-encoded arguments object (not the array the wire wraps it in).
   */
  runQuery(
    path: string,
    args: JSONValue,
    identity: Identity | null,
    opts?: { journal?: string | null },
  ): Promise<RunResult & { ts: bigint; reads: ReadSet | null; journal?: string | null }>;
  /**
   * Runs a mutation as one serializable transaction; a throw changes nothing. `idempotencyKey` (the sync
   * session id + request id) makes a re-sent mutation return its first result without running again.
   * `ts` is the commit's timestamp (or the current one for a read-only mutation); the engine notifies
   * onCommit listeners before this promise resolves.
   */
  runMutation(
    path: string,
    args: JSONValue,
    identity: Identity | null,
    opts?: { idempotencyKey?: string },
  ): Promise<RunResult & { ts: bigint }>;
  runAction(path: string, args: JSONValue, identity: Identity | null): Promise<RunResult>;
  /**
   * Runs a query or mutation, internal ones included, without an identity: as the deployment's operator, like
   * `npx convex run` on Convex cloud (start-up migrations, the function tests' admin harness).
   */
  runAdmin(kind: "query" | "mutation", path: string, args: JSONValue): Promise<RunResult>;
  /** Routes a request through convex/http.ts; null when there is no such module or no route matches. */
  runHttpAction(request: Request, identity: Identity | null): Promise<Response | null>;
  /** True when a commit with these writes may change the result of a query that made these reads. */
  invalidates(reads: ReadSet, writes: WriteSet): boolean;
  /** A new, empty index of read sets (the sync server keeps its subscriptions' read sets in one). */
  newReadIndex<T>(): ReadIndex<T>;
  onCommit(listener: (commit: Commit) => void): () => void;
  /** After convex/ is reloaded every subscribed query must run again. */
  onReload(listener: () => void): () => void;
  currentTs(): bigint;

  storeBlob(bytes: Uint8Array, contentType: string | null): Promise<string>;
  getBlob(storageId: string): Promise<{ bytes: Uint8Array; contentType: string | null; sha256: string } | null>;
  /** True when a token minted by `ctx.storage.generateUploadUrl()` is known and unexpired; changes nothing. */
  uploadTokenValid(token: string): boolean;
  /** Checks and consumes a token minted by `ctx.storage.generateUploadUrl()`. */
  consumeUploadToken(token: string): boolean;

  /** Function environment variables (persisted in dataDir, on top of defaultEnv). */
  getEnv(): Record<string, string>;
  setEnv(name: string, value: string | null): Promise<void>;
  /** The providers of convex/auth.config.ts, evaluated with the current environment. */
  authProviders(): AuthProviderConfig[];

  /** Re-bundles and re-loads convex/ (after a file change); calls onReload listeners. */
  reload(): Promise<void>;
  close(): Promise<void>;
}
