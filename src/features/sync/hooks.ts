import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { useConvex, useQuery } from "convex/react";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { useAppStore, useShallow } from "../../store";
import { isTempId, mapLeaves, tempIdFor } from "./ids";
import { canonicalPath, queryToken } from "./queryKey";
import { optimisticUpdateFor } from "./registry";
import type { SyncEngine } from "./engine";
import { useSyncEngine } from "./SyncProvider";
import type { CachedQuery, OutboxEntry, StoredResult } from "./types";

const noSubscribe = () => () => {};
const noEntries: readonly OutboxEntry[] = [];
const noResults: ReadonlyMap<string, StoredResult> = new Map();
const noCache: ReadonlyMap<string, CachedQuery> = new Map();

function containsTempId(value: unknown): boolean {
  let found = false;
  mapLeaves(value, (leaf) => {
    if (isTempId(leaf)) found = true;
    return leaf;
  });
  return found;
}

/**
 * The query cache as ordinary React state, not `useSyncExternalStore`: live results enter the cache inside the
 * Convex client's transition, and must reach the screen in the same (non-urgent) render as `useQuery`'s own
 * update, which runs after the outbox has confirmed the writes that transition reflects. A synchronous render in
 * between would show the server's new row while the overlay still holds the pending create, which then steps
 * aside (its name is taken) and the row under its temporary id, and a tab showing it, would look deleted.
 */
function useCacheSnapshot(engine: SyncEngine | null): ReadonlyMap<string, CachedQuery> {
  const [state, setState] = useState(() => ({ engine, snapshot: engine?.cache.snapshot() ?? noCache }));
  useEffect(() => {
    if (!engine) return;
    const update = () => {
      const snapshot = engine.cache.snapshot();
      setState((current) => (current.engine === engine && current.snapshot === snapshot ? current : { engine, snapshot }));
    };
    update();
    return engine.cache.subscribe(update);
  }, [engine]);
  if (!engine) return noCache;
  return state.engine === engine ? state.snapshot : engine.cache.snapshot();
}

/**
 * `useQuery` that survives being offline: the live result when the client has one, otherwise the last
 * confirmed result cached in IndexedDB, and in both cases with the optimistic updates of every pending
 * outbox entry applied on top. Arguments may name rows by temporary id (`pending_…`): once the create is
 * confirmed they are swapped for the real id; before that only the overlay can answer.
 */
export function useSyncedQuery<Query extends FunctionReference<"query">>(
  query: Query,
  args: FunctionArgs<Query> | "skip",
): FunctionReturnType<Query> | undefined {
  const engine = useSyncEngine();
  const convex = useConvex();
  const path = canonicalPath(query);
  const entries = useSyncExternalStore(engine?.subscribe ?? noSubscribe, engine?.getEntries ?? (() => noEntries));
  const results = useSyncExternalStore(engine?.subscribe ?? noSubscribe, engine?.getResults ?? (() => noResults));
  const cache = useCacheSnapshot(engine);

  const argsKey = args === "skip" ? "skip" : queryToken(path, args);
  const resolved = useMemo<Record<string, unknown> | "skip">(
    () => {
      if (args === "skip") return "skip";
      return engine ? engine.realIds(args) : (args);
    },
    // argsKey stands for args' contents; results changes when a temporary id gets its real id.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [argsKey, engine, results],
  );
  const liveToken = resolved === "skip" || containsTempId(resolved) ? "skip" : queryToken(path, resolved);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- liveToken stands for resolved's contents.
  const liveArgs = useMemo(() => (liveToken === "skip" ? "skip" : (resolved as Record<string, unknown>)), [liveToken]);
  const live: FunctionReturnType<Query> | undefined = useQuery(query, liveArgs as FunctionArgs<Query> | "skip");

  // The cache takes each live result in the task after the Convex client's transition, usually before React
  // renders it (React's non-urgent render is a later task): the render then sees the result, the cache change
  // and the overlay over it at once, and shares the overlay computed for the other readers instead of computing
  // its own over a copy of the cache. Not inside the transition itself: the outbox confirms the writes that
  // transition reflects in its microtasks, and until then the overlay must not be recomputed over the new result
  // (a pending create would find its name taken and hide its row, and the open tab would look deleted).
  useEffect(() => {
    if (!engine || liveArgs === "skip") return;
    const untyped: FunctionReference<"query"> = query;
    const watch = convex.watchQuery(untyped, liveArgs);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const take = () => {
      timer = undefined;
      let value: unknown;
      try {
        value = watch.localQueryResult();
      } catch {
        return; // useQuery reports the error to the component.
      }
      if (value !== undefined) engine.cache.setLive(path, liveArgs, value);
    };
    const unsubscribe = watch.onUpdate(() => {
      timer ??= setTimeout(take, 0);
    });
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
    };
    // query stands for path (the same function), which keys the effect.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [engine, convex, liveArgs, path]);

  useEffect(() => {
    if (engine && live !== undefined && liveArgs !== "skip") engine.cache.setLive(path, liveArgs, live);
  }, [engine, live, liveArgs, path]);

  return useMemo(() => {
    if (resolved === "skip") return undefined;
    if (!engine) return live;
    const token = queryToken(path, resolved);
    let base = cache;
    if (live !== undefined && cache.get(token)?.value !== live) {
      const withLive = new Map(cache);
      withLive.set(token, { token, path, args: resolved, value: live, updatedAt: Date.now() });
      base = withLive;
    }
    if (entries.length === 0) return base.get(token)?.value;
    return engine.overlay(base).get(token)?.value;
  }, [resolved, engine, live, path, cache, entries]);
}

/**
 * A promise for the server's result that also names the outbox entry, the row id an optimistic create uses,
 * and `stored`: settles once the write is durable (committed to the outbox), long before the server answers
 * when offline. Without a SyncProvider nothing is stored, and `stored` waits for the server instead.
 */
export type DurablePromise<T> = Promise<T> & { opId: string; tempId: string; stored: Promise<void> };

/**
 * `useMutation` whose writes survive disconnects and reloads: each call is stored in the outbox (IndexedDB)
 * under a fresh clientOpId before it is sent, shown through the registered optimistic update, sent in order,
 * and removed once the server confirmed or refused it. While offline the promise stays pending. Without a
 * SyncProvider (signed out) it is a plain mutation carrying a clientOpId and the registered optimistic update.
 */
export function useDurableMutation<Mutation extends FunctionReference<"mutation">>(
  mutation: Mutation,
): (args: FunctionArgs<Mutation>) => DurablePromise<FunctionReturnType<Mutation>> {
  const engine = useSyncEngine();
  const convex = useConvex();
  const path = canonicalPath(mutation);
  return useCallback(
    (args: FunctionArgs<Mutation>) => {
      if (engine) {
        const { opId, tempId, result, stored } = engine.enqueue(path, args);
        return Object.assign(result as Promise<FunctionReturnType<Mutation>>, { opId, tempId, stored });
      }
      const opId = crypto.randomUUID();
      const update = optimisticUpdateFor(path);
      const sent = convex.mutation(
        mutation,
        { ...args, clientOpId: opId },
        update ? { optimisticUpdate: update } : {},
      );
      return Object.assign(sent, { opId, tempId: tempIdFor(opId), stored: sent.then(() => undefined) });
    },
    [engine, convex, path, mutation],
  );
}

/** The sync status for the header: phase, pending count, storage kind. */
export function useSyncStatus() {
  return useAppStore((state) => state.syncStatus);
}

export function useSyncIssues() {
  return useAppStore(useShallow((state) => state.syncIssues));
}

export function usePendingWrites() {
  return useAppStore(useShallow((state) => state.syncPending));
}

/** Actions on recorded issues (conflicts, writes against deleted files, refusals). */
export function useSyncActions() {
  const engine = useSyncEngine();
  return useMemo(
    () => ({
      dismissIssue: (id: string) => engine?.dismissIssue(id) ?? Promise.resolve(),
    }),
    [engine],
  );
}
