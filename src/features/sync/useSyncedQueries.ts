import { useEffect, useMemo, useRef } from "react";
import { useConvex, useQueries } from "convex/react";
import type { Value } from "convex/values";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { canonicalPath, queryToken } from "./queryKey";
import { readTarget, shownValues, watchLive, type ReadTarget } from "./read";
import { useOutbox } from "./SyncProvider";
import { useCacheSnapshot, useOutboxSnapshot } from "./useSyncedQuery";

type LiveTarget = ReadTarget & { liveArgs: Record<string, unknown> };

/**
 * The React face of the read path (read.ts) for one query function asked with many args at once, all in
 * parallel: the buckets of a project's file listing. Each args is one `ReadTarget`; the live results come from
 * Convex's `useQueries` (one subscription per target, all in the same request), enter the cache like
 * useSyncedQuery's, and are shown through one overlay for all targets (`shownValues`).
 *
 * Invariants:
 * - The result has one element per args, in order: undefined while that target has neither a live nor a
 *   cached result.
 * - The returned array keeps its identity while no element changed, so a reader can memoize on it.
 * - A live error is thrown in render, like `useQuery` and useSyncedQuery do.
 */
export function useSyncedQueries<Query extends FunctionReference<"query">>(
  query: Query,
  argsList: readonly FunctionArgs<Query>[],
): readonly (FunctionReturnType<Query> | undefined)[] {
  const outbox = useOutbox();
  const convex = useConvex();
  const path = canonicalPath(query);
  // React state, not useSyncExternalStore: a synchronous render per confirmed batch would come before the
  // transition's live results (useSyncedQuery.ts says more).
  const { entries, results, overlay } = useOutboxSnapshot(outbox);
  const cache = useCacheSnapshot(outbox);

  const argsKey = argsList.map((args) => queryToken(path, args)).join("\n");
  const targets = useMemo(
    () => argsList.map((args) => readTarget(outbox, path, args)),
    // argsKey stands for the args' contents; results changes when a temporary id gets its real id.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [argsKey, outbox, path, results],
  );
  const liveKey = targets.map((t) => (t.liveArgs ? t.token : "")).join("\n");
  const liveTargets = useMemo(
    () => targets.filter((t): t is LiveTarget => t.liveArgs !== null),
    // liveKey stands for the targets' live args.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [liveKey],
  );
  const requests = useMemo(
    () => Object.fromEntries(liveTargets.map((t) => [t.token, { query, args: t.liveArgs as Record<string, Value> }])),
    // query stands for path (the same function).
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [liveTargets, path],
  );
  const liveByToken = useQueries(requests) as Record<string, unknown>;
  for (const value of Object.values(liveByToken)) if (value instanceof Error) throw value;

  // The live values in target order, keeping the previous array while every element is the same object.
  const livesRef = useRef<unknown[]>([]);
  const nextLives = targets.map((t) => (t.liveArgs ? liveByToken[t.token] : undefined));
  const lives =
    nextLives.length === livesRef.current.length && nextLives.every((v, i) => v === livesRef.current[i])
      ? livesRef.current
      : nextLives;
  useEffect(() => {
    livesRef.current = lives;
  });

  useEffect(() => {
    const stops = liveTargets.map((t) => watchLive(convex, outbox, query, t));
    return () => stops.forEach((stop) => stop());
    // query stands for path (the same function), which keys the effect.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [convex, outbox, liveTargets, path]);

  // Also at commit, like useSyncedQuery: later renders share the overlay computed over the cache.
  useEffect(() => {
    const fresh = targets.flatMap((t, i) => (t.liveArgs && lives[i] !== undefined ? [{ path, args: t.liveArgs, value: lives[i] }] : []));
    if (fresh.length > 0) outbox.cache.setLiveMany(fresh);
  }, [outbox, targets, lives, path]);

  const shownRef = useRef<readonly unknown[]>([]);
  return useMemo(() => {
    const shown = shownValues(outbox, cache, targets, lives);
    const previous = shownRef.current;
    const same = shown.length === previous.length && shown.every((v, i) => v === previous[i]);
    if (!same) shownRef.current = shown;
    return shownRef.current;
    // entries and overlay: the overlay changes with the pending writes, and when a long recomputation is done.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [targets, outbox, lives, cache, entries, overlay]);
}
