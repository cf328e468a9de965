import type { ConvexReactClient } from "convex/react";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import type { SyncEngine } from "./engine";
import { isTempId, mapLeaves } from "./ids";
import { canonicalPath, queryToken } from "./queryKey";

export type SyncedQueryUpdate<T> = { value: T } | { error: unknown };

function containsTempId(value: unknown): boolean {
  let found = false;
  mapLeaves(value, (leaf) => {
    if (isTempId(leaf)) found = true;
    return leaf;
  });
  return found;
}

/**
 * `useSyncedQuery` for code outside React (the editor's per-file sessions): calls `onUpdate` with the live
 * result, else the cached one, with pending outbox writes applied on top, whenever any of them changes. A live
 * error (e.g. the file was deleted) is passed on as `{ error }`: it wins over a cached value. Nothing is
 * reported until there is a value or an error. Returns the unsubscribe function.
 */
export function watchSyncedQuery<Query extends FunctionReference<"query">>(
  convex: ConvexReactClient,
  engine: SyncEngine,
  query: Query,
  args: FunctionArgs<Query>,
  onUpdate: (update: SyncedQueryUpdate<FunctionReturnType<Query>>) => void,
): () => void {
  const path = canonicalPath(query);
  let stopped = false;
  let liveError: unknown;
  let hasLiveError = false;
  let last: { value?: unknown; error?: unknown } | undefined;
  let unwatchLive: (() => void) | undefined;
  let liveToken: string | undefined;

  // Temporary ids resolve only when a result arrives, so args and token are recomputed per results snapshot.
  let resolvedFor: { results: unknown; resolved: Record<string, unknown>; token: string } | undefined;
  const resolvedArgs = () => {
    const results = engine.getResults();
    if (resolvedFor?.results !== results) {
      const resolved = engine.realIds(args) as Record<string, unknown>;
      resolvedFor = { results, resolved, token: queryToken(path, resolved) };
    }
    return resolvedFor;
  };

  const emit = () => {
    if (stopped) return;
    const { resolved, token } = resolvedArgs();
    if (token !== liveToken) subscribeLive(resolved, token);
    if (hasLiveError) {
      if (last?.error === liveError) return;
      last = { error: liveError };
      onUpdate({ error: liveError });
      return;
    }
    const base = engine.cache.snapshot();
    const source = engine.getEntries().length > 0 ? engine.overlay(base) : base;
    const value = source.get(token)?.value;
    if (value === undefined || (last && "value" in last && last.value === value)) return;
    last = { value };
    onUpdate({ value: value as FunctionReturnType<Query> });
  };

  function subscribeLive(resolved: Record<string, unknown>, token: string) {
    unwatchLive?.();
    unwatchLive = undefined;
    liveToken = token;
    hasLiveError = false;
    // A row that exists only in the outbox (temporary id) has no server result yet: the overlay answers.
    if (containsTempId(resolved)) return;
    const untyped: FunctionReference<"query"> = query;
    const watch = convex.watchQuery(untyped, resolved);
    const onLive = () => {
      try {
        const value = watch.localQueryResult();
        hasLiveError = false;
        if (value !== undefined) engine.cache.setLive(path, resolved, value);
      } catch (error) {
        liveError = error;
        hasLiveError = true;
      }
      emit();
    };
    unwatchLive = watch.onUpdate(onLive);
    onLive();
  }

  const unsubscribeEngine = engine.subscribe(emit);
  const unsubscribeCache = engine.cache.subscribe(emit);
  emit();
  return () => {
    stopped = true;
    unsubscribeEngine();
    unsubscribeCache();
    unwatchLive?.();
  };
}
