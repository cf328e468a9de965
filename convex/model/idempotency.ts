import type { Value } from "convex/values";
import type { MutationCtx } from "../_generated/server";
import { appError } from "../lib/errors";

// Replay protection for the offline outbox. A write carrying a clientOpId is applied at most once per user:
// the first run stores its result in `clientOps` in the same transaction as the write, so a replay after a
// lost acknowledgement returns that result and changes nothing. Ids are scoped per user, so one user's id
// can neither collide with nor reveal another user's operation. Rows are swept after CLIENT_OP_RETENTION_MS.

export const MAX_CLIENT_OP_ID_LENGTH = 100;
export const CLIENT_OP_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
export const CLIENT_OP_SWEEP_BATCH = 500;

export async function runOnce<T extends Value>(
  ctx: MutationCtx,
  userId: string,
  clientOpId: string | undefined,
  apply: () => Promise<T>,
): Promise<T> {
  if (clientOpId === undefined) return apply();
  if (clientOpId.length === 0 || clientOpId.length > MAX_CLIENT_OP_ID_LENGTH) {
    throw appError(
      "INVALID_ARGUMENT",
      `The client operation id must be 1 to ${MAX_CLIENT_OP_ID_LENGTH} characters long. Send a shorter id, e.g. a UUID.`,
    );
  }
  const previous = await ctx.db
    .query("clientOps")
    .withIndex("by_user_op", (q) => q.eq("userId", userId).eq("opId", clientOpId))
    .unique();
  if (previous !== null) return previous.result as T;
  const result = await apply();
  await ctx.db.insert("clientOps", { userId, opId: clientOpId, result, createdAt: Date.now() });
  return result;
}

/** Deletes up to one batch of expired rows; returns how many it deleted. */
export async function sweepClientOps(ctx: MutationCtx, now: number): Promise<number> {
  const expired = await ctx.db
    .query("clientOps")
    .withIndex("by_created", (q) => q.lt("createdAt", now - CLIENT_OP_RETENTION_MS))
    .take(CLIENT_OP_SWEEP_BATCH);
  for (const row of expired) await ctx.db.delete("clientOps", row._id);
  return expired.length;
}
