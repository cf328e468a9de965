import type { ConvexReactClient } from "convex/react";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import type { Outbox } from "./outbox";
import { canonicalPath } from "./queryKey";
import { readTarget, shownValue, watchLive, type LiveResult, type ReadTarget } from "./read";

export type SyncedQueryUpdate<T> = { value: T } | { error: unknown };

/**
 * The non-React face of the read path (read.ts), for the editor's per-file sessions: calls `onUpdate` whenever
 * what the read path shows changes. A live error (e.g. the file was deleted) is passed on as `{ error }` at once
 * and wins over a cached value. A live value is shown once it is in the cache (the task after the client's
 * transition): with nothing laid over the cache, every session shares the one overlay the outbox computed for
 * it, which matters while a replay confirms entry after entry under many open tabs. Nothing is reported until
 * there is a value or an error, and nothing twice in a row. Returns the unsubscribe function.
 */
export function watchSyncedQuery<Query extends FunctionReference<"query">>(
  convex: ConvexReactClient,
  outbox: Outbox,
  query: Query,
  args: FunctionArgs<Query>,
  onUpdate: (update: SyncedQueryUpdate<FunctionReturnType<Query>>) => void,
): () => void {
  const path = canonicalPath(query);
  let stopped = false;
  let target: ReadTarget | undefined;
  let targetFor: unknown;
  let live: LiveResult;
  let unwatchLive: (() => void) | undefined;
  let last: SyncedQueryUpdate<unknown> | undefined;

  const retarget = () => {
    const results = outbox.getResults();
    if (targetFor === results && target) return target;
    targetFor = results;
    const next = readTarget(outbox, path, args);
    if (next.token === target?.token) return target;
    unwatchLive?.();
    unwatchLive = undefined;
    live = undefined;
    target = next;
    if (next.liveArgs) {
      unwatchLive = watchLive(convex, outbox, query, next as ReadTarget & { liveArgs: Record<string, unknown> }, (result) => {
        const wasError = live !== undefined && "error" in live;
        live = result;
        // A value reaches the cache, and from there this watcher, in the next task; an error (or its end) now.
        if (wasError || (result && "error" in result)) emit();
      });
    }
    return next;
  };

  function emit() {
    if (stopped) return;
    const current = retarget();
    if (live && "error" in live) {
      if (last && "error" in last && last.error === live.error) return;
      last = { error: live.error };
      onUpdate({ error: live.error });
      return;
    }
    const value = shownValue(outbox, outbox.cache.snapshot(), current, undefined);
    if (value === undefined || (last && "value" in last && last.value === value)) return;
    last = { value };
    onUpdate({ value: value as FunctionReturnType<Query> });
  }

  const unsubscribeOutbox = outbox.subscribe(emit);
  const unsubscribeCache = outbox.cache.subscribe(emit);
  emit();
  return () => {
    stopped = true;
    unsubscribeOutbox();
    unsubscribeCache();
    unwatchLive?.();
  };
}

/**
 * One read through the read path: what it shows now; when there is nothing yet and `wait` is set, the first
 * value (or error) once there is one. For an action that needs a row once (reading a file's text to restore
 * it after a delete), not for showing it.
 */
export function readSyncedQuery<Query extends FunctionReference<"query">>(
  convex: ConvexReactClient,
  outbox: Outbox,
  query: Query,
  args: FunctionArgs<Query>,
  wait: boolean,
): Promise<FunctionReturnType<Query> | undefined> {
  // A row known only by temporary id has no server answer to wait for.
  const waitForServer = wait && readTarget(outbox, canonicalPath(query), args).liveArgs !== null;
  return new Promise((resolve, reject) => {
    // The first update may come from inside watchSyncedQuery, before `stop` is known: then it stops below.
    const read: { answered: boolean; stop?: () => void } = { answered: false };
    read.stop = watchSyncedQuery(convex, outbox, query, args, (update) => {
      read.answered = true;
      read.stop?.();
      // The read path passes the Convex client's errors on as they are.
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      if ("error" in update) reject(update.error);
      else resolve(update.value);
    });
    if (read.answered || !waitForServer) read.stop();
    if (!read.answered && !waitForServer) resolve(undefined);
  });
}
