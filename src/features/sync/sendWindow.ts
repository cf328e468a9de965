import { contentRowOf, rowWritten } from "./contentWrites";
import { UnresolvedRefError, refsIn, resolveRefs } from "./ids";
import type { OutboxEntry } from "./types";

/**
 * Sending the stored outbox: one tab at a time, in order, pipelined.
 *
 * Invariants:
 * - One sender per user across tabs: the tab holding the Web Lock `polaris-outbox-<user>` sends; without Web
 *   Locks (tests, old browsers) a tab only chains its own runs.
 * - Up to SEND_WINDOW entries are on the wire at once (the Convex client sends them on one socket in call order
 *   and the server applies them in that order), and answers are handled strictly in the order sent.
 * - The window is topped up only once it has drained to REFILL_AT entries or fewer, and then filled in one go:
 *   new entries leave in bursts, never one per answer (see REFILL_AT).
 * - Entries stored while the sender waits for the window's head join the window at once, up to SEND_WINDOW (a
 *   kick ends the wait and starts a top-up): offline, the Convex client holds them all and sends them together
 *   when the connection is back.
 * - Answers are confirmed in batches: once the first entry of the window is answered, it and every entry after
 *   it whose answer has already arrived (the Convex client resolves all the mutations one transition reflects
 *   together) go to `confirmMany` at once, in outbox order, so readers, storage and other tabs hear of one
 *   batch instead of each entry. A batch stops at the first entry not yet answered or failed, and after an
 *   entry to rebase (its followers are read again before they go out).
 * - An entry waits until the window has emptied when an earlier entry decides what it sends (a `$ref` to a
 *   create's id or to a content write's new revision), or when it names a row that a content write in flight
 *   targets (that write may be merged after a CONFLICT and resent, and must still land first).
 * - Entries go out in outbox order, with one exception: while the entry due next waits, a later content write
 *   may go ahead of it when it and every entry it passes are content writes of other rows (each writes only its
 *   own row's text and revision, so their order across rows changes nothing). A chained edit of one file then
 *   holds back the edits of the others by nothing; any other write keeps its place, and the entries of one row
 *   keep their order.
 * - After any failure nothing new is sent: the rest of the window is answered, then sending restarts from the
 *   first unanswered entry, so entries to resend go out again in their original order.
 * - Every entry goes out under its own opId as clientOpId, so the server applies it once however often it is
 *   resent (after a lost answer, a reload, or another tab taking over).
 */

/** How a write reaches the server: the Convex client in the app, a fake in tests, an HTTP client in bench. */
export interface Transport {
  mutation(path: string, args: Record<string, unknown>): Promise<unknown>;
}

export interface LockManagerLike {
  request(name: string, callback: () => Promise<void>): Promise<unknown>;
}

/** What the outbox decided about a failed send. */
export type AfterFailure =
  /** Answered (refused or merged for a resend): carry on from the first unanswered entry. */
  | "next"
  /** Stop sending until `kick` (signed out). */
  | "pause"
  /** Possibly transient: wait (longer for each attempt, or until `wake`), then resend. */
  | { retryAfterAttempt: number };

/** The outbox as the sender sees it. */
export interface SendHost {
  readonly userKey: string;
  readonly transport: Transport;
  whenReady(): Promise<void>;
  /** False once stopped or signed out. */
  canSend(): boolean;
  /** Up to `limit` stored entries after `afterSeq`, in outbox order. */
  storedAfter(afterSeq: number, limit: number): Promise<OutboxEntry[]>;
  isAnswered(opId: string): boolean;
  lookup(opId: string): { result: unknown } | undefined;
  /**
   * Confirms answered entries, in outbox order, as one change (one notice to readers, one storage write).
   * `beforeNotice` runs once the answers are recorded (their results can be looked up) and before readers hear.
   */
  confirmMany(answered: readonly { entry: OutboxEntry; result: unknown }[], beforeNotice?: () => void): Promise<void>;
  fail(entry: OutboxEntry, sentArgs: Record<string, unknown>, error: unknown): Promise<AfterFailure>;
  /** An entry whose `$ref` names an entry without a result (it was refused): it can never be sent. */
  refuseUnsendable(entry: OutboxEntry, message: string): Promise<void>;
  /** Resolves once the storage removals of confirmed entries are committed. */
  removalsCommitted(): Promise<void>;
}

export const SEND_WINDOW = 64;
/**
 * The window is topped up when it holds this many entries or fewer. The server answers the mutations that reach
 * it together with one Transition, which re-sends every listing bucket they changed (a whole bucket of up to
 * 1,000 entries, ~70 KB, for one create): topping up one entry per answer kept that going one mutation per
 * Transition for a whole replay (bench/offline with BENCH_PROFILE_LARGE, 5,000 writes: 1,486 of 1,787
 * Transitions answered a single mutation, 88 MB received). Sent as bursts, the writes are answered together.
 */
export const REFILL_AT = SEND_WINDOW / 2;
/**
 * The sender reads the stored outbox this many entries at a time: one read of a day's 5,000 entries was a
 * single task of over 100 ms (IndexedDB hands the whole result over at once), and a read after a rebase or a
 * failure read them all again.
 */
export const READ_PAGE = 4 * SEND_WINDOW;

const STOPPED = Symbol("stopped");
const KICKED = Symbol("kicked");

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

interface InFlight {
  entry: OutboxEntry;
  args: Record<string, unknown>;
  outcome: Promise<Outcome>;
  /** Set as soon as the answer arrives, so the answers already in can be confirmed with the one awaited. */
  settled?: Outcome;
}

export class SendWindow {
  private queued = false;
  private kickAgain = false;
  private localChain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly stopSignal: Promise<typeof STOPPED>;
  private signalStop!: () => void;
  private wakeUp: (() => void) | undefined;
  /** Set while the sender waits for the head of the window: a kick (new entries stored) ends the wait. */
  private kicked: (() => void) | undefined;

  constructor(
    private readonly host: SendHost,
    private readonly locks: LockManagerLike | null,
    private readonly retryDelayMs: (attempt: number) => number = (attempt) => Math.min(30_000, 500 * 2 ** attempt),
  ) {
    this.stopSignal = new Promise((resolve) => (this.signalStop = () => resolve(STOPPED)));
  }

  /** Makes sure a sender runs: in this tab if it gets the per-user lock, otherwise in the tab holding it. */
  kick(): void {
    if (this.stopped || !this.host.canSend()) return;
    if (this.queued) {
      this.kickAgain = true;
      this.kicked?.();
      return;
    }
    this.queued = true;
    this.kickAgain = false;
    const run = async () => {
      try {
        await this.drain();
      } finally {
        this.queued = false;
        if (this.kickAgain) this.kick();
      }
    };
    if (this.locks) {
      this.locks.request(`polaris-outbox-${this.host.userKey}`, run).catch(() => {
        this.queued = false;
      });
    } else {
      this.localChain = this.localChain.then(run, run);
    }
  }

  /** Ends a wait before a retry now (the connection is back). */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * Abandons every wait and releases the lock; entries stay stored, and whoever sends them next uses the same
   * opIds, so the server still applies each once.
   */
  stop(): void {
    this.stopped = true;
    this.signalStop();
    this.wakeUp?.();
  }

  private async drain(): Promise<void> {
    await this.host.whenReady();
    const window: InFlight[] = [];
    let buffer: OutboxEntry[] = [];
    /** The last entry sent, and the last entry read into `buffer` (the next page starts after it). */
    let lastSeq = -Infinity;
    let readSeq = -Infinity;
    let restart = false;
    /** Set while a top-up of the window runs (it goes on to SEND_WINDOW once started at REFILL_AT or fewer). */
    let filling = false;
    /** Set at the start and on each kick (entries stored): the entries behind a waiting head are read ahead. */
    let readAhead = true;
    /**
     * A page's entries still to send: not answered, and not on the wire (a page read again after a rebase may hold
     * entries that went ahead of a waiting one and are still in the window).
     */
    const unsent = (page: readonly OutboxEntry[]) => {
      const sent = new Set(window.map((flight) => flight.entry.opId));
      return page.filter((e) => !this.host.isAnswered(e.opId) && !sent.has(e.opId));
    };
    /** Launches a content write that may go ahead of the waiting head of `buffer` (see the invariants); false if none. */
    const overtake = () => {
      const ahead = this.overtaker(buffer, window);
      const launched = ahead < 0 ? undefined : this.launch(buffer[ahead]);
      if (!launched) return false;
      buffer.splice(ahead, 1);
      window.push(launched);
      return true;
    };
    /**
     * Launches the buffered entries that can go out now, without reading storage or waiting: called by the outbox
     * between recording a batch's answers and telling its readers, so the entries those answers unblock (a
     * rename naming a create's id) are on the wire before the page renders the batch.
     */
    const launchReady = () => {
      if (window.length > REFILL_AT) return;
      while (!restart && window.length < SEND_WINDOW && buffer.length > 0) {
        const entry = buffer[0];
        if (!this.host.isAnswered(entry.opId)) {
          // With an empty window, mustWait is true only for a `$ref` without a result: the loop below refuses it.
          if (this.mustWait(entry, window)) {
            if (window.length > 0 && overtake()) continue;
            return;
          }
          const launched = this.launch(entry);
          if (!launched) return;
          lastSeq = entry.seq!;
          window.push(launched);
        }
        buffer.shift();
      }
    };
    try {
      while (!this.stopped && this.host.canSend()) {
        if (this.kickAgain) readAhead = true;
        this.kickAgain = false;
        if (restart && window.length === 0) {
          restart = false;
          buffer = [];
          lastSeq = readSeq = -Infinity;
        }
        let held = false;
        while (!restart && window.length < SEND_WINDOW && (window.length <= REFILL_AT || filling)) {
          filling = true;
          if (buffer.length === 0) {
            const page = await this.host.storedAfter(readSeq, READ_PAGE);
            if (page.length === 0 || this.stopped) break;
            readSeq = page.at(-1)!.seq!;
            buffer = unsent(page);
            continue;
          }
          const entry = buffer[0];
          if (this.host.isAnswered(entry.opId)) {
            buffer.shift();
            continue;
          }
          if (window.length > 0 && this.mustWait(entry, window)) {
            if (overtake()) continue;
            held = true;
            break;
          }
          buffer.shift();
          lastSeq = entry.seq!;
          const launched = this.launch(entry);
          if (launched) window.push(launched);
          else await this.host.refuseUnsendable(entry, new UnresolvedRefError(refsIn(entry.args)[0] ?? entry.opId).message);
        }
        // The entries stored behind a waiting head are read now, while it waits, so that the answer unblocking them
        // finds them in memory (launchReady) instead of behind the IndexedDB transactions that remove the confirmed
        // entries: offline, each stored entry read only the one entry it stored, and the 59 writes waiting for the
        // bench's 40 creates went out a second after the creates' answers (BENCH_PROFILE frame timeline).
        if (held && readAhead && buffer.length < READ_PAGE) {
          readAhead = false;
          const page = await this.host.storedAfter(readSeq, READ_PAGE - buffer.length);
          if (page.length > 0) {
            readSeq = page.at(-1)!.seq!;
            buffer.push(...unsent(page));
            filling = true;
            continue;
          }
        }
        filling = false;
        const head = window[0];
        if (!head) return;
        // Entries stored meanwhile (written offline, or announced by another tab) join the window at once, so
        // they are on the wire as soon as the connection is back, not one window-head answer later.
        const kicked = this.kickAgain
          ? KICKED
          : await Promise.race([head.outcome, this.stopSignal, new Promise<typeof KICKED>((resolve) => (this.kicked = () => resolve(KICKED)))]);
        this.kicked = undefined;
        // Stored entries join up to SEND_WINDOW, not REFILL_AT + 1: offline, every one left behind here would go
        // out only after the whole window's answers, one round trip after reconnecting instead of with it.
        if (kicked === KICKED) {
          filling = true;
          continue;
        }
        const outcome = kicked;
        window.shift();
        if (outcome === STOPPED) return;
        if (outcome.ok) {
          const batch = [{ entry: head.entry, result: outcome.result }];
          while (!batch.at(-1)!.entry.rebase && window.length > 0 && window[0].settled?.ok) {
            const next = window.shift()!;
            batch.push({ entry: next.entry, result: (next.settled as { ok: true; result: unknown }).result });
          }
          // A merged content write changes its followers' text: read them again from storage.
          if (batch.at(-1)!.entry.rebase) {
            buffer = [];
            readSeq = lastSeq;
          }
          await this.host.confirmMany(batch, launchReady);
          continue;
        }
        if (this.stopped) return;
        restart = true;
        buffer = [];
        const next = await this.host.fail(head.entry, head.args, outcome.error);
        if (next === "pause") return;
        if (next !== "next") await this.pauseBeforeRetry(next.retryAfterAttempt);
      }
    } finally {
      for (const left of window) left.outcome.catch(() => {});
      await this.host.removalsCommitted();
    }
  }

  /**
   * The index in `buffer` of a content write that may go out before `buffer[0]`, which must wait: every entry
   * before it is a content write of another row (or answered), and it need not wait itself. -1 when there is none.
   */
  private overtaker(buffer: readonly OutboxEntry[], window: readonly InFlight[]): number {
    const lookup = (opId: string) => this.host.lookup(opId);
    const held = new Set<string>();
    for (let i = 0; i < buffer.length; i++) {
      const entry = buffer[i];
      if (this.host.isAnswered(entry.opId)) continue;
      const row = contentRowOf(entry, lookup);
      if (row === undefined) return -1;
      if (i > 0 && !held.has(row) && !this.mustWait(entry, window)) return i;
      held.add(row);
    }
    return -1;
  }

  private mustWait(entry: OutboxEntry, window: readonly InFlight[]): boolean {
    if (refsIn(entry.args).some((opId) => this.host.lookup(opId) === undefined)) return true;
    let text: string | undefined;
    return window.some((flight) => {
      const row = rowWritten(flight.entry.path, flight.args);
      if (row === undefined) return false;
      text ??= JSON.stringify(entry.args);
      return text.includes(JSON.stringify(row));
    });
  }

  /** Sends one entry under its clientOpId; undefined when a `$ref` it needs has no result. */
  private launch(entry: OutboxEntry): InFlight | undefined {
    let args: Record<string, unknown>;
    try {
      args = resolveRefs(entry.args, (opId) => this.host.lookup(opId)) as Record<string, unknown>;
    } catch (error) {
      if (error instanceof UnresolvedRefError) return undefined;
      throw error;
    }
    const flight: InFlight = { entry, args, outcome: undefined as unknown as Promise<Outcome> };
    // Handed to the transport now, not in a later microtask: launchReady's entries must leave before the readers
    // of the batch that unblocked them render.
    let sent: Promise<unknown>;
    try {
      sent = Promise.resolve(this.host.transport.mutation(entry.path, { ...args, clientOpId: entry.opId }));
    } catch (error) {
      // The transport's own error, passed on as the failure it is (failures.ts decides what it means).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      sent = Promise.reject(error);
    }
    flight.outcome = sent
      .then(
        (result): Outcome => (flight.settled = { ok: true, result }),
        (error: unknown): Outcome => (flight.settled = { ok: false, error }),
      );
    return flight;
  }

  private pauseBeforeRetry(attempt: number): Promise<void> {
    const delay = this.retryDelayMs(attempt);
    return new Promise((resolve) => {
      const timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
