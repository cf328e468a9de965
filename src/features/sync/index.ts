// The offline layer's public surface. Feature code switches by import:
//   useQuery            -> useSyncedQuery      (same arguments)
//   useMutation(ref)    -> useDurableMutation(ref)   for replayable writes (they accept clientOpId)
//   optimistic updates  -> registerOptimisticUpdate(ref, fn) once, at module level
export { SyncProvider, useSyncEngine } from "./SyncProvider";
export { SyncStatus } from "./SyncStatus";
export {
  useSyncedQuery,
  useDurableMutation,
  useSyncStatus,
  useSyncIssues,
  usePendingWrites,
  useSyncActions,
  type DurablePromise,
} from "./hooks";
export { registerOptimisticUpdate, extendOptimisticUpdate, optimisticUpdateFor, useOptimisticMutation } from "./registry";
export { registerCacheableQuery } from "./queryCache";
export { optimisticId, tempIdFor, isTempId } from "./ids";
export { SyncEngine, SyncConflictError, registerContentWrite } from "./engine";
export { MARK_MINE, MARK_SPLIT, MARK_THEIRS } from "./merge";
export type { SyncIssue, SyncStatusInfo, PendingSummary } from "./types";
export { watchSyncedQuery, type SyncedQueryUpdate } from "./watch";
export { watchResolvedIds } from "./resolvedIds";
