import { startTransition, useEffect, useMemo, useState } from "react";
import { useConvex, useQuery } from "convex/react";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import type { Outbox } from "./outbox";
import { canonicalPath, queryToken } from "./queryKey";
import { readTarget, shownValue, watchLive, type ReadTarget } from "./read";
import { useOutbox } from "./SyncProvider";
import type { CachedQuery } from "./types";

/**
 * The query cache as ordinary React state, not `useSyncExternalStore`: live results enter the cache after the
 * Convex client's transition (read.ts), and must reach the screen in a non-urgent render like `useQuery`'s own
 * update, which runs after the outbox has confirmed the writes that transition reflects. A synchronous render
 * in between would show the server's new row while the overlay still holds the pending create, which then
 * steps aside (its name is taken) and the row under its temporary id, and a tab showing it, would look deleted.
 */
export function useCacheSnapshot(outbox: Outbox): ReadonlyMap<string, CachedQuery> {
  const [state, setState] = useState(() => ({ outbox, snapshot: outbox.cache.snapshot() }));
  useEffect(() => {
    const update = () => {
      const snapshot = outbox.cache.snapshot();
      // A transition: the live results it brings are on screen already (laid over the cache by `shownValue`), so
      // this render only lets later ones share the overlay. React renders it in slices and folds the updates that
      // arrive meanwhile into it: while thousands of writes replay, each was a render of the workspace of its own.
      startTransition(() =>
        setState((current) => (current.outbox === outbox && current.snapshot === snapshot ? current : { outbox, snapshot })),
      );
    };
    update();
    return outbox.cache.subscribe(update);
  }, [outbox]);
  return state.outbox === outbox ? state.snapshot : outbox.cache.snapshot();
}

/**
 * The outbox's pending entries and confirmed results as ordinary React state too, for the same reason and one
 * more: the outbox confirms the writes of a transition in that transition's microtasks, so this update and the
 * live results of `useQuery` land in one render. With `useSyncExternalStore` each confirmation was a synchronous
 * render of its own before that one (every reader of the app rendered twice per transition while replaying, and
 * a confirmed create's row was briefly missing in between: gone from the overlay, not yet in the live result).
 */
export function useOutboxSnapshot(outbox: Outbox) {
  const read = () => ({ outbox, entries: outbox.getEntries(), results: outbox.getResults(), overlay: outbox.getOverlayVersion() });
  const [state, setState] = useState(read);
  useEffect(() => {
    let seen: { entries: unknown; results: unknown } | undefined;
    const update = () => {
      const apply = () =>
        setState((current) =>
          current.outbox === outbox &&
          current.entries === outbox.getEntries() &&
          current.results === outbox.getResults() &&
          current.overlay === outbox.getOverlayVersion()
            ? current
            : read(),
        );
      // Only a background recomputation finished (overlay.ts): nothing a transition of the client must land with,
      // so it renders as a transition too (in slices, folded with the next ones). Entries and results changes stay
      // urgent, to land in the render of the client's transition.
      const onlyOverlay = seen?.entries === outbox.getEntries() && seen.results === outbox.getResults();
      seen = { entries: outbox.getEntries(), results: outbox.getResults() };
      if (onlyOverlay) startTransition(apply);
      else apply();
    };
    update();
    return outbox.subscribe(update);
    // read closes over outbox only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [outbox]);
  return state.outbox === outbox ? state : read();
}

/**
 * The React face of the read path (read.ts): `useQuery` that survives being offline and shows pending writes.
 * The live result comes from `useQuery` itself, so it reaches the screen in the render the client's transition
 * causes, laid over the cache by `shownValue`.
 */
export function useSyncedQuery<Query extends FunctionReference<"query">>(
  query: Query,
  args: FunctionArgs<Query> | "skip",
): FunctionReturnType<Query> | undefined {
  const outbox = useOutbox();
  const convex = useConvex();
  const path = canonicalPath(query);
  const { entries, results, overlay } = useOutboxSnapshot(outbox);
  const cache = useCacheSnapshot(outbox);

  const argsKey = args === "skip" ? "skip" : queryToken(path, args);
  const target = useMemo<ReadTarget | null>(
    () => (args === "skip" ? null : readTarget(outbox, path, args)),
    // argsKey stands for args' contents; results changes when a temporary id gets its real id.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [argsKey, outbox, path, results],
  );
  const liveKey = target?.liveArgs ? target.token : "skip";
  const liveTarget = useMemo(
    () => (target?.liveArgs ? (target as ReadTarget & { liveArgs: Record<string, unknown> }) : null),
    // liveKey stands for the target's live args.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [liveKey],
  );
  const live: unknown = useQuery(query, (liveTarget?.liveArgs ?? "skip") as FunctionArgs<Query> | "skip");
  useEffect(
    () => (liveTarget ? watchLive(convex, outbox, query, liveTarget) : undefined),
    // query stands for path (the same function), which keys the effect.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [convex, outbox, liveTarget, path],
  );

  // Also at commit, often before the task watchLive waits for: later renders then share the overlay computed over
  // the cache instead of each computing one over a copy with the live result laid in.
  useEffect(() => {
    if (liveTarget && live !== undefined) outbox.cache.setLive(path, liveTarget.liveArgs, live);
  }, [outbox, liveTarget, live, path]);

  return useMemo(
    () => (target ? (shownValue(outbox, cache, target, live) as FunctionReturnType<Query>) : undefined),
    // entries and overlay: the overlay changes with the pending writes, and when a long recomputation is done.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [target, outbox, live, cache, entries, overlay],
  );
}
