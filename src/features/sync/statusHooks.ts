import { useContext, useMemo } from "react";
import { useAppStore } from "../../store";
import { OutboxContext } from "./SyncProvider";

/** The sync status for the header: phase, pending count, storage kind. */
export function useSyncStatus() {
  return useAppStore((state) => state.syncStatus);
}

// Both lists are replaced whole by the outbox, and only when they changed (outbox.ts `state`): compared by identity.
// A shallow comparison of the pending list (zustand's copies both arrays into Maps) cost ~1 ms per store change
// with 5,000 writes pending, and every change of the store, of any slice, ran it.
export function useSyncIssues() {
  return useAppStore((state) => state.syncIssues);
}

export function usePendingWrites() {
  return useAppStore((state) => state.syncPending);
}

/**
 * Actions on recorded issues (conflicts, writes against deleted files, refusals). The status indicator lives in
 * the app header, which also shows on pages outside a signed-in user's SyncProvider: there is nothing to act on.
 */
export function useSyncActions() {
  const outbox = useContext(OutboxContext);
  return useMemo(() => ({ dismissIssue: (id: string) => outbox?.dismissIssue(id) ?? Promise.resolve() }), [outbox]);
}
