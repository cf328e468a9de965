import {
  answerWithText,
  answerWithoutText,
  followersOf,
  prepareContentWrite,
  rebaseFollower,
  RevisionTexts,
} from "./contentWrites";
import { RefusedWriteError, decideAfterFailure } from "./failures";
import { encodeTempIds, tempIdFor } from "./ids";
import { conflictIssue, describeEntry, refusalIssue, supersedes, withFollowers } from "./issues";
import { OverlayMemo, type Overrides } from "./overlay";
import { QueryCache } from "./queryCache";
import { canonicalPath } from "./queryKey";
import { SendWindow, type AfterFailure, type LockManagerLike, type SendHost, type Transport } from "./sendWindow";
import { FallbackStorage, IdbSyncStorage, type SyncStorage } from "./storage";
import { ResultLog } from "./resultLog";
import { openTabChannel, type ChannelFactory, type TabNotice } from "./tabChannel";
import { throttleLatest } from "./throttle";
import type { CachedQuery, OutboxEntry, PendingSummary, StoredResult, SyncIssue, SyncStatusInfo } from "./types";

/**
 * The outbox of one signed-in user: every durable write of the SPA, from the call until the server's answer.
 *
 * Words used throughout src/features/sync:
 * - pending: stored here, not yet answered; shown through the overlay.
 * - confirmed: the server applied it; its result is kept (for `$ref`s and temporary ids) for a week.
 * - refused: the server said no, or the outbox gave up (an unmergeable conflict, a deleted target); an issue
 *   records it for the person.
 * - answered: confirmed or refused. The entry leaves the outbox, and the caller's promise resolves (confirmed)
 *   or rejects (refused).
 *
 * Invariants:
 * - An entry is visible to the overlay from the call on, durable once its IndexedDB append committed
 *   (`stored`), and sent in outbox order under its own opId (sendWindow.ts), so the server applies it once.
 * - This tab's view (`entries`, `results`, `issues`) changes synchronously with each answer, before any
 *   storage write: the live query already shows a confirmed write, so the overlay must stop applying it in the
 *   same turn, or a create would briefly show twice.
 * - An entry this tab knows is answered is never revived by a storage read that raced with its removal.
 * - IndexedDB failing moves the outbox to memory for good, seeded from this view, and tells the person once.
 */

export type { ChannelLike } from "./tabChannel";
export type { LockManagerLike, Transport } from "./sendWindow";

export interface OutboxState {
  status: SyncStatusInfo;
  pending: PendingSummary[];
  issues: SyncIssue[];
}

export interface OutboxOptions {
  userKey: string;
  transport: Transport;
  /** Defaults to IndexedDB; a failure to open falls back to memory (and is reported once). */
  openStorage?: (userKey: string) => Promise<SyncStorage>;
  /** Defaults to `navigator.locks`; null means "this tab is the only sender". */
  locks?: LockManagerLike | null;
  /** Defaults to BroadcastChannel; null disables cross-tab notices. */
  channel?: ChannelFactory | null;
  onState?: (state: OutboxState) => void;
  /** Called once when IndexedDB cannot be used and the outbox lives only in memory. */
  onStorageFallback?: (message: string) => void;
  /** Called for each refused write (the message is meant for a person). */
  onIssue?: (issue: SyncIssue) => void;
  /** Delay before resending after a failure that may be transient. */
  retryDelayMs?: (attempt: number) => number;
  cacheDebounceMs?: number;
}

const STATE_INTERVAL_MS = 32;

/** Each entry's summary, made once: the state is reported every STATE_INTERVAL_MS while thousands replay. */
const summaries = new WeakMap<OutboxEntry, PendingSummary>();

function summaryOf(entry: OutboxEntry): PendingSummary {
  let summary = summaries.get(entry);
  if (!summary) {
    summary = { opId: entry.opId, path: entry.path, createdAt: entry.createdAt, label: describeEntry(entry) };
    summaries.set(entry, summary);
  }
  return summary;
}
const RESULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

type Answer = { ok: true; result: unknown } | { ok: false; message: string; issue?: SyncIssue };

interface Caller {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class Outbox implements SendHost {
  readonly userKey: string;
  readonly transport: Transport;
  readonly cache: QueryCache;
  private storage: SyncStorage;
  private readonly ready: Promise<void>;
  private markReady!: () => void;
  private entries: readonly OutboxEntry[] = [];
  /** Entries appended in this tab whose IndexedDB commit has not finished yet. */
  private uncommitted: OutboxEntry[] = [];
  private results: ResultLog = ResultLog.of([]);
  private issues: SyncIssue[] = [];
  private readonly callers = new Map<string, Caller>();
  private readonly listeners = new Set<() => void>();
  private readonly revisionTexts = new RevisionTexts();
  private readonly overlayMemo = new OverlayMemo({
    onReady: () => {
      this.overlayVersion++;
      this.emit();
    },
  });
  /** Counts overlays finished in the background (overlay.ts): readers read again when it changes. */
  private overlayVersion = 0;
  private readonly sender: SendWindow;
  private readonly stateReport: { request(): void; cancel(): void };
  private channel: ReturnType<typeof openTabChannel> = null;
  private readonly answeredIds = new Set<string>();
  private stopped = false;
  private authenticated = true;
  private connected = true;
  private pausedReason: string | undefined;
  /** Storage removals of confirmed entries, not awaited one by one (a lost one only means a deduped resend). */
  private removals: Promise<void> = Promise.resolve();

  constructor(private readonly options: OutboxOptions) {
    this.userKey = options.userKey;
    this.transport = options.transport;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.storage = new FallbackStorage(null, () => this.seed(), () => {}, undefined);
    const locks =
      options.locks !== undefined
        ? options.locks
        : typeof navigator !== "undefined" && navigator.locks
          ? navigator.locks
          : null;
    this.sender = new SendWindow(this, locks, options.retryDelayMs);
    this.stateReport = throttleLatest(() => this.options.onState?.(this.state()), STATE_INTERVAL_MS);
    this.cache = new QueryCache((put, remove) => this.storage.putQueries(put, remove), options.cacheDebounceMs);
    this.cache.subscribe(() => this.revisionTexts.remember(this.cache.snapshot()));
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
      this.results = ResultLog.of(results);
      this.issues = issues.sort((a, b) => a.createdAt - b.createdAt);
      this.cache.hydrate(queries);
    } catch {
      // The fallback already reported it; an empty outbox is all memory can offer.
    }
    this.channel = openTabChannel(this.userKey, this.options.channel, (notice) => this.onTabNotice(notice));
    this.markReady();
    this.emit();
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.stateReport.cancel();
    this.sender.stop();
    this.overlayMemo.dispose();
    this.channel?.close();
    this.channel = null;
    void this.cache.flush().catch(() => {});
    this.cache.dispose();
    this.listeners.clear();
    void this.ready.then(() => this.storage.close());
    this.markReady();
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Whether stop() was called: a stopped outbox cannot be started again. */
  isStopped(): boolean {
    return this.stopped;
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
    if (connected) this.sender.wake();
    this.emit();
  }

  // ---- what readers see ----

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getEntries = (): readonly OutboxEntry[] => this.entries;

  /**
   * Resolves once every write stored (or being stored) now has been answered by the server, confirmed or refused:
   * what must reach the server before something that reads it there (Run reads the project from the server).
   * Writes stored later are not waited for. Offline, it waits for the connection.
   */
  settled(): Promise<void> {
    // `entries` holds the uncommitted ones too (enqueue adds an entry to both).
    const waiting = new Set(this.entries.map((e) => e.opId));
    // The oldest entries are the ones waited for, so the scan usually stops at the first.
    const left = () => this.entries.some((e) => waiting.has(e.opId));
    if (!left()) return Promise.resolve();
    return new Promise((resolve) => {
      const unsubscribe = this.subscribe(() => {
        if (left()) return;
        unsubscribe();
        resolve();
      });
    });
  }
  getResults = (): ReadonlyMap<string, StoredResult> => this.results;
  /** Changes when an overlay recomputed in the background is ready (a long replay): `overlay` shows more then. */
  getOverlayVersion = (): number => this.overlayVersion;

  state(): OutboxState {
    const pending = this.entries.length;
    const status: SyncStatusInfo = {
      phase: this.pausedReason ? "error" : !this.connected ? "offline" : pending > 0 ? "syncing" : "online",
      pending,
      unsaved: this.uncommitted.length,
      storage: this.storage.kind,
      lastError: this.pausedReason,
    };
    if (this.summarized.entries !== this.entries) this.summarized = { entries: this.entries, pending: this.entries.map((e) => summaryOf(e)) };
    return { status, pending: this.summarized.pending, issues: this.issues };
  }

  /** The pending list of the last state report, kept while the entries are the same (readers compare by identity). */
  private summarized: { entries: readonly OutboxEntry[]; pending: PendingSummary[] } = { entries: [], pending: [] };

  /** Confirmed result of an earlier entry (for `$ref`s and temporary ids). */
  lookup = (opId: string): { result: unknown } | undefined => this.results.get(opId);

  /**
   * The cached query results, with `overrides` (live results newer than the cache) laid over them, and every
   * pending entry's optimistic update applied on top, in outbox order.
   */
  overlay(cache: ReadonlyMap<string, CachedQuery>, overrides: Overrides = []): ReadonlyMap<string, CachedQuery> {
    return this.overlayMemo.over(cache, overrides, this.entries, this.results);
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
   * Records a write and returns at once: `result` resolves when the server confirms it and rejects with a
   * RefusedWriteError when it is refused; `stored` resolves once it is durable.
   */
  enqueue(
    pathOrName: string,
    rawArgs: Record<string, unknown>,
    label?: string,
  ): { opId: string; tempId: string; result: Promise<unknown>; stored: Promise<void> } {
    const path = canonicalPath(pathOrName);
    const opId = crypto.randomUUID();
    const { clientOpId: _ignored, ...args } = rawArgs;
    const pendingIds = new Set(this.entries.map((e) => e.opId));
    const encoded = encodeTempIds(args, this.lookup, (id) => pendingIds.has(id)) as Record<string, unknown>;
    const entry: OutboxEntry = {
      opId,
      path,
      args: encoded,
      createdAt: Date.now(),
      userKey: this.userKey,
      ...(label ? { label } : {}),
    };
    prepareContentWrite(entry, this.entries, this.lookup, this.revisionTexts);
    const result = new Promise<unknown>((resolve, reject) => this.callers.set(opId, { resolve, reject }));
    result.catch(() => {
      // Refusals are reported through issues; callers that await the promise still see the rejection.
    });
    this.uncommitted.push(entry);
    this.entries = [...this.entries, entry];
    this.emit();
    const stored = this.ready
      .then(() => this.storage.append(entry))
      .then((committed) => {
        this.uncommitted = this.uncommitted.filter((e) => e !== entry);
        this.entries = this.entries.map((e) => (e.opId === entry.opId ? committed : e));
        this.emit();
        this.post({ type: "outbox" });
        this.kick();
      })
      .catch((error: unknown) => {
        // Even memory refused it (should not happen): the write is lost, and its caller is told.
        this.uncommitted = this.uncommitted.filter((e) => e !== entry);
        this.entries = this.entries.filter((e) => e !== entry);
        this.emit();
        this.callers.get(opId)?.reject(error);
        this.callers.delete(opId);
        throw error;
      });
    stored.catch(() => {
      // Reported through `result` as well.
    });
    return { opId, tempId: tempIdFor(opId), result, stored };
  }

  /** Makes sure a sender runs (in this tab or the one holding the lock). */
  kick(): void {
    this.sender.kick();
  }

  // ---- the sender's host (sendWindow.ts) ----

  canSend(): boolean {
    return !this.stopped && this.authenticated;
  }

  storedAfter(afterSeq: number, limit: number): Promise<OutboxEntry[]> {
    return this.storage.listAfter(afterSeq, limit);
  }

  isAnswered(opId: string): boolean {
    return this.answeredIds.has(opId);
  }

  removalsCommitted(): Promise<void> {
    return this.removals;
  }

  async confirmMany(answered: readonly { entry: OutboxEntry; result: unknown }[], beforeNotice?: () => void): Promise<void> {
    const at = Date.now();
    const confirmed = answered.map(({ entry, result }) => {
      const stored: StoredResult = { opId: entry.opId, result: result ?? null, at };
      this.answeredIds.add(entry.opId);
      return { entry, stored };
    });
    this.results = this.results.with(confirmed.map(({ stored }) => stored));
    this.entries = this.entries.filter((e) => !this.answeredIds.has(e.opId));
    beforeNotice?.();
    this.emit();
    // Not awaited: IndexedDB commits its transactions in order, so the removal is durable before any later
    // write to the outbox; until then a reload would resend the entries, which the server applies once.
    const removal = this.storage.removeAnsweredMany(confirmed.map(({ entry, stored }) => ({ seq: entry.seq!, result: stored })));
    this.removals = this.removals.then(() => removal).catch(() => {
      // FallbackStorage already moved to memory and reported it.
    });
    for (const { entry } of confirmed) if (entry.rebase) await this.rebaseFollowerOf(entry);
    // A content write's caller also learns which text the server now holds: it differs from what the caller
    // wrote when the outbox merged it with another writer's change. The stored result stays small.
    const answers = confirmed.map(({ entry, stored }) => ({ opId: entry.opId, result: answerWithText(entry, stored.result) }));
    this.post({ type: "confirmed", answers });
    for (const { opId, result } of answers) this.answerCaller(opId, { ok: true, result });
  }

  async fail(entry: OutboxEntry, sentArgs: Record<string, unknown>, error: unknown): Promise<AfterFailure> {
    const decision = decideAfterFailure(entry, sentArgs, error);
    switch (decision.kind) {
      case "pause":
        this.authenticated = false;
        this.pausedReason = decision.reason;
        this.emit();
        return "pause";
      case "refuse":
        await this.refuse(entry, decision.issue);
        return "next";
      case "resend":
        await this.replace(decision.entry);
        this.emit();
        return "next";
      case "retry":
        if (decision.entry) await this.replace(decision.entry);
        return { retryAfterAttempt: decision.attempt };
    }
  }

  async refuseUnsendable(entry: OutboxEntry, message: string): Promise<void> {
    await this.refuse(entry, refusalIssue(entry, "rejected", message));
  }

  // ---- answering ----

  private async replace(updated: OutboxEntry): Promise<void> {
    await this.storage.replace(updated);
    this.entries = this.entries.map((e) => (e.opId === updated.opId ? updated : e));
  }

  private async rebaseFollowerOf(confirmed: OutboxEntry): Promise<void> {
    const outcome = rebaseFollower(confirmed, await this.storage.list());
    if (!outcome) return;
    if (outcome.kind === "conflict") {
      await this.refuse(outcome.follower, conflictIssue(outcome.follower, outcome.conflict));
      return;
    }
    await this.replace(outcome.follower);
    this.emit();
  }

  /** Answers `entry` with an issue, together with the content writes chained onto it (they cannot be sent). */
  private async refuse(entry: OutboxEntry, original: SyncIssue): Promise<void> {
    const absorbs = original.kind === "conflict" || original.kind === "deleted";
    const followers = absorbs ? followersOf(entry, await this.storage.list()) : [];
    const issue = withFollowers(original, followers);
    const answer = { ok: false as const, message: issue.message, issue };
    for (const follower of followers) {
      this.answeredIds.add(follower.opId);
      this.entries = this.entries.filter((e) => e.opId !== follower.opId);
      await this.storage.removeAnswered(follower.seq!);
      this.post({ type: "answered", opId: follower.opId, ...answer });
      this.answerCaller(follower.opId, answer);
    }
    this.answeredIds.add(entry.opId);
    this.entries = this.entries.filter((e) => e.opId !== entry.opId);
    const superseded = this.issues.filter((i) => supersedes(issue, i));
    this.issues = [...this.issues.filter((i) => i.id !== issue.id && !superseded.includes(i)), issue];
    this.emit();
    for (const old of superseded) await this.storage.deleteIssue(old.id);
    await this.storage.putIssue(issue);
    await this.storage.removeAnswered(entry.seq!);
    this.post({ type: "issues" });
    this.post({ type: "answered", opId: entry.opId, ...answer });
    this.options.onIssue?.(issue);
    this.answerCaller(entry.opId, answer);
  }

  private answerCaller(opId: string, answer: Answer): void {
    const caller = this.callers.get(opId);
    if (!caller) return;
    this.callers.delete(opId);
    if (answer.ok) caller.resolve(answer.result);
    else if (answer.issue) caller.reject(new RefusedWriteError(answer.message, answer.issue));
    else caller.reject(new Error(answer.message));
  }

  // ---- other tabs ----

  private post(notice: TabNotice): void {
    this.channel?.post(notice);
  }

  private onTabNotice(notice: TabNotice): void {
    if (this.stopped) return;
    if (notice.type === "confirmed") {
      const byOpId = new Map(this.entries.map((e) => [e.opId, e]));
      this.results = this.results.with(
        notice.answers.map(({ opId, result }) => {
          const entry = byOpId.get(opId);
          this.answeredIds.add(opId);
          return { opId, result: entry ? answerWithoutText(entry.path, result) : result, at: Date.now() };
        }),
      );
      this.entries = this.entries.filter((e) => !this.answeredIds.has(e.opId));
      for (const { opId, result } of notice.answers) this.answerCaller(opId, { ok: true, result });
      this.emit();
      return;
    }
    if (notice.type === "answered") {
      this.answerCaller(notice.opId, { ok: false, message: notice.message, issue: notice.issue });
      this.answeredIds.add(notice.opId);
      this.entries = this.entries.filter((e) => e.opId !== notice.opId);
      this.emit();
      return;
    }
    void this.refresh(notice.type === "issues");
    if (notice.type === "outbox") this.kick();
  }

  private async refresh(issues: boolean): Promise<void> {
    const stored = await this.storage.list();
    const known = new Set(stored.map((e) => e.opId));
    this.entries = [
      ...stored.filter((e) => !this.answeredIds.has(e.opId)),
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
    if (this.options.onState && !this.stopped) this.stateReport.request();
  }
}
