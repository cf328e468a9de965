import type { ConvexReactClient } from "convex/react";
import type { FunctionReference } from "convex/server";
import { containsTempId } from "./ids";
import type { Outbox } from "./outbox";
import { queryToken } from "./queryKey";
import type { CachedQuery } from "./types";

/**
 * The one read path of the SPA. What a feature sees of a query is the live result when this tab has one, else
 * the last confirmed result cached (in IndexedDB too, so also after a reload while offline), with the
 * optimistic update of every pending outbox entry applied on top, in outbox order.
 *
 * useSyncedQuery (React) and watchSyncedQuery (code outside React: the editor's sessions) are its two faces,
 * both made of the three steps here: `readTarget`, `watchLive`, `shownValue`. A feature reading several queries
 * and combining them takes one target per query through the same steps.
 *
 * Invariants:
 * - Arguments may name rows by temporary id (`pending_…`). A temporary id whose create is confirmed is replaced
 *   by the real id, so a target is recomputed whenever results change; while any temporary id remains the
 *   server is never asked (it would refuse the id) and only the cache and the overlay answer.
 * - Live results enter the cache in the task after the Convex client's transition (or when React committed a
 *   render showing them, whichever comes first), never inside the transition: the outbox
 *   confirms the writes that transition reflects in its microtasks, and until then the overlay must not be
 *   recomputed over the new result (a pending create would find its name taken and hide its row). A face that
 *   needs a live result at once takes it from the client, and `shownValue` lays it over the cache.
 * - A live error (e.g. the row was deleted) is the face's to report; it never enters the cache.
 */

export interface ReadTarget {
  path: string;
  /** The args with every confirmed temporary id replaced by its real id. */
  args: Record<string, unknown>;
  token: string;
  /** The args the server is asked with; null while a temporary id remains. */
  liveArgs: Record<string, unknown> | null;
}

export function readTarget(outbox: Outbox, path: string, args: Record<string, unknown>): ReadTarget {
  const resolved = outbox.realIds(args);
  return { path, args: resolved, token: queryToken(path, resolved), liveArgs: containsTempId(resolved) ? null : resolved };
}

/** This tab's live result of a query: undefined until the server answered (or while resubscribing). */
export type LiveResult = { value: unknown } | { error: unknown } | undefined;

interface Feed {
  path: string;
  args: Record<string, unknown>;
  current: () => LiveResult;
}

/** Live results waiting for the task after their transition, per outbox: they enter the cache together. */
const dueFeeds = new WeakMap<Outbox, Set<Feed>>();

function feedSoon(outbox: Outbox, feed: Feed): void {
  let due = dueFeeds.get(outbox);
  if (!due) {
    const batch = new Set<Feed>();
    due = batch;
    dueFeeds.set(outbox, batch);
    setTimeout(() => {
      dueFeeds.delete(outbox);
      const results: { path: string; args: Record<string, unknown>; value: unknown }[] = [];
      for (const { path, args, current } of batch) {
        const result = current();
        if (result && "value" in result) results.push({ path, args, value: result.value });
      }
      outbox.cache.setLiveMany(results);
    }, 0);
  }
  due.add(feed);
}

/**
 * Subscribes the target on the Convex client and feeds its results into the cache, in the task after the
 * transition that brought them, together with every other live result of that transition. `onLive` hears every
 * live result at once, inside the transition. Returns the unsubscribe function.
 */
export function watchLive(
  convex: ConvexReactClient,
  outbox: Outbox,
  query: FunctionReference<"query">,
  target: ReadTarget & { liveArgs: Record<string, unknown> },
  onLive?: (result: LiveResult) => void,
): () => void {
  const watch = convex.watchQuery(query, target.liveArgs);
  const current = (): LiveResult => {
    try {
      const value: unknown = watch.localQueryResult();
      return value === undefined ? undefined : { value };
    } catch (error) {
      return { error };
    }
  };
  const feed: Feed = { path: target.path, args: target.liveArgs, current };
  const update = () => {
    const result = current();
    onLive?.(result);
    if (result) feedSoon(outbox, feed);
  };
  const unsubscribe = watch.onUpdate(update);
  update();
  return () => {
    unsubscribe();
    dueFeeds.get(outbox)?.delete(feed);
  };
}

/** What a reader shows for the target: `live` when given, else the cached result; with the overlay on top. */
export function shownValue(
  outbox: Outbox,
  cache: ReadonlyMap<string, CachedQuery>,
  target: ReadTarget,
  live: unknown,
): unknown {
  return shownValues(outbox, cache, [target], [live])[0];
}

/**
 * `shownValue` for several targets at once (a feature combining queries): every live result is laid over the
 * cache, and the overlay is computed once for all of them, not once per target (and shared with every reader
 * laying in the same live results: overlay.ts `OverlayMemo`).
 */
export function shownValues(
  outbox: Outbox,
  cache: ReadonlyMap<string, CachedQuery>,
  targets: readonly ReadTarget[],
  lives: readonly unknown[],
): unknown[] {
  const overrides: CachedQuery[] = [];
  targets.forEach((target, i) => {
    const live = lives[i];
    if (live === undefined || cache.get(target.token)?.value === live) return;
    overrides.push({ token: target.token, path: target.path, args: target.args, value: live, updatedAt: Date.now() });
  });
  if (outbox.getEntries().length > 0) {
    const shown = outbox.overlay(cache, overrides);
    return targets.map((target) => shown.get(target.token)?.value);
  }
  const live = new Map(overrides.map((q) => [q.token, q]));
  return targets.map((target) => (live.get(target.token) ?? cache.get(target.token))?.value);
}
