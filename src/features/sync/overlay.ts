import type { OptimisticLocalStore } from "convex/browser";
import type { FunctionReference } from "convex/server";
import { renderRefs } from "./ids";
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

/** The args an optimistic update sees for an entry: placeholders rendered, clientOpId included. */
export function overlayArgs(entry: OutboxEntry, lookup: Lookup): Record<string, unknown> {
  return { ...(renderRefs(entry.args, lookup) as Record<string, unknown>), clientOpId: entry.opId };
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

/** The last overlay computed, reused while its inputs are the same objects. */
export class OverlayMemo {
  private last:
    | { base: ReadonlyMap<string, CachedQuery>; entries: readonly OutboxEntry[]; results: unknown; out: ReadonlyMap<string, CachedQuery> }
    | undefined;

  over(
    base: ReadonlyMap<string, CachedQuery>,
    entries: readonly OutboxEntry[],
    results: unknown,
    lookup: Lookup,
  ): ReadonlyMap<string, CachedQuery> {
    const last = this.last;
    if (last && last.base === base && last.entries === entries && last.results === results) return last.out;
    const out = applyPending(base, entries, lookup);
    if (last && out !== base) shareUnchanged(out as Map<string, CachedQuery>, base, last.out);
    this.last = { base, entries, results, out };
    return out;
  }
}
