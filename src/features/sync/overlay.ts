import type { OptimisticLocalStore } from "convex/browser";
import type { FunctionReference } from "convex/server";
import { renderRefs } from "./ids";
import { canonicalPath, queryToken } from "./queryKey";
import { optimisticUpdateFor } from "./registry";
import type { CachedQuery, OutboxEntry } from "./types";

type Lookup = (opId: string) => { result: unknown } | undefined;

/**
 * An OptimisticLocalStore over plain query results (the cache, with this tab's live values), so the
 * optimistic update functions written for the Convex client also run on data restored after a reload.
 * Writes go to a private copy; the input map is never changed.
 */
export class CachedLocalStore {
  readonly results: Map<string, CachedQuery>;

  constructor(base: ReadonlyMap<string, CachedQuery>) {
    this.results = new Map(base);
  }

  getQuery(query: FunctionReference<"query">, ...args: [Record<string, unknown>?]): any {
    return this.results.get(queryToken(canonicalPath(query), args[0] ?? {}))?.value;
  }

  getAllQueries(query: FunctionReference<"query">): { args: any; value: any }[] {
    const path = canonicalPath(query);
    const all: { args: any; value: any }[] = [];
    for (const entry of this.results.values()) {
      if (entry.path === path) all.push({ args: entry.args, value: entry.value });
    }
    return all;
  }

  setQuery(query: FunctionReference<"query">, args: Record<string, unknown>, value: unknown): void {
    const path = canonicalPath(query);
    const token = queryToken(path, args);
    this.results.set(token, { token, path, args, value, updatedAt: Date.now() });
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
