import type { SyncIssue } from "./types";

/**
 * Notices between the tabs of one user (BroadcastChannel). Every tab has its own view of the outbox, but only
 * the tab holding the per-user lock sends (see sendWindow.ts); the others learn from these notices.
 *
 * Invariants:
 * - Notices are hints, never the data: IndexedDB holds the outbox, results and issues, and a tab that hears
 *   "outbox" or "issues" reads them again from storage. A lost notice only delays what a tab shows.
 * - "confirmed" carries the results of a batch of entries, "answered" the refusal of one, so the tab that wrote
 *   them can resolve (or reject) its callers' promises, and every tab can drop them from its overlay in the same
 *   turn (one change for the whole batch).
 */
export type TabNotice =
  /** An entry was appended: the sending tab should look for it. */
  | { type: "outbox" }
  /** Entries confirmed together (one batch of the sender), in outbox order. */
  | { type: "confirmed"; answers: { opId: string; result: unknown }[] }
  | { type: "answered"; opId: string; ok: false; message: string; issue?: SyncIssue }
  /** Issues were added or dismissed. */
  | { type: "issues" };

export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

export type ChannelFactory = (name: string) => ChannelLike;

/** The channel of one user's outbox; `null` when the browser has none (then tabs do not hear each other). */
export function openTabChannel(
  userKey: string,
  make: ChannelFactory | null | undefined,
  onNotice: (notice: TabNotice) => void,
): { post(notice: TabNotice): void; close(): void } | null {
  if (make === null || (make === undefined && typeof BroadcastChannel === "undefined")) return null;
  const channel = (make ?? ((name: string) => new BroadcastChannel(name)))(`polaris-outbox-${userKey}`);
  channel.onmessage = (event) => onNotice(event.data as TabNotice);
  return {
    post(notice) {
      try {
        channel.postMessage(notice);
      } catch {
        // A closed channel (tab going away) has nobody to tell.
      }
    },
    close: () => channel.close(),
  };
}
