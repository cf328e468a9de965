import { useMemo } from "react";
import { useMutation, type ReactMutation } from "convex/react";
import type { OptimisticLocalStore } from "convex/browser";
import type { FunctionArgs, FunctionReference } from "convex/server";
import { canonicalPath } from "./queryKey";

/**
 * One registry of optimistic updates, keyed by mutation path. The same function serves the live client
 * (`useMutation(ref).withOptimisticUpdate(fn)`) and the offline overlay, which replays pending outbox entries
 * against an OptimisticLocalStore backed by cached query results. Because the overlay re-runs an update many
 * times, an update must be a pure function of (store contents, args): derive new ids with `optimisticId(args)`.
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
 * Registers `update` for a mutation and returns it unchanged, so a feature can register inline:
 * `useMutation(api.files.rename).withOptimisticUpdate(registerOptimisticUpdate(api.files.rename, fn))`.
 * Registering again for the same path replaces the previous function.
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

/** `useMutation` with the registered optimistic update (if any) attached: for writes that are not durable. */
export function useOptimisticMutation<Mutation extends FunctionReference<"mutation">>(
  mutation: Mutation,
): ReactMutation<Mutation> {
  const plain = useMutation(mutation);
  const update = optimisticUpdateFor(mutation);
  return useMemo(() => (update ? plain.withOptimisticUpdate(update) : plain), [plain, update]);
}
