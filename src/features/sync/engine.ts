import { ConvexError } from "convex/values";
import { errorCode, errorMessage } from "../../lib/errors";
import { UnresolvedRefError, encodeTempIds, isRef, refsIn, resolveRefs, tempIdFor } from "./ids";
import { mergeThreeWay } from "./merge";
import { applyPending } from "./overlay";
import { QueryCache } from "./queryCache";
import { canonicalPath } from "./queryKey";
import { FallbackStorage, IdbSyncStorage, type SyncStorage } from "./storage";
import type {
  CachedQuery,
  OutboxEntry,
  PendingSummary,
  StoredResult,
  SyncIssue,
  SyncStatusInfo,
} from "./types";

/** How a write reaches the server; the Convex client in the app, a fake in tests, an HTTP client in bench. */
export interface Transport {
  mutation(path: string, args: Record<string, unknown>): Promise<unknown>;
}

export interface LockManagerLike {
  request(name: string, callback: () => Promise<void>): Promise<unknown>;
}

export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

export interface EngineState {
  status: SyncStatusInfo;
  pending: PendingSummary[];
  issues: SyncIssue[];
}

export interface SyncEngineOptions {
  userKey: string;
  transport: Transport;
  /** Defaults to IndexedDB; a failure to open falls back to memory (and is reported once). */
  openStorage?: (userKey: string) => Promise<SyncStorage>;
  /** Defaults to `navigator.locks`; null means "this tab is the only sender". */
  locks?: LockManagerLike | null;
  /** Defaults to BroadcastChannel; null disables cross-tab notices. */
  channel?: ((name: string) => ChannelLike) | null;
  onState?: (state: EngineState) => void;
  /** Called once when IndexedDB cannot be used and the outbox lives only in memory. */
  onStorageFallback?: (message: string) => void;
  /** Called for each write the server refused (the message is meant for a person). */
  onIssue?: (issue: SyncIssue) => void;
  /** Delay before retrying a send that failed without a ConvexError. */
  retryDelayMs?: (attempt: number) => number;
  cacheDebounceMs?: number;
}

/** Writes whose conflicts are merged: content writes with a base revision. */
interface ContentWriteSpec {
  idArg: string;
  contentArg: string;
  revisionArg: string;
  /** The query holding the confirmed `{ content, revision }` of one file, keyed by `{ [idArg]: id }`. */
  query: string;
}

const contentWrites = new Map<string, ContentWriteSpec>([
  ["files:updateContent", { idArg: "fileId", contentArg: "content", revisionArg: "baseRevision", query: "files:get" }],
]);

export function registerContentWrite(path: string, spec: ContentWriteSpec): void {
  contentWrites.set(canonicalPath(path), spec);
}

const STOPPED = Symbol("stopped");
/** How many outbox entries may be on the wire at once (see `drain`). */
const SEND_WINDOW = 16;
const STATE_INTERVAL_MS = 32;
const MAX_SERVER_ERROR_ATTEMPTS = 3;
const MAX_MERGE_ATTEMPTS = 5;
const RESULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

interface InFlight {
  entry: OutboxEntry;
  args: Record<string, unknown>;
  outcome: Promise<Outcome>;
}

interface Waiter {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type ChannelMessage =
  | { type: "outbox" }
  | { type: "settled"; opId: string; ok: true; result: unknown }
  | { type: "settled"; opId: string; ok: false; message: string; issue?: SyncIssue }
  | { type: "issues" };

export class SyncConflictError extends Error {
  constructor(
    message: string,
    readonly issue: SyncIssue,
  ) {
    super(message);
    this.name = "SyncConflictError";
  }
}

/** The server's error code; "ERROR" for a ConvexError that carries none. */
function codeOf(error: unknown): string | undefined {
  return errorCode(error) ?? (error instanceof ConvexError ? "ERROR" : undefined);
}

function messageOf(error: unknown): string {
  return errorMessage(error, "The server could not apply this change.");
}

/** Errors where the request may never have reached the server (HTTP transports; the WebSocket client waits). */
function isNetworkError(error: unknown): boolean {
  if (error instanceof ConvexError) return false;
  if (error instanceof TypeError) return true;
  return error instanceof Error && /network|failed to fetch|connection lost|ECONNREFUSED|ECONNRESET|socket/i.test(error.message);
}

function isUnauthenticated(error: unknown): boolean {
  const code = codeOf(error);
  if (code === "UNAUTHENTICATED") return true;
  return !(error instanceof ConvexError) && error instanceof Error && /unauthenticated|not authenticated/i.test(error.message);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) {
    return false;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/**
 * The overlay is recomputed whenever a result, the outbox or the cache changes; results its re-run produced
 * equal to the previous overlay's keep the previous objects, so readers comparing by identity (React memos,
 * the editor's sessions) do no work for them.
 */
function shareUnchanged(
  out: Map<string, CachedQuery>,
  base: ReadonlyMap<string, CachedQuery>,
  previous: ReadonlyMap<string, CachedQuery>,
): void {
  for (const [token, query] of out) {
    if (query === base.get(token)) continue;
    const before = previous.get(token);
    if (before !== undefined && before !== query && sameValue(before.value, query.value)) out.set(token, before);
  }
}

function describe(entry: Pick<OutboxEntry, "path" | "args">): string {
  const name = typeof entry.args.name === "string" ? ` "${entry.args.name}"` : "";
  return `${entry.path}${name}`;
}

/**
 * The outbox of one signed-in user: durable (IndexedDB), ordered, sent in order (pipelined, see `drain`) by one
 * tab at a time, each entry under its own clientOpId so the server applies it once however often it is resent.
 */
export class SyncEngine {
  readonly userKey: string;
  readonly cache: QueryCache;
  private storage: SyncStorage;
  private readonly ready: Promise<void>;
  private resolveReady!: () => void;
  private entries: readonly OutboxEntry[] = [];
  /** Entries appended in this tab whose IndexedDB commit has not finished yet. */
  private uncommitted: OutboxEntry[] = [];
  private results: ReadonlyMap<string, StoredResult> = new Map();
  private issues: SyncIssue[] = [];
  private readonly waiters = new Map<string, Waiter>();
  private readonly listeners = new Set<() => void>();
  private readonly revisionTexts = new Map<string, Map<number, string>>();
  private channel: ChannelLike | null = null;
  private locks: LockManagerLike | null;
  private senderQueued = false;
  private kickAgain = false;
  private localChain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly stopSignal: Promise<typeof STOPPED>;
  private signalStop!: () => void;
  /** Entries this tab knows are settled, so a storage read that raced with settling cannot revive them. */
  private readonly settledIds = new Set<string>();
  private authenticated = true;
  private connected = true;
  private pausedReason: string | undefined;
  private wake: (() => void) | undefined;
  /** IndexedDB settles of confirmed entries, not awaited one by one (a lost one only means a deduped resend). */
  private settling: Promise<void> = Promise.resolve();
  private stateTimer: ReturnType<typeof setTimeout> | undefined;
  private stateDue = false;
  private overlayMemo:
    | { base: ReadonlyMap<string, CachedQuery>; entries: readonly OutboxEntry[]; results: unknown; out: ReadonlyMap<string, CachedQuery> }
    | undefined;

  constructor(private readonly options: SyncEngineOptions) {
    this.userKey = options.userKey;
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    this.stopSignal = new Promise((resolve) => (this.signalStop = () => resolve(STOPPED)));
    this.storage = new FallbackStorage(null, () => this.seed(), () => {}, undefined);
    this.locks =
      options.locks !== undefined
        ? options.locks
        : typeof navigator !== "undefined" && navigator.locks
          ? navigator.locks
          : null;
    this.cache = new QueryCache((put, remove) => this.storage.putQueries(put, remove), options.cacheDebounceMs);
    this.cache.subscribe(() => this.rememberRevisions());
  }

  // ---- lifecycle ----

  async start(): Promise<void> {
    const open = this.options.openStorage ?? ((user: string) => IdbSyncStorage.open(user));
    let primary: SyncStorage | null = null;
    let openError: unknown;
    try {
      primary = await open(this.userKey);
    } catch (error) {
      openError = error;
    }
    let reported = false;
    this.storage = new FallbackStorage(
      primary,
      () => this.seed(),
      (error) => {
        if (reported) return;
        reported = true;
        const reason = error instanceof Error && error.message ? ` (${error.message})` : "";
        this.options.onStorageFallback?.(
          `Offline storage is unavailable${reason}. Changes are kept in this tab only until they reach the server; don't close it while offline.`,
        );
        this.emit();
      },
      openError,
    );
    if (this.stopped) {
      this.storage.close();
      return;
    }
    try {
      await this.storage.pruneResults(Date.now() - RESULT_RETENTION_MS);
      const [entries, results, issues, queries] = await Promise.all([
        this.storage.list(),
        this.storage.results(),
        this.storage.issues(),
        this.storage.queries(),
      ]);
      this.entries = [...entries, ...this.uncommitted];
      this.results = new Map(results.map((r) => [r.opId, r]));
      this.issues = issues.sort((a, b) => a.createdAt - b.createdAt);
      this.cache.hydrate(queries);
    } catch {
      // The fallback already reported it; an empty outbox is all memory can offer.
    }
    if (this.options.channel !== null && (this.options.channel || typeof BroadcastChannel !== "undefined")) {
      const make = this.options.channel ?? ((name: string) => new BroadcastChannel(name));
      this.channel = make(`polaris-outbox-${this.userKey}`);
      this.channel.onmessage = (event) => this.onChannel(event.data as ChannelMessage);
    }
    this.resolveReady();
    this.emit();
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    if (this.stateTimer !== undefined) clearTimeout(this.stateTimer);
    this.signalStop();
    this.wake?.();
    this.channel?.close();
    this.channel = null;
    void this.cache.flush().catch(() => {});
    this.cache.dispose();
    this.listeners.clear();
    void this.ready.then(() => this.storage.close());
    this.resolveReady();
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  // ---- inputs from the app ----

  setAuthenticated(authenticated: boolean): void {
    if (this.authenticated === authenticated) return;
    this.authenticated = authenticated;
    if (authenticated) this.pausedReason = undefined;
    this.emit();
    if (authenticated) this.kick();
  }

  setConnected(connected: boolean): void {
    if (this.connected === connected) return;
    this.connected = connected;
    if (connected) this.wake?.();
    this.emit();
  }

  // ---- snapshots for React ----

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getEntries = (): readonly OutboxEntry[] => this.entries;
  getResults = (): ReadonlyMap<string, StoredResult> => this.results;

  state(): EngineState {
    const pending = this.entries.length;
    const status: SyncStatusInfo = {
      phase: this.pausedReason ? "error" : !this.connected ? "offline" : pending > 0 ? "syncing" : "online",
      pending,
      unsaved: this.uncommitted.length,
      storage: this.storage.kind,
      lastError: this.pausedReason,
    };
    return {
      status,
      pending: this.entries.map((e) => ({ opId: e.opId, path: e.path, createdAt: e.createdAt, label: describe(e) })),
      issues: this.issues,
    };
  }

  /** Confirmed result of an earlier entry (for `$ref`s and temporary ids). */
  lookup = (opId: string): { result: unknown } | undefined => this.results.get(opId);

  /** The cached query results with every pending entry's optimistic update applied, in outbox order. */
  overlay(base: ReadonlyMap<string, CachedQuery>): ReadonlyMap<string, CachedQuery> {
    const memo = this.overlayMemo;
    if (memo && memo.base === base && memo.entries === this.entries && memo.results === this.results) return memo.out;
    const out = applyPending(base, this.entries, this.lookup);
    if (memo && out !== base) shareUnchanged(out as Map<string, CachedQuery>, base, memo.out);
    this.overlayMemo = { base, entries: this.entries, results: this.results, out };
    return out;
  }

  /** Replaces temporary ids whose create is confirmed with the real ids (for queries and later writes). */
  realIds<T>(args: T): T {
    return encodeTempIds(args, this.lookup, () => false) as T;
  }

  async dismissIssue(id: string): Promise<void> {
    this.issues = this.issues.filter((i) => i.id !== id);
    this.emit();
    await this.ready;
    await this.storage.deleteIssue(id);
    this.post({ type: "issues" });
  }

  // ---- writing ----

  /**
   * Records a write in the outbox and returns at once; `result` settles when the server confirms it (or
   * refuses it). The entry is visible to the overlay immediately and durable once `unsaved` drops back.
   */
  enqueue(
    pathOrName: string,
    rawArgs: Record<string, unknown>,
  ): { opId: string; tempId: string; result: Promise<unknown>; stored: Promise<void> } {
    const path = canonicalPath(pathOrName);
    const opId = crypto.randomUUID();
    const { clientOpId: _ignored, ...args } = rawArgs;
    const pendingIds = new Set(this.entries.map((e) => e.opId));
    const encoded = encodeTempIds(args, this.lookup, (id) => pendingIds.has(id)) as Record<string, unknown>;
    const entry: OutboxEntry = { opId, path, args: encoded, createdAt: Date.now(), userKey: this.userKey };
    this.prepareContentWrite(entry);
    const result = new Promise<unknown>((resolve, reject) => this.waiters.set(opId, { resolve, reject }));
    result.catch(() => {
      // Refusals are reported through issues; callers that await the promise still see the rejection.
    });
    this.uncommitted.push(entry);
    this.entries = [...this.entries, entry];
    this.emit();
    const stored = this.ready
      .then(() => this.storage.append(entry))
      .then((stored) => {
        this.uncommitted = this.uncommitted.filter((e) => e !== entry);
        this.entries = this.entries.map((e) => (e.opId === entry.opId ? stored : e));
        this.emit();
        this.post({ type: "outbox" });
        this.kick();
      })
      .catch((error: unknown) => {
        // Even memory refused it (should not happen); the write can only go straight to the server.
        this.uncommitted = this.uncommitted.filter((e) => e !== entry);
        this.entries = this.entries.filter((e) => e !== entry);
        this.emit();
        this.waiters.get(opId)?.reject(error);
        this.waiters.delete(opId);
        throw error;
      });
    stored.catch(() => {
      // Reported through `result` as well.
    });
    return { opId, tempId: tempIdFor(opId), result, stored };
  }

  private prepareContentWrite(entry: OutboxEntry): void {
    const spec = contentWrites.get(entry.path);
    if (!spec) return;
    const target = JSON.stringify(entry.args[spec.idArg]);
    const previous = [...this.entries]
      .reverse()
      .find((e) => e.path === entry.path && JSON.stringify(e.args[spec.idArg]) === target);
    if (previous) {
      // Written on top of an earlier unsent write: its base is that write's text and resulting revision.
      entry.args[spec.revisionArg] = { $ref: previous.opId, field: "revision" };
      const text = previous.args[spec.contentArg];
      if (typeof text === "string") entry.baseContent = text;
      return;
    }
    const id = entry.args[spec.idArg];
    const revision = entry.args[spec.revisionArg];
    if (typeof id !== "string" || typeof revision !== "number") return;
    const known = this.revisionTexts.get(id)?.get(revision);
    if (known !== undefined) entry.baseContent = known;
  }

  /** Keeps the last few confirmed texts per file, so a content write can carry the text it was based on. */
  private rememberRevisions(): void {
    for (const spec of contentWrites.values()) {
      for (const query of this.cache.snapshot().values()) {
        if (query.path !== spec.query) continue;
        const value = query.value as { content?: unknown; revision?: unknown } | null | undefined;
        const id = query.args[spec.idArg];
        if (typeof id !== "string" || !value || typeof value.content !== "string" || typeof value.revision !== "number") {
          continue;
        }
        const texts = this.revisionTexts.get(id) ?? new Map<number, string>();
        texts.set(value.revision, value.content);
        while (texts.size > 4) texts.delete(texts.keys().next().value!);
        this.revisionTexts.set(id, texts);
      }
    }
  }

  // ---- sending ----

  /** Makes sure a sender runs: in this tab if it gets the per-user lock, otherwise in the tab holding it. */
  kick(): void {
    if (this.stopped || !this.authenticated) return;
    if (this.senderQueued) {
      this.kickAgain = true;
      return;
    }
    this.senderQueued = true;
    this.kickAgain = false;
    const run = async () => {
      try {
        await this.drain();
      } finally {
        this.senderQueued = false;
        if (this.kickAgain) this.kick();
      }
    };
    const name = `polaris-outbox-${this.userKey}`;
    if (this.locks) {
      this.locks.request(name, run).catch(() => {
        this.senderQueued = false;
      });
    } else {
      this.localChain = this.localChain.then(run, run);
    }
  }

  /**
   * Sends the stored outbox in order, pipelined: up to SEND_WINDOW entries are on the wire at once (the Convex
   * client sends them on one socket in call order and the server applies them in that order), and answers are
   * handled strictly in outbox order. An entry waits until the window has emptied when an earlier entry decides
   * what it sends (a `$ref` to a create's id or to a content write's new revision), or when it names a row that
   * a content write in flight targets (that write may be merged after a CONFLICT and resent, and must still
   * land first). After any failure nothing new is sent: the rest of the window is answered, then sending
   * restarts from the first unsettled entry, so entries to resend go out again in their original order.
   */
  private async drain(): Promise<void> {
    await this.ready;
    const window: InFlight[] = [];
    let buffer: OutboxEntry[] = [];
    let lastSeq = -Infinity;
    let restart = false;
    try {
      while (!this.stopped && this.authenticated) {
        this.kickAgain = false;
        if (restart && window.length === 0) {
          restart = false;
          buffer = [];
          lastSeq = -Infinity;
        }
        while (!restart && window.length < SEND_WINDOW) {
          if (buffer.length === 0) {
            buffer = (await this.storage.list()).filter((e) => e.seq! > lastSeq && !this.settledIds.has(e.opId));
            if (buffer.length === 0 || this.stopped) break;
          }
          const entry = buffer[0];
          if (this.settledIds.has(entry.opId)) {
            buffer.shift();
            continue;
          }
          if (window.length > 0 && this.mustWait(entry, window)) break;
          buffer.shift();
          lastSeq = entry.seq!;
          const launched = this.launch(entry);
          if (launched) window.push(launched);
          else await this.refuse(entry, "rejected", new UnresolvedRefError(refsIn(entry.args)[0] ?? entry.opId).message);
        }
        const head = window.shift();
        if (!head) return;
        const outcome = await Promise.race([head.outcome, this.stopSignal]);
        if (outcome === STOPPED) return;
        if (outcome.ok) {
          if (head.entry.rebase) buffer = [];
          await this.confirm(head.entry, outcome.result);
          continue;
        }
        if (this.stopped) return;
        restart = true;
        buffer = [];
        if ((await this.handleFailure(head.entry, head.args, outcome.error)) === "pause") return;
      }
    } finally {
      for (const left of window) left.outcome.catch(() => {});
      await this.settling;
    }
  }

  /** Whether `entry` must wait for the entries in flight to be answered before it is sent. */
  private mustWait(entry: OutboxEntry, window: readonly InFlight[]): boolean {
    if (refsIn(entry.args).some((opId) => !this.results.has(opId))) return true;
    let text: string | undefined;
    for (const flight of window) {
      const spec = contentWrites.get(flight.entry.path);
      const id = spec ? flight.args[spec.idArg] : undefined;
      if (typeof id !== "string") continue;
      text ??= JSON.stringify(entry.args);
      if (text.includes(JSON.stringify(id))) return true;
    }
    return false;
  }

  /** Sends one entry under its clientOpId; undefined when a `$ref` it needs has no result (its target failed). */
  private launch(entry: OutboxEntry): InFlight | undefined {
    let args: Record<string, unknown>;
    try {
      args = this.argsForSend(entry);
    } catch (error) {
      if (error instanceof UnresolvedRefError) return undefined;
      throw error;
    }
    // Stopping (user switch, unmount) abandons the wait and releases the lock; the entry stays stored, and
    // whoever sends it next uses the same opId, so the server still applies it once.
    const outcome = Promise.resolve()
      .then(() => this.options.transport.mutation(entry.path, { ...args, clientOpId: entry.opId }))
      .then(
        (result): Outcome => ({ ok: true, result }),
        (error: unknown): Outcome => ({ ok: false, error }),
      );
    return { entry, args, outcome };
  }

  private argsForSend(entry: OutboxEntry): Record<string, unknown> {
    return resolveRefs(entry.args, this.lookup) as Record<string, unknown>;
  }

  private async confirm(entry: OutboxEntry, result: unknown): Promise<void> {
    const stored: StoredResult = { opId: entry.opId, result: result ?? null, at: Date.now() };
    // Mirror first, synchronously: the live query already shows the write, so the overlay must stop
    // applying it in the same frame or a create would briefly show twice.
    this.results = new Map(this.results).set(entry.opId, stored);
    this.settledIds.add(entry.opId);
    this.entries = this.entries.filter((e) => e.opId !== entry.opId);
    this.emit();
    // Not awaited: IndexedDB commits its transactions in order, so the settle is durable before any later
    // write to the outbox; until then a reload would resend the entry, which the server applies once.
    const settle = this.storage.settle(entry.seq!, stored);
    this.settling = this.settling.then(() => settle).catch(() => {
      // FallbackStorage already moved to memory and reported it.
    });
    if (entry.rebase) await this.rebaseFollower(entry);
    // Content writes also tell their caller which text the server now holds (it differs from what the caller
    // wrote when the outbox merged it with another writer's change); the stored result stays small.
    const spec = contentWrites.get(entry.path);
    const sent = spec ? entry.args[spec.contentArg] : undefined;
    const answer =
      typeof sent === "string" && stored.result && typeof stored.result === "object"
        ? { ...(stored.result as Record<string, unknown>), [spec!.contentArg]: sent }
        : stored.result;
    this.post({ type: "settled", opId: entry.opId, ok: true, result: answer });
    this.settleWaiter(entry.opId, { ok: true, result: answer });
  }

  private async rebaseFollower(entry: OutboxEntry): Promise<void> {
    const spec = contentWrites.get(entry.path);
    if (!spec || !entry.rebase) return;
    const all = await this.storage.list();
    const follower = all.find((e) => {
      const rev = e.args[spec.revisionArg];
      return isRef(rev) && rev.$ref === entry.opId;
    });
    if (!follower) return;
    const mine = follower.args[spec.contentArg];
    if (typeof mine !== "string") return;
    const merged = mergeThreeWay(entry.rebase.from, mine, entry.rebase.to);
    if (merged.kind === "conflict") {
      await this.raiseConflict(follower, mine, entry.rebase.from, entry.rebase.to, merged.text, undefined);
      return;
    }
    const updated: OutboxEntry = {
      ...follower,
      args: { ...follower.args, [spec.contentArg]: merged.text },
      baseContent: entry.rebase.to,
      rebase: { from: mine, to: merged.text },
    };
    await this.storage.replace(updated);
    this.entries = this.entries.map((e) => (e.opId === updated.opId ? updated : e));
    this.emit();
  }

  private async handleFailure(entry: OutboxEntry, args: Record<string, unknown>, error: unknown): Promise<"next" | "pause"> {
    if (isUnauthenticated(error)) {
      this.authenticated = false;
      this.pausedReason = "Sign in again to send your pending changes.";
      this.emit();
      return "pause";
    }
    const code = codeOf(error);
    const spec = contentWrites.get(entry.path);
    if (code === "CONFLICT" && spec) return this.mergeAfterConflict(entry, args, error as ConvexError<any>, spec);
    if (code === "NOT_FOUND") {
      await this.refuse(entry, "deleted", messageOf(error));
      return "next";
    }
    if (code !== undefined) {
      await this.refuse(entry, "rejected", messageOf(error));
      return "next";
    }
    if (isNetworkError(error)) {
      await this.pauseBeforeRetry(entry.attempts ?? 0);
      return "next";
    }
    const attempts = (entry.attempts ?? 0) + 1;
    if (attempts >= MAX_SERVER_ERROR_ATTEMPTS) {
      await this.refuse(entry, "rejected", messageOf(error));
      return "next";
    }
    const updated = { ...entry, attempts };
    await this.storage.replace(updated);
    this.entries = this.entries.map((e) => (e.opId === entry.opId ? updated : e));
    await this.pauseBeforeRetry(attempts);
    return "next";
  }

  private async mergeAfterConflict(
    entry: OutboxEntry,
    args: Record<string, unknown>,
    error: ConvexError<any>,
    spec: ContentWriteSpec,
  ): Promise<"next"> {
    const data = error.data as { revision?: unknown; content?: unknown };
    const mine = args[spec.contentArg];
    const theirs = typeof data.content === "string" ? data.content : undefined;
    const revision = typeof data.revision === "number" ? data.revision : undefined;
    if (typeof mine !== "string" || theirs === undefined || revision === undefined) {
      await this.refuse(entry, "rejected", messageOf(error));
      return "next";
    }
    const attempts = (entry.attempts ?? 0) + 1;
    const merged = mergeThreeWay(entry.baseContent, mine, theirs);
    if (merged.kind === "conflict" || attempts > MAX_MERGE_ATTEMPTS) {
      await this.raiseConflict(entry, mine, entry.baseContent, theirs, merged.text, revision);
      return "next";
    }
    const updated: OutboxEntry = {
      ...entry,
      args: { ...entry.args, [spec.contentArg]: merged.text, [spec.revisionArg]: revision },
      baseContent: theirs,
      attempts,
      rebase: { from: entry.rebase?.from ?? mine, to: merged.text },
    };
    await this.storage.replace(updated);
    this.entries = this.entries.map((e) => (e.opId === entry.opId ? updated : e));
    this.emit();
    return "next";
  }

  private async raiseConflict(
    entry: OutboxEntry,
    mine: string,
    base: string | undefined,
    theirs: string,
    merged: string,
    serverRevision: number | undefined,
  ): Promise<void> {
    const spec = contentWrites.get(entry.path);
    const fileId = spec ? entry.args[spec.idArg] : undefined;
    const issue: SyncIssue = {
      id: entry.opId,
      kind: "conflict",
      opId: entry.opId,
      path: entry.path,
      message: "This file was changed elsewhere while you edited it, and both changed the same lines. Your text is kept: choose what to keep.",
      createdAt: Date.now(),
      fileId: typeof fileId === "string" ? fileId : undefined,
      text: mine,
      base,
      theirs,
      merged,
      serverRevision,
    };
    await this.settleWithIssue(entry, issue);
  }

  private async refuse(entry: OutboxEntry, kind: "deleted" | "rejected", message: string): Promise<void> {
    const spec = contentWrites.get(entry.path);
    const text = spec ? entry.args[spec.contentArg] : undefined;
    const fileId = spec ? entry.args[spec.idArg] : entry.args.fileId;
    const issue: SyncIssue = {
      id: entry.opId,
      kind,
      opId: entry.opId,
      path: entry.path,
      message:
        kind === "deleted"
          ? `${message} Your change to it could not be saved${typeof text === "string" ? "; you can save your text as a new file" : ""}.`
          : message,
      createdAt: Date.now(),
      fileId: typeof fileId === "string" ? fileId : undefined,
      text: typeof text === "string" ? text : undefined,
    };
    await this.settleWithIssue(entry, issue);
  }

  /**
   * Later content writes chained onto `entry` (their base revision is `entry`'s result) cannot be sent once
   * `entry` is refused. They were typed on top of it, so the newest one's text is what the person wants to
   * keep: they settle with the same issue, which carries that text.
   */
  private async absorbFollowers(entry: OutboxEntry, issue: SyncIssue): Promise<{ issue: SyncIssue; followers: OutboxEntry[] }> {
    const spec = contentWrites.get(entry.path);
    if (!spec || (issue.kind !== "conflict" && issue.kind !== "deleted")) return { issue, followers: [] };
    const all = await this.storage.list();
    const followers: OutboxEntry[] = [];
    let last = entry;
    for (;;) {
      const next = all.find((e) => {
        const rev = e.args[spec.revisionArg];
        return e.path === entry.path && isRef(rev) && rev.$ref === last.opId;
      });
      if (!next) break;
      followers.push(next);
      last = next;
    }
    const text = last.args[spec.contentArg];
    if (followers.length === 0 || typeof text !== "string") return { issue, followers };
    const merged =
      issue.kind === "conflict" && issue.theirs !== undefined ? mergeThreeWay(issue.base, text, issue.theirs).text : issue.merged;
    return { issue: { ...issue, text, merged }, followers };
  }

  private async settleWithIssue(entry: OutboxEntry, original: SyncIssue): Promise<void> {
    const { issue, followers } = await this.absorbFollowers(entry, original);
    for (const follower of followers) {
      this.settledIds.add(follower.opId);
      this.entries = this.entries.filter((e) => e.opId !== follower.opId);
      await this.storage.settle(follower.seq!);
      this.post({ type: "settled", opId: follower.opId, ok: false, message: issue.message, issue });
      this.settleWaiter(follower.opId, { ok: false, message: issue.message, issue });
    }
    this.settledIds.add(entry.opId);
    this.entries = this.entries.filter((e) => e.opId !== entry.opId);
    this.issues = [...this.issues.filter((i) => i.id !== issue.id), issue];
    this.emit();
    await this.storage.putIssue(issue);
    await this.storage.settle(entry.seq!);
    this.post({ type: "issues" });
    this.post({ type: "settled", opId: entry.opId, ok: false, message: issue.message, issue });
    this.options.onIssue?.(issue);
    this.settleWaiter(entry.opId, { ok: false, message: issue.message, issue });
  }

  private settleWaiter(
    opId: string,
    outcome: { ok: true; result: unknown } | { ok: false; message: string; issue?: SyncIssue },
  ): void {
    const waiter = this.waiters.get(opId);
    if (!waiter) return;
    this.waiters.delete(opId);
    if (outcome.ok) waiter.resolve(outcome.result);
    else if (outcome.issue) waiter.reject(new SyncConflictError(outcome.message, outcome.issue));
    else waiter.reject(new Error(outcome.message));
  }

  private pauseBeforeRetry(attempt: number): Promise<void> {
    const delay = this.options.retryDelayMs?.(attempt) ?? Math.min(30_000, 500 * 2 ** attempt);
    return new Promise((resolve) => {
      const timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  // ---- tabs ----

  private post(message: ChannelMessage): void {
    try {
      this.channel?.postMessage(message);
    } catch {
      // A closed channel (tab going away) has nobody to tell.
    }
  }

  private onChannel(message: ChannelMessage): void {
    if (this.stopped) return;
    if (message.type === "settled") {
      if (message.ok) {
        const entry = this.entries.find((e) => e.opId === message.opId);
        const spec = entry ? contentWrites.get(entry.path) : undefined;
        let result = message.result;
        if (spec && result && typeof result === "object") {
          const { [spec.contentArg]: _sent, ...rest } = result as Record<string, unknown>;
          result = rest;
        }
        this.results = new Map(this.results).set(message.opId, { opId: message.opId, result, at: Date.now() });
        this.settleWaiter(message.opId, { ok: true, result: message.result });
      } else {
        this.settleWaiter(message.opId, { ok: false, message: message.message, issue: message.issue });
      }
      this.settledIds.add(message.opId);
      this.entries = this.entries.filter((e) => e.opId !== message.opId);
      this.emit();
      return;
    }
    void this.refresh(message.type === "issues");
    if (message.type === "outbox") this.kick();
  }

  private async refresh(issues: boolean): Promise<void> {
    const stored = await this.storage.list();
    const known = new Set(stored.map((e) => e.opId));
    this.entries = [
      ...stored.filter((e) => !this.settledIds.has(e.opId)),
      ...this.uncommitted.filter((e) => !known.has(e.opId)),
    ];
    if (issues) this.issues = (await this.storage.issues()).sort((a, b) => a.createdAt - b.createdAt);
    this.emit();
  }

  private seed() {
    return {
      outbox: this.entries.filter((e) => !this.uncommitted.includes(e)),
      results: [...this.results.values()],
      issues: this.issues,
      queries: [...this.cache.snapshot().values()].filter((q) => q.path),
    };
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
    this.reportState();
  }

  /**
   * `onState` feeds the header (the app store, whose every change reaches all its subscribers): at most once per
   * STATE_INTERVAL_MS while a replay settles entry after entry, always with the latest state.
   */
  private reportState(): void {
    if (!this.options.onState || this.stopped) return;
    if (this.stateTimer !== undefined) {
      this.stateDue = true;
      return;
    }
    this.options.onState(this.state());
    this.stateTimer = setTimeout(() => {
      this.stateTimer = undefined;
      if (!this.stateDue) return;
      this.stateDue = false;
      this.reportState();
    }, STATE_INTERVAL_MS);
  }
}

