import type { OptimisticLocalStore } from "convex/browser";
import type { FunctionArgs, FunctionReference } from "convex/server";
import { canonicalPath } from "./queryKey";

/**
 * One registry of optimistic updates, keyed by mutation path, written against the Convex client's
 * OptimisticLocalStore interface. The outbox's overlay (overlay.ts) replays the update of every pending entry
 * over cached query results; the Convex client's own `withOptimisticUpdate` is not used (write.ts says why).
 * Because the overlay re-runs an update many times, an update must be a pure function of (store contents,
 * args): derive new ids with `optimisticId(args)`. Only durable writes have optimistic updates.
 */
export type OptimisticUpdateFn<Args = any> = (store: OptimisticLocalStore, args: Args) => void;

export interface CreateOptions {
  /** For creates: the real id in the mutation's result (default: the result itself, or its `_id`/`id`). */
  idFromResult?: (result: unknown) => string | undefined;
}

const updates = new Map<string, OptimisticUpdateFn>();
/** Further updates of a mutation owned by other features (e.g. the editor's `files.get` for a create), by key. */
const extensions = new Map<string, Map<string, OptimisticUpdateFn>>();
const composed = new Map<string, OptimisticUpdateFn>();

/**
 * Registers `update` for a mutation and returns it unchanged (so a test can call it directly). Registering
 * again for the same path replaces the previous function.
 */
export function registerOptimisticUpdate<Mutation extends FunctionReference<"mutation">>(
  mutation: Mutation | string,
  update: OptimisticUpdateFn<FunctionArgs<Mutation>>,
): OptimisticUpdateFn<FunctionArgs<Mutation>> {
  const path = canonicalPath(mutation);
  updates.set(path, update as OptimisticUpdateFn);
  composed.delete(path);
  return update;
}

/**
 * Adds an optimistic update that runs after the registered one for the same mutation, for a feature that shows
 * the write in a query the registering feature does not know. Adding again under the same key replaces it.
 */
export function extendOptimisticUpdate<Mutation extends FunctionReference<"mutation">>(
  mutation: Mutation | string,
  key: string,
  update: OptimisticUpdateFn<FunctionArgs<Mutation>>,
): void {
  const path = canonicalPath(mutation);
  const byKey = extensions.get(path) ?? new Map<string, OptimisticUpdateFn>();
  byKey.set(key, update as OptimisticUpdateFn);
  extensions.set(path, byKey);
  composed.delete(path);
}

export function optimisticUpdateFor(mutation: FunctionReference<"mutation"> | string): OptimisticUpdateFn | undefined {
  const path = canonicalPath(mutation);
  const main = updates.get(path);
  const more = extensions.get(path);
  if (!more) return main;
  // One function per path until the next registration, so callers can memoize on its identity.
  let fn = composed.get(path);
  if (!fn) {
    fn = (store, args) => {
      main?.(store, args);
      for (const extra of more.values()) extra(store, args);
    };
    composed.set(path, fn);
  }
  return fn;
}

/** For tests: forget every registration. */
export function clearOptimisticUpdates(): void {
  updates.clear();
  extensions.clear();
  composed.clear();
}
