import { ConvexError } from "convex/values";
import { errorCode, errorMessage } from "../../lib/errors";
import type { SyncIssue } from "./types";

/**
 * What a failed send means for its outbox entry.
 *
 * Invariants:
 * - Only a ConvexError is a refusal: the server ran the function and said no, so sending it again changes
 *   nothing. Every other error may be transient (the network, a server restart) and the entry is sent again.
 * - "Signed out" pauses the whole outbox (every later entry would be refused the same way) until the app
 *   authenticates again; it never drops an entry.
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

export function classifyFailure(error: unknown): FailureKind {
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
