import type { StateCreator } from "zustand";
import type { AppState } from "./index";
import type { PendingSummary, SyncIssue, SyncStatusInfo } from "../features/sync/types";

/**
 * What the offline layer shows: connection/outbox status, the pending writes, and the writes the server
 * refused or could not merge (conflicts). Written only by the outbox (src/features/sync); the durable
 * data itself lives in IndexedDB, this is its view for the UI.
 */
export interface SyncSlice {
  syncStatus: SyncStatusInfo;
  syncPending: PendingSummary[];
  syncIssues: SyncIssue[];
  setSyncState: (state: { status: SyncStatusInfo; pending: PendingSummary[]; issues: SyncIssue[] }) => void;
}

export const initialSyncStatus: SyncStatusInfo = { phase: "online", pending: 0, unsaved: 0, storage: "none" };

export const createSyncSlice: StateCreator<AppState, [], [], SyncSlice> = (set) => ({
  syncStatus: initialSyncStatus,
  syncPending: [],
  syncIssues: [],
  setSyncState: ({ status, pending, issues }) => set({ syncStatus: status, syncPending: pending, syncIssues: issues }),
});
