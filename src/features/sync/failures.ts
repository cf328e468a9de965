import { ConvexError } from "convex/values";
import { errorCode, errorMessage } from "../../lib/errors";
import { contentWriteSpec, mergeAfterConflict } from "./contentWrites";
import { conflictIssue, refusalIssue } from "./issues";
import type { OutboxEntry, SyncIssue } from "./types";

const MAX_SERVER_ERROR_ATTEMPTS = 3;
const MAX_MERGE_ATTEMPTS = 5;

/**
 * What a failed send means for its outbox entry.
 *
 * Invariants:
 * - Only a ConvexError is a refusal: the server ran the function and said no, so sending it again changes
 *   nothing. Every other error may be transient (the network, a server restart) and the entry is sent again.
 * - "Signed out" pauses the whole outbox (every later entry would be refused the same way) until the app
 *   authenticates again; it never drops an entry.
 * - A CONFLICT of a content write is merged (contentWrites.ts) and resent, up to MAX_MERGE_ATTEMPTS times; an
 *   error that is neither a refusal nor the network counts as refused after MAX_SERVER_ERROR_ATTEMPTS sends.
 */
export type FailureKind =
  /** The token was refused: pause until signed in again. */
  | "signedOut"
  /** A content write based on an older revision (its data carries the server's revision and text). */
  | "conflict"
  /** The row the write names does not exist (any more). */
  | "deleted"
  /** Any other refusal. */
  | "refused"
  /** The request may never have reached the server (HTTP transports; the WebSocket client waits instead). */
  | "network"
  /** Anything else: possibly transient, retried a few times before it counts as refused. */
  | "server";

function classifyFailure(error: unknown): FailureKind {
  const code = errorCode(error);
  if (code === "UNAUTHENTICATED") return "signedOut";
  if (error instanceof ConvexError) {
    if (code === "CONFLICT") return "conflict";
    if (code === "NOT_FOUND") return "deleted";
    return "refused";
  }
  if (error instanceof Error && /unauthenticated|not authenticated/i.test(error.message)) return "signedOut";
  if (error instanceof TypeError) return "network";
  if (error instanceof Error && /network|failed to fetch|connection lost|ECONNREFUSED|ECONNRESET|socket/i.test(error.message)) {
    return "network";
  }
  return "server";
}

/** The text a person reads for a refused write. */
export function refusalMessage(error: unknown): string {
  return errorMessage(error, "The server could not apply this change.");
}

/**
 * The rejection of a write's promise once the outbox gave up on it (refused, unmergeable, or its target
 * deleted). The issue is also listed by the sync status, so callers need not report it again.
 */
export class RefusedWriteError extends Error {
  constructor(
    message: string,
    readonly issue: SyncIssue,
  ) {
    super(message);
    this.name = "RefusedWriteError";
  }
}

/** What the outbox does with an entry whose send failed. */
export type AfterFailureDecision =
  | { kind: "pause"; reason: string }
  | { kind: "refuse"; issue: SyncIssue }
  /** Merged onto the server's text: store the updated entry and send it again in its place. */
  | { kind: "resend"; entry: OutboxEntry }
  /** Wait, then send again; `entry` (when given) carries the attempt count to store. */
  | { kind: "retry"; attempt: number; entry?: OutboxEntry };

export function decideAfterFailure(entry: OutboxEntry, sentArgs: Record<string, unknown>, error: unknown): AfterFailureDecision {
  const rejected = (): AfterFailureDecision => ({ kind: "refuse", issue: refusalIssue(entry, "rejected", refusalMessage(error)) });
  switch (classifyFailure(error)) {
    case "signedOut":
      return { kind: "pause", reason: "Sign in again to send your pending changes." };
    case "conflict": {
      if (!contentWriteSpec(entry.path)) return rejected();
      const data: unknown = (error as { data?: unknown }).data;
      const after = mergeAfterConflict(entry, sentArgs, data && typeof data === "object" ? data : {}, MAX_MERGE_ATTEMPTS);
      if (after.kind === "resend") return { kind: "resend", entry: after.entry };
      if (after.kind === "conflict") return { kind: "refuse", issue: conflictIssue(entry, after.conflict) };
      return rejected();
    }
    case "deleted":
      return { kind: "refuse", issue: refusalIssue(entry, "deleted", refusalMessage(error)) };
    case "refused":
      return rejected();
    case "network":
      return { kind: "retry", attempt: entry.attempts ?? 0 };
    case "server": {
      const attempts = (entry.attempts ?? 0) + 1;
      return attempts < MAX_SERVER_ERROR_ATTEMPTS ? { kind: "retry", attempt: attempts, entry: { ...entry, attempts } } : rejected();
    }
  }
}
