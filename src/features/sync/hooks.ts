import { useCallback, useEffect, useMemo, useSyncExternalStore } from "react";
import { useConvex, useQuery } from "convex/react";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { useAppStore, useShallow } from "../../store";
import { isTempId, mapLeaves, tempIdFor } from "./ids";
import { canonicalPath, queryToken } from "./queryKey";
import { optimisticUpdateFor } from "./registry";
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
  const path = canonicalPath(query);
  const entries = useSyncExternalStore(engine?.subscribe ?? noSubscribe, engine?.getEntries ?? (() => noEntries));
  const results = useSyncExternalStore(engine?.subscribe ?? noSubscribe, engine?.getResults ?? (() => noResults));
  const cache = useSyncExternalStore(
    engine?.cache.subscribe ?? noSubscribe,
    engine ? () => engine.cache.snapshot() : () => noCache,
  );

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
  const liveArgs = resolved === "skip" || containsTempId(resolved) ? "skip" : resolved;
  const live: FunctionReturnType<Query> | undefined = useQuery(query, liveArgs as FunctionArgs<Query> | "skip");

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
