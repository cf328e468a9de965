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

/**
 * Registers `update` for a mutation and returns it unchanged, so a feature can register inline:
 * `useMutation(api.files.rename).withOptimisticUpdate(registerOptimisticUpdate(api.files.rename, fn))`.
 * Registering again for the same path replaces the previous function.
 */
export function registerOptimisticUpdate<Mutation extends FunctionReference<"mutation">>(
  mutation: Mutation | string,
  update: OptimisticUpdateFn<FunctionArgs<Mutation>>,
): OptimisticUpdateFn<FunctionArgs<Mutation>> {
  updates.set(canonicalPath(mutation), update as OptimisticUpdateFn);
  return update;
}

export function optimisticUpdateFor(mutation: FunctionReference<"mutation"> | string): OptimisticUpdateFn | undefined {
  return updates.get(canonicalPath(mutation));
}

/** For tests: forget every registration. */
export function clearOptimisticUpdates(): void {
  updates.clear();
}

/** `useMutation` with the registered optimistic update (if any) attached: for writes that are not durable. */
export function useOptimisticMutation<Mutation extends FunctionReference<"mutation">>(
  mutation: Mutation,
): ReactMutation<Mutation> {
  const plain = useMutation(mutation);
  const update = optimisticUpdateFor(mutation);
  return useMemo(() => (update ? plain.withOptimisticUpdate(update) : plain), [plain, update]);
}
