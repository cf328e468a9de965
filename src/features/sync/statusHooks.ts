import { useContext, useMemo } from "react";
import { useAppStore, useShallow } from "../../store";
import { OutboxContext } from "./SyncProvider";

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

/**
 * Actions on recorded issues (conflicts, writes against deleted files, refusals). The status indicator lives in
 * the app header, which also shows on pages outside a signed-in user's SyncProvider: there is nothing to act on.
 */
export function useSyncActions() {
  const outbox = useContext(OutboxContext);
  return useMemo(() => ({ dismissIssue: (id: string) => outbox?.dismissIssue(id) ?? Promise.resolve() }), [outbox]);
}
