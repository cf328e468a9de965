import { type Value } from "convex/values";

/**
 * Temporary ids and `$ref` placeholders.
 *
 * An optimistic create shows its row under a temporary id derived from the outbox entry's opId
 * (`pending_<opId>`), so every re-run of the optimistic update (the overlay is recomputed often) yields the
 * same id, and any later write can name the new row before the server has assigned its real id.
 *
 * In the outbox a temporary id is never stored as text: when a write is enqueued, every string argument
 * equal to the temporary id of a create that is still pending becomes `{ $ref: opId }` (and
 * `{ $ref: opId, field: "revision" }` for revisions chained to an earlier content write). At send time the
 * sender replaces each placeholder with the confirmed result of that earlier entry: an entry holding a
 * placeholder is not sent before the entry it names is answered. Convex reserves `$`-prefixed field names, so a
 * placeholder can never be confused with real argument data.
 */

export const TEMP_ID_PREFIX = "pending_";
const TEMP_ID = /^pending_([0-9A-Za-z-]{1,100})$/;

export type Ref = { $ref: string; field?: string };

export function tempIdFor(opId: string): string {
  return TEMP_ID_PREFIX + opId;
}

/** The opId of the create that a temporary id names, or undefined for any other value. */
export function opIdOfTempId(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  return TEMP_ID.exec(value)?.[1];
}

export function isTempId(value: unknown): value is string {
  return opIdOfTempId(value) !== undefined;
}

/**
 * The id an optimistic create gives its row: derived from the clientOpId the outbox passes to every optimistic
 * update it replays (overlay.ts), so each re-run yields the same id.
 */
export function optimisticId(args: { clientOpId?: string }): string {
  if (args.clientOpId === undefined) throw new Error("Optimistic updates run in the outbox's overlay, which passes a clientOpId.");
  return tempIdFor(args.clientOpId);
}

/** Whether a value holds a temporary id anywhere (such args are never sent to a server function). */
export function containsTempId(value: unknown): boolean {
  let found = false;
  mapLeaves(value, (leaf) => {
    if (isTempId(leaf)) found = true;
    return leaf;
  });
  return found;
}

export function isRef(value: unknown): value is Ref {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { $ref?: unknown }).$ref === "string"
  );
}

/** The id a create returned: the result itself when it is a string, else its `_id`/`id` field. */
export function idFromResult(result: unknown): string | undefined {
  if (typeof result === "string") return result;
  if (result && typeof result === "object") {
    const record = result as Record<string, unknown>;
    for (const key of ["_id", "id", "fileId", "projectId"]) {
      if (typeof record[key] === "string") return record[key];
    }
  }
  return undefined;
}

/** The value a placeholder stands for, given the earlier entry's result. */
export function valueOfRef(ref: Ref, result: unknown): Value | undefined {
  if (ref.field === undefined) return idFromResult(result);
  if (result && typeof result === "object") {
    const field = (result as Record<string, unknown>)[ref.field];
    return field as Value | undefined;
  }
  return undefined;
}

/** Deeply maps every string and every placeholder in a JSON-like value, leaving the rest untouched. */
export function mapLeaves(
  value: unknown,
  visit: (leaf: string | Ref) => unknown,
): unknown {
  if (typeof value === "string") return visit(value);
  if (isRef(value)) return visit(value);
  if (Array.isArray(value)) return value.map((item) => mapLeaves(item, visit));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = mapLeaves(item, visit);
    return out;
  }
  return value;
}

/** Lists the opIds a stored argument object refers to. */
export function refsIn(value: unknown): string[] {
  const found: string[] = [];
  mapLeaves(value, (leaf) => {
    if (typeof leaf !== "string") found.push(leaf.$ref);
    return leaf;
  });
  return found;
}

export class UnresolvedRefError extends Error {
  constructor(readonly opId: string) {
    super(`This change depends on an earlier change (${opId}) that the server did not accept.`);
    this.name = "UnresolvedRefError";
  }
}

/**
 * Replaces placeholders with real values for sending. `lookup` returns the confirmed result of an entry, or
 * `undefined` when it has none (it failed or was dropped): then the write cannot be sent.
 */
export function resolveRefs(args: unknown, lookup: (opId: string) => { result: unknown } | undefined): unknown {
  return mapLeaves(args, (leaf) => {
    if (typeof leaf === "string") return leaf;
    const found = lookup(leaf.$ref);
    if (found === undefined) throw new UnresolvedRefError(leaf.$ref);
    const value = valueOfRef(leaf, found.result);
    if (value === undefined) throw new UnresolvedRefError(leaf.$ref);
    return value;
  });
}

/**
 * Renders placeholders for the optimistic overlay: the real value when the earlier entry is confirmed, the
 * temporary id while it is pending. A pending revision placeholder renders as `undefined` (no guess).
 */
export function renderRefs(args: unknown, lookup: (opId: string) => { result: unknown } | undefined): unknown {
  return mapLeaves(args, (leaf) => {
    if (typeof leaf === "string") return leaf;
    const found = lookup(leaf.$ref);
    if (found !== undefined) return valueOfRef(leaf, found.result);
    return leaf.field === undefined ? tempIdFor(leaf.$ref) : undefined;
  });
}

/**
 * Turns temporary ids in freshly called args into what the outbox stores: the real id if the create is
 * already confirmed, a placeholder if it is still pending; other strings are left as they are.
 */
export function encodeTempIds(
  args: unknown,
  confirmed: (opId: string) => { result: unknown } | undefined,
  pending: (opId: string) => boolean,
): unknown {
  return mapLeaves(args, (leaf) => {
    if (typeof leaf !== "string") return leaf;
    const opId = opIdOfTempId(leaf);
    if (opId === undefined) return leaf;
    const found = confirmed(opId);
    if (found !== undefined) return idFromResult(found.result) ?? leaf;
    if (pending(opId)) return { $ref: opId } satisfies Ref;
    return leaf;
  });
}
