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
  for (const entry of entries) {
    const update = optimisticUpdateFor(entry.path);
    if (!update) continue;
    try {
      update(store.asOptimisticStore(), overlayArgs(entry, lookup));
    } catch (error) {
      console.warn(`Optimistic update for ${entry.path} failed; showing server data for it.`, error);
    }
  }
  return store.results;
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
  for (const [token, query] of out) {
    if (query === base.get(token)) continue;
    const before = previous.get(token);
    if (before !== undefined && before !== query && sameValue(before.value, query.value)) out.set(token, before);
  }
}

/** Live results laid over the cache for one reader (read.ts), by token. */
export type Overrides = readonly CachedQuery[];

interface Computed {
  cache: ReadonlyMap<string, CachedQuery>;
  overrides: Overrides;
  entries: readonly OutboxEntry[];
  results: unknown;
  out: ReadonlyMap<string, CachedQuery>;
}

function sameOverrides(a: Overrides, b: Overrides): boolean {
  return a === b || (a.length === b.length && a.every((q, i) => q.token === b[i].token && q.value === b[i].value));
}

/** How many recent overlays are kept: the readers of one render differ only in the live results they lay in. */
const MEMO_SLOTS = 4;

/**
 * The overlays computed last, reused while their inputs are the same: the same cache and pending entries and
 * results, and the same live values laid over the cache. Readers of one render that lay in the same live values
 * (or none) share one computation, instead of each recomputing every pending entry over its own copy.
 */
export class OverlayMemo {
  private recent: Computed[] = [];

  over(
    cache: ReadonlyMap<string, CachedQuery>,
    overrides: Overrides,
    entries: readonly OutboxEntry[],
    results: unknown,
    lookup: Lookup,
  ): ReadonlyMap<string, CachedQuery> {
    const hit = this.recent.find(
      (c) => c.cache === cache && c.entries === entries && c.results === results && sameOverrides(c.overrides, overrides),
    );
    if (hit) return hit.out;
    let base = cache;
    if (overrides.length > 0) {
      const copy = new Map(cache);
      for (const query of overrides) copy.set(query.token, query);
      base = copy;
    }
    const out = applyPending(base, entries, lookup);
    const last = this.recent[0];
    if (last && out !== base) shareUnchanged(out as Map<string, CachedQuery>, base, last.out);
    this.recent = [{ cache, overrides, entries, results, out }, ...this.recent.slice(0, MEMO_SLOTS - 1)];
    return out;
  }
}
