import { useMemo } from "react";
import { useAppStore, useShallow } from "../../store";
import { useOutbox } from "./SyncProvider";

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

/** Actions on recorded issues (conflicts, writes against deleted files, refusals). */
export function useSyncActions() {
  const outbox = useOutbox();
  return useMemo(() => ({ dismissIssue: (id: string) => outbox.dismissIssue(id) }), [outbox]);
}
