/** One write waiting for the server. Stored in the per-user outbox until the server confirms or rejects it. */
export interface OutboxEntry {
  /** Storage order (IndexedDB auto-increment): entries are sent in ascending `seq`. */
  seq?: number;
  /** The clientOpId the server dedupes on; kept across reloads, tabs and resends. */
  opId: string;
  path: string;
  /** What the write does in the person's words ("Edit src/app.ts"), given by the caller; see describeEntry. */
  label?: string;
  /** Arguments without clientOpId; may contain `{ $ref }` placeholders (see ids.ts). */
  args: Record<string, unknown>;
  createdAt: number;
  userKey: string;
  /** Content writes: the text of the revision the edit was based on, for a three-way merge. */
  baseContent?: string;
  /** Sends that failed without a ConvexError (possibly transient), or merges retried after CONFLICT. */
  attempts?: number;
  /**
   * Content writes whose text was merged with the server's after a CONFLICT: `from` is the text the user
   * wrote, `to` what was sent. A later content write chained to this one was written on top of `from`, so it
   * is merged onto `to` before it is sent (otherwise it would silently drop the other writer's lines).
   */
  rebase?: { from: string; to: string };
}

export interface StoredResult {
  opId: string;
  result: unknown;
  at: number;
}

export interface CachedQuery {
  token: string;
  path: string;
  args: Record<string, unknown>;
  value: unknown;
  updatedAt: number;
}

export type SyncIssueKind =
  /** Overlapping edits: both texts kept, `merged` holds them between conflict markers. */
  | "conflict"
  /** The write targeted a file or folder that no longer exists; `text` (if any) can be saved as a new file. */
  | "deleted"
  /** The server refused the write (ConvexError other than the above, or repeated server errors). */
  | "rejected";

export interface SyncIssue {
  id: string;
  kind: SyncIssueKind;
  opId: string;
  path: string;
  /** What the refused write was meant to do ("Edit src/app.ts"). */
  label?: string;
  message: string;
  createdAt: number;
  fileId?: string;
  /** The user's text that could not be written as it was. */
  text?: string;
  base?: string;
  theirs?: string;
  merged?: string;
  serverRevision?: number;
}

export type SyncPhase = "online" | "offline" | "syncing" | "error";

export interface SyncStatusInfo {
  phase: SyncPhase;
  pending: number;
  /** Writes whose IndexedDB commit is still running: closing the tab now could lose them. */
  unsaved: number;
  storage: "indexeddb" | "memory" | "none";
  lastError?: string;
}

export interface PendingSummary {
  opId: string;
  path: string;
  createdAt: number;
  label: string;
}
