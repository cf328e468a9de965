import { ConvexError, type Value } from "convex/values";

/**
 * Error codes the SPA can branch on. Every error a person can meet is a ConvexError whose data is
 * `{ code, message, ...extra }`; `message` says what was wrong and what to do about it.
 */
export type ErrorCode =
  | "UNAUTHENTICATED"
  | "NOT_FOUND"
  | "INVALID_NAME"
  | "INVALID_ARGUMENT"
  | "INVALID_PARENT"
  | "NAME_TAKEN"
  | "MOVE_CYCLE"
  | "TOO_LARGE"
  | "CONFLICT"
  /** An import or export of the project is already running. */
  | "BUSY"
  /** The editor AI actions: no provider is configured (the SPA then stops asking for suggestions). */
  | "AI_NOT_CONFIGURED"
  /** The editor AI actions: the provider request failed; `message` says why, without the operator's settings. */
  | "AI_FAILED";

export function appError(code: ErrorCode, message: string, extra: Record<string, Value> = {}) {
  return new ConvexError({ ...extra, code, message });
}

/** 1048576 → "1,048,576", without relying on Intl in the function runtime. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
