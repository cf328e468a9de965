import type { OptimisticLocalStore } from "convex/browser";
import type { FunctionReference } from "convex/server";
import { refsIn, renderRefs } from "./ids";
import { canonicalPath, queryToken } from "./queryKey";
import { optimisticUpdateFor } from "./registry";
import type { CachedQuery, OutboxEntry } from "./types";

type Lookup = (opId: string) => { result: unknown } | undefined;

/**
 * The optimistic overlay: cached query results with every pending outbox entry's registered optimistic update
 * applied, in outbox order.
 *
 * Invariants:
 * - The cache is never changed: updates write to a private copy (CachedLocalStore).
 * - An update is a guess: one that throws is skipped, and the server's answer replaces every guess anyway.
 * - `OverlayMemo` recomputes only when the cache, the pending entries or the confirmed results changed, and a
 *   recomputed result equal to the previous one keeps the previous object, so readers comparing by identity
 *   (React memos, the editor's sessions) do no work for it.
 * - What readers see is always a whole overlay: some base with all of its pending entries applied (a long
 *   recomputation shows the previous whole one until it is done; `OverlayMemo` says how).
 */

/**
 * An OptimisticLocalStore over plain query results (the cache, with this tab's live values), so the
 * optimistic update functions written for the Convex client also run on data restored after a reload.
 * Writes go to a private copy; the input map is never changed.
 */
export class CachedLocalStore {
  readonly results: Map<string, CachedQuery>;
  /** The tokens of `results` by function path, so `getAllQueries` costs what one function has cached. */
  private readonly byPath = new Map<string, Set<string>>();

  constructor(base: ReadonlyMap<string, CachedQuery>) {
    this.results = new Map(base);
    for (const [token, entry] of base) this.index(entry.path, token);
  }

  private index(path: string, token: string): void {
    let tokens = this.byPath.get(path);
    if (!tokens) this.byPath.set(path, (tokens = new Set()));
    tokens.add(token);
  }

  getQuery(query: FunctionReference<"query">, ...args: [Record<string, unknown>?]): any {
    return this.results.get(queryToken(canonicalPath(query), args[0] ?? {}))?.value;
  }

  getAllQueries(query: FunctionReference<"query">): { args: any; value: any }[] {
    const path = canonicalPath(query);
    const all: { args: any; value: any }[] = [];
    for (const token of this.byPath.get(path) ?? []) {
      const entry = this.results.get(token)!;
      all.push({ args: entry.args, value: entry.value });
    }
    return all;
  }

  setQuery(query: FunctionReference<"query">, args: Record<string, unknown>, value: unknown): void {
    const path = canonicalPath(query);
    const token = queryToken(path, args);
    this.results.set(token, { token, path, args, value, updatedAt: Date.now() });
    this.index(path, token);
  }

  /** The same object, typed as the Convex client's interface (whose generic signatures it satisfies). */
  asOptimisticStore(): OptimisticLocalStore {
    return this as unknown as OptimisticLocalStore;
  }
}

/**
 * Rendered args of each entry, with how many of its `$ref`s had a result then: a result never changes once
 * there, so the rendering stands until another ref gets one. Every recomputation of the overlay asks for the
 * args of every pending entry; rendering them afresh each time (a deep copy) was a large part of its cost.
 */
const rendered = new WeakMap<OutboxEntry, { args: Record<string, unknown>; refs: readonly string[]; resolved: number }>();

function resolvedCount(refs: readonly string[], lookup: Lookup): number {
  let count = 0;
  for (const opId of refs) if (lookup(opId) !== undefined) count++;
  return count;
}

/** The args an optimistic update sees for an entry: placeholders rendered, clientOpId included. */
export function overlayArgs(entry: OutboxEntry, lookup: Lookup): Record<string, unknown> {
  const known = rendered.get(entry);
  if (known && (known.refs.length === 0 || resolvedCount(known.refs, lookup) === known.resolved)) return known.args;
  const refs = known?.refs ?? refsIn(entry.args);
  const args = { ...(renderRefs(entry.args, lookup) as Record<string, unknown>), clientOpId: entry.opId };
  rendered.set(entry, { args, refs, resolved: resolvedCount(refs, lookup) });
  return args;
}

/**
 * Applies the registered optimistic update of every pending entry, in outbox order, on top of `base`.
 * An update that throws is skipped (it is a guess; the server's answer will replace it anyway).
 */
export function applyPending(
  base: ReadonlyMap<string, CachedQuery>,
  entries: readonly OutboxEntry[],
  lookup: Lookup,
): ReadonlyMap<string, CachedQuery> {
  if (entries.length === 0) return base;
  const store = new CachedLocalStore(base);
  for (const entry of entries) applyOne(store, entry, lookup);
  return store.results;
}

function applyOne(store: CachedLocalStore, entry: OutboxEntry, lookup: Lookup): void {
  const update = optimisticUpdateFor(entry.path);
  if (!update) return;
  try {
    update(store.asOptimisticStore(), overlayArgs(entry, lookup));
  } catch (error) {
    console.warn(`Optimistic update for ${entry.path} failed; showing server data for it.`, error);
  }
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

/** Results of `out` (a fresh overlay) equal to those of `previous` take the previous objects. */
function shareUnchanged(
  out: Map<string, CachedQuery>,
  base: ReadonlyMap<string, CachedQuery>,
  previous: ReadonlyMap<string, CachedQuery>,
): void {
  shareUnchangedUntil([...out].values(), out, base, previous, Infinity);
}

/** `shareUnchanged` over the results `pending` yields, until `until` (performance.now); whether it finished. */
function shareUnchangedUntil(
  pending: Iterator<[string, CachedQuery]>,
  out: Map<string, CachedQuery>,
  base: ReadonlyMap<string, CachedQuery>,
  previous: ReadonlyMap<string, CachedQuery>,
  until: number,
): boolean {
  for (let step = pending.next(); !step.done; step = pending.next()) {
    const [token, query] = step.value;
    if (query === base.get(token)) continue;
    const before = previous.get(token);
    if (before !== undefined && before !== query && sameValue(before.value, query.value)) out.set(token, before);
    if (performance.now() >= until) return false;
  }
  return true;
}

/** Live results laid over the cache for one reader (read.ts), by token. */
export type Overrides = readonly CachedQuery[];

/** Confirmed results by opId (the outbox's `results`): a snapshot, replaced, never changed. */
export type Results = ReadonlyMap<string, { result: unknown }>;

interface Inputs {
  cache: ReadonlyMap<string, CachedQuery>;
  overrides: Overrides;
  entries: readonly OutboxEntry[];
  results: Results;
}

interface Computed extends Inputs {
  out: ReadonlyMap<string, CachedQuery>;
}

function sameOverrides(a: Overrides, b: Overrides): boolean {
  return a === b || (a.length === b.length && a.every((q, i) => q.token === b[i].token && q.value === b[i].value));
}

function sameInputs(a: Inputs, b: Inputs): boolean {
  return a.cache === b.cache && a.entries === b.entries && a.results === b.results && sameOverrides(a.overrides, b.overrides);
}

function withOverrides(cache: ReadonlyMap<string, CachedQuery>, overrides: Overrides): ReadonlyMap<string, CachedQuery> {
  if (overrides.length === 0) return cache;
  const copy = new Map(cache);
  for (const query of overrides) copy.set(query.token, query);
  return copy;
}

/** Whether `longer` is `shorter` with entries appended (the same objects in front). */
function extends_(longer: readonly OutboxEntry[], shorter: readonly OutboxEntry[]): boolean {
  if (longer.length < shorter.length) return false;
  for (let i = shorter.length - 1; i >= 0; i--) {
    const [a, b] = [longer[i], shorter[i]];
    // The same write once durable is a new object (with its `seq`) around the same args.
    if (a !== b && (a.opId !== b.opId || a.args !== b.args)) return false;
  }
  return true;
}

/** How many recent overlays are kept: the readers of one render differ only in the live results they lay in. */
const MEMO_SLOTS = 4;
/** Up to this many pending entries, an overlay that cannot be extended is recomputed at once, in the caller's turn. */
export const SYNC_OVERLAY_LIMIT = 256;
/** A background recomputation runs in slices of about this long, so the page keeps painting and taking input. */
const SLICE_MS = 8;
/**
 * After a background recomputation, the next waits this many times as long as that one worked (at most
 * MAX_PAUSE_MS): recomputing takes at most an eighth of the page's time. Without the pause a replay of thousands
 * of writes recomputed back to back from its first answer to its last: the page spent most of its time on
 * overlays soon replaced, and their garbage (a whole listing's index each time) brought young-generation
 * collections of 200 ms and more, longer than any slice (bench/offline, with BENCH_PROFILE_LARGE). With a quarter
 * (3) it was still the second largest user of the page's CPU while 5,000 writes replayed (1.3-1.7 s of 5.6-6.9 s
 * of main-thread CPU, after the WebSocket messages and what they set off); a whole overlay shown a little later
 * changes nothing else.
 */
const PAUSE_FACTOR = 7;
const MAX_PAUSE_MS = 2000;

interface PostTaskScheduler {
  postTask(task: () => void, options: { priority: "background" }): Promise<unknown>;
}

/**
 * Runs `task` in a later task, after the page had a chance to paint and handle input. Where the browser has
 * `scheduler.postTask` (Chromium), at background priority: the slice waits while anything else is due (a frame,
 * input, a WebSocket message, an IndexedDB answer). As an ordinary task it took its turn among them: while thousands
 * of writes replayed the page was busy most of the time, and the worst frame gaps were chains of dozens of short
 * tasks with no frame between them, slices among them (bench/offline's 5,000 writes with BENCH_PROFILE_LARGE).
 */
function nextTask(task: () => void): void {
  const scheduler = (globalThis as { scheduler?: Partial<PostTaskScheduler> }).scheduler;
  if (typeof scheduler?.postTask === "function") {
    scheduler.postTask(task, { priority: "background" }).catch((error: unknown) => {
      // postTask rejects with what the task threw: report it as an uncaught error of the task would be.
      setTimeout(() => {
        throw error;
      }, 0);
    });
    return;
  }
  if (typeof MessageChannel === "undefined") {
    setTimeout(task, 0);
    return;
  }
  // A MessageChannel message is a new task without setTimeout's 4 ms clamp on nested timers.
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    task();
  };
  channel.port2.postMessage(null);
}

export interface OverlayOptions {
  /** Called when an overlay recomputed in the background is ready: readers should read again. */
  onReady?: () => void;
  syncLimit?: number;
  /** Schedules the next slice of a background recomputation (tests drive it by hand). */
  schedule?: (task: () => void) => void;
  /** Runs the next recomputation after a pause (PAUSE_FACTOR); defaults to setTimeout, or to `schedule` when given. */
  pause?: (task: () => void, ms: number) => void;
}

/**
 * The overlays computed last, and how a new one is made.
 *
 * - Reused while the inputs are the same: the same cache, pending entries and results, and the same live values
 *   laid over the cache. Readers of one render that lay in the same live values (or none) share one computation.
 * - Entries appended (a write just made) are applied on top of the last complete overlay, in the caller's turn:
 *   a write shows in the same frame, whatever else is pending.
 * - Any other change (entries answered, new server data) needs every pending entry applied again over the new
 *   base. With up to SYNC_OVERLAY_LIMIT entries that happens at once. With more (a day of offline work
 *   replaying), it runs in the background in slices of SLICE_MS, and until it is done readers get the last
 *   complete overlay (with writes made since applied on top): an earlier state, but a whole one, in which
 *   each pending write shows exactly once (its guess, not yet the server's row). A recomputation is never
 *   restarted: once done it is shown (`onReady`), and the newest inputs requested meanwhile get the next one,
 *   after a pause seven times as long as the last one worked (PAUSE_FACTOR), so a stream of answers can
 *   neither starve it nor keep the page recomputing.
 */
export class OverlayMemo {
  private recent: Computed[] = [];
  /** The last complete overlay: all of its entries applied over its own base. */
  private complete: (Computed & { opIds?: Set<string> }) | undefined;
  private running = false;
  private wanted: Inputs | undefined;
  private disposed = false;
  private readonly syncLimit: number;
  private readonly schedule: (task: () => void) => void;
  private readonly pause: (task: () => void, ms: number) => void;
  /** Set while waiting out the pause after a recomputation. */
  private pausing = false;

  constructor(private readonly options: OverlayOptions = {}) {
    this.syncLimit = options.syncLimit ?? SYNC_OVERLAY_LIMIT;
    this.schedule = options.schedule ?? nextTask;
    const schedule = options.schedule;
    this.pause = options.pause ?? (schedule ? (task) => schedule(task) : (task, ms) => setTimeout(task, ms));
  }

  over(
    cache: ReadonlyMap<string, CachedQuery>,
    overrides: Overrides,
    entries: readonly OutboxEntry[],
    results: Results,
  ): ReadonlyMap<string, CachedQuery> {
    const inputs: Inputs = { cache, overrides, entries, results };
    const hit = this.recent.find((c) => sameInputs(c, inputs));
    if (hit) return hit.out;
    const complete = this.complete;
    const lookup = lookupIn(results);
    if (
      complete &&
      complete.cache === cache &&
      complete.results === results &&
      sameOverrides(complete.overrides, overrides) &&
      extends_(entries, complete.entries)
    ) {
      const out = applyPending(complete.out, entries.slice(complete.entries.length), lookup);
      return this.remember({ ...inputs, out }, true);
    }
    if (!complete || entries.length <= this.syncLimit) {
      // A recomputation still wanted in the background would only bring back an older state.
      this.wanted = undefined;
      const base = withOverrides(cache, overrides);
      const out = applyPending(base, entries, lookup);
      if (complete && out !== base) shareUnchanged(out as Map<string, CachedQuery>, base, complete.out);
      return this.remember({ ...inputs, out }, true);
    }
    this.wanted = inputs;
    this.startBackground();
    complete.opIds ??= new Set(complete.entries.map((e) => e.opId));
    const made = entries.filter((e) => !complete.opIds!.has(e.opId));
    return this.remember({ ...inputs, out: applyPending(complete.out, made, lookup) }, false);
  }

  /** Abandons a background recomputation (the outbox stopped). */
  dispose(): void {
    this.disposed = true;
    this.wanted = undefined;
  }

  private remember(computed: Computed, whole: boolean): ReadonlyMap<string, CachedQuery> {
    this.recent = [computed, ...this.recent.slice(0, MEMO_SLOTS - 1)];
    if (whole) this.complete = computed;
    return computed.out;
  }

  private startBackground(): void {
    if (this.running || this.pausing || !this.wanted || this.disposed) return;
    const inputs = this.wanted;
    this.wanted = undefined;
    this.running = true;
    const base = withOverrides(inputs.cache, inputs.overrides);
    const store = new CachedLocalStore(base);
    const lookup = lookupIn(inputs.results);
    let next = 0;
    let worked = 0;
    /**
     * Then the results that differ from the base are compared with the last whole overlay's, in slices too: a
     * listing of thousands of entries takes tens of milliseconds to compare, which in the last slice made it one
     * of the replay's long tasks (bench/offline profile).
     */
    let compare: IterableIterator<[string, CachedQuery]> | undefined;
    const slice = () => {
      if (this.disposed) return;
      const started = performance.now();
      const until = started + SLICE_MS;
      while (next < inputs.entries.length) {
        applyOne(store, inputs.entries[next++], lookup);
        // Checked after every entry: one update can cost a millisecond (a first write copies a bucket of 1,000).
        if (performance.now() >= until) break;
      }
      let done = next >= inputs.entries.length;
      if (done && this.complete) {
        compare ??= [...store.results].values();
        done = shareUnchangedUntil(compare, store.results, base, this.complete.out, until);
      }
      worked += performance.now() - started;
      if (!done) {
        this.schedule(slice);
        return;
      }
      this.running = false;
      const out = store.results;
      // Mixed results made while this ran (an older overlay with later writes on top) are not reused after it.
      this.recent = [];
      this.remember({ ...inputs, out }, true);
      this.pausing = true;
      this.pause(() => {
        this.pausing = false;
        this.startBackground();
      }, Math.min(MAX_PAUSE_MS, worked * PAUSE_FACTOR));
      this.options.onReady?.();
    };
    this.schedule(slice);
  }
}

function lookupIn(results: Results): Lookup {
  return (opId) => results.get(opId);
}
