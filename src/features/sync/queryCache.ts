import type { FunctionReference } from "convex/server";
import { canonicalPath, queryToken } from "./queryKey";
import type { CachedQuery } from "./types";

/** How many results of one query path the persistent cache keeps (least recently written go first). */
const cacheable = new Map<string, number>([
  ["projects:list", 20],
  ["projects:get", 20],
  ["files:listing", 50],
  // A project of 100,000 files has 100 buckets: room for the listings of a few large projects and many small ones.
  ["files:listingBucket", 1000],
  ["files:get", 50],
  // The chat offline: the conversations of the last projects, and the newest messages of the last conversations.
  ["conversations:list", 20],
  ["messages:outline", 50],
  // One entry per message (messages:body): the texts of about the newest 100 messages of ten conversations.
  ["messages:body", 1000],
]);

/** Marks a query's results as worth keeping in IndexedDB so the app can show them offline after a reload. */
export function registerCacheableQuery(query: FunctionReference<"query"> | string, maxEntries = 50): void {
  cacheable.set(canonicalPath(query), maxEntries);
}

export function isCacheable(path: string): boolean {
  return cacheable.has(canonicalPath(path));
}

/**
 * The last confirmed result of every query this tab has seen (live ones in memory, cacheable ones also
 * persisted, debounced). Immutable snapshots: each change makes a new Map, so React can compare by identity.
 */
export class QueryCache {
  private map = new Map<string, CachedQuery>();
  private listeners = new Set<() => void>();
  private dirty = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly persist: (queries: CachedQuery[], remove: string[]) => Promise<void>,
    private readonly debounceMs = 400,
  ) {}

  snapshot(): ReadonlyMap<string, CachedQuery> {
    return this.map;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Loads persisted results without overriding anything already seen live in this tab. */
  hydrate(stored: CachedQuery[]): void {
    const next = new Map(this.map);
    for (const query of stored) if (!next.has(query.token)) next.set(query.token, query);
    this.replace(next);
  }

  setLive(path: string, args: Record<string, unknown>, value: unknown): void {
    this.setLiveMany([{ path, args, value }]);
  }

  /** Several live results in one change of the snapshot (one overlay to recompute, one render). */
  setLiveMany(results: readonly { path: string; args: Record<string, unknown>; value: unknown }[]): void {
    let next: Map<string, CachedQuery> | undefined;
    const changed: string[] = [];
    for (const { path, args, value } of results) {
      const token = queryToken(path, args);
      const current = (next ?? this.map).get(token);
      if (current && current.value === value) continue;
      next ??= new Map(this.map);
      next.set(token, { token, path: canonicalPath(path), args, value, updatedAt: Date.now() });
      if (isCacheable(path)) changed.push(token);
    }
    if (!next) return;
    this.replace(next);
    for (const token of changed) this.schedule(token);
  }

  get(token: string): CachedQuery | undefined {
    return this.map.get(token);
  }

  /** Writes pending changes now (also called on page hide). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty.size === 0) return;
    const tokens = [...this.dirty];
    this.dirty.clear();
    const put = tokens.map((t) => this.map.get(t)).filter((q): q is CachedQuery => q !== undefined);
    await this.persist(put, this.evictions());
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.listeners.clear();
  }

  private evictions(): string[] {
    const byPath = new Map<string, CachedQuery[]>();
    for (const query of this.map.values()) {
      const limit = cacheable.get(query.path);
      if (limit === undefined) continue;
      const list = byPath.get(query.path) ?? [];
      list.push(query);
      byPath.set(query.path, list);
    }
    const remove: string[] = [];
    for (const [path, list] of byPath) {
      const limit = cacheable.get(path)!;
      if (list.length <= limit) continue;
      list.sort((a, b) => b.updatedAt - a.updatedAt);
      for (const old of list.slice(limit)) remove.push(old.token);
    }
    // Evicted from IndexedDB only: this tab keeps what it has seen until it closes.
    return remove;
  }

  private schedule(token: string): void {
    this.dirty.add(token);
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => {
        // Storage problems are reported by the storage layer; the cache is only a convenience.
      });
    }, this.debounceMs);
  }

  private replace(next: Map<string, CachedQuery>): void {
    this.map = next;
    for (const listener of this.listeners) listener();
  }
}
