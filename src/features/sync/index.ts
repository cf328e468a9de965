// The offline layer's public surface (docs/architecture.md, "The path of one edit"):
//   reads   useSyncedQuery(ref, args)      React; watchSyncedQuery(...) outside React       (read.ts)
//           usePaginatedSyncedQuery(...)   a paginated list, its newest pages cached       (usePaginatedSyncedQuery.ts)
//   writes  useWrite(ref)                  durable; useLiveWrite(ref) for LIVE_WRITES only   (write.ts)
//   optimistic updates  registerOptimisticUpdate(ref, fn) once, at module level             (registry.ts)
export { SyncProvider, useOutbox } from "./SyncProvider";
export { SyncStatus } from "./SyncStatus";
export { useSyncedQuery } from "./useSyncedQuery";
export { useSyncedQueries } from "./useSyncedQueries";
export { usePaginatedSyncedQuery } from "./usePaginatedSyncedQuery";
export { watchSyncedQuery, readSyncedQuery, type SyncedQueryUpdate } from "./watchSyncedQuery";
export { useWrite, useLiveWrite, LIVE_WRITES, type DurablePromise } from "./write";
export { useSyncStatus, useSyncIssues, usePendingWrites, useSyncActions } from "./statusHooks";
export { registerOptimisticUpdate, extendOptimisticUpdate } from "./registry";
export { registerCacheableQuery } from "./queryCache";
export { optimisticId, tempIdFor, isTempId } from "./ids";
export { Outbox } from "./outbox";
export { RefusedWriteError } from "./failures";
export { registerContentWrite } from "./contentWrites";
export { MARK_MINE, MARK_SPLIT, MARK_THEIRS } from "./merge";
export type { SyncIssue, SyncStatusInfo, PendingSummary } from "./types";
export { watchResolvedIds } from "./resolvedIds";
