import { isRef, renderRefs } from "./ids";
import { mergeThreeWay } from "./merge";
import { canonicalPath } from "./queryKey";
import type { CachedQuery, OutboxEntry } from "./types";

/**
 * Content writes: whole-text writes of one row based on a revision (`files.updateContent`), the only writes
 * the outbox rebases. Every merge of such a write happens here, through merge.ts.
 *
 * Invariants:
 * - A content write enqueued while an earlier one for the same row is unanswered is chained onto it: its base
 *   revision is `{ $ref: earlier, field: "revision" }` and its base text the earlier one's text, so the pair
 *   reaches the server in order and the second never conflicts with the first.
 * - An entry's `baseContent` is the text its own text was written on top of. After a CONFLICT the entry is
 *   merged onto the server's text (three-way, with `baseContent` as the base) and resent against the server's
 *   revision; `rebase` then records `from` (the text written) and `to` (the text sent).
 * - A chained follower was written on top of its predecessor's `from`: once the predecessor is confirmed with
 *   `rebase`, the follower is merged onto `to` before it is sent, or the other writer's lines would be lost.
 * - A merge with overlapping changes is never sent: it becomes a conflict for the person to resolve.
 */

export interface ContentWriteSpec {
  idArg: string;
  contentArg: string;
  revisionArg: string;
  /** The query holding the confirmed `{ content, revision }` of one row, keyed by `{ [idArg]: id }`. */
  query: string;
}

const specs = new Map<string, ContentWriteSpec>([
  ["files:updateContent", { idArg: "fileId", contentArg: "content", revisionArg: "baseRevision", query: "files:get" }],
]);

export function registerContentWrite(path: string, spec: ContentWriteSpec): void {
  specs.set(canonicalPath(path), spec);
}

export function contentWriteSpec(path: string): ContentWriteSpec | undefined {
  return specs.get(path);
}

type Lookup = (opId: string) => { result: unknown } | undefined;

/** The row an entry writes, as the overlay names it (the real id once its create is confirmed). */
function targetOf(entry: OutboxEntry, spec: ContentWriteSpec, lookup: Lookup): string {
  return JSON.stringify(renderRefs(entry.args[spec.idArg], lookup));
}

/** The row a stored content write writes (as `targetOf` names it), or undefined for other writes. */
export function contentRowOf(entry: OutboxEntry, lookup: Lookup): string | undefined {
  const spec = specs.get(entry.path);
  return spec ? targetOf(entry, spec, lookup) : undefined;
}

/** The last few confirmed texts of each row, so a content write can carry the text its revision held. */
export class RevisionTexts {
  private readonly texts = new Map<string, Map<number, string>>();

  remember(cache: ReadonlyMap<string, CachedQuery>): void {
    for (const spec of specs.values()) {
      for (const query of cache.values()) {
        if (query.path !== spec.query) continue;
        const value = query.value as { content?: unknown; revision?: unknown } | null | undefined;
        const id = query.args[spec.idArg];
        if (typeof id !== "string" || !value || typeof value.content !== "string" || typeof value.revision !== "number") {
          continue;
        }
        const texts = this.texts.get(id) ?? new Map<number, string>();
        texts.set(value.revision, value.content);
        while (texts.size > 4) texts.delete(texts.keys().next().value!);
        this.texts.set(id, texts);
      }
    }
  }

  textAt(id: string, revision: number): string | undefined {
    return this.texts.get(id)?.get(revision);
  }
}

/** Fills in a new content write's base: chained onto an earlier pending write of the row, or the known text. */
export function prepareContentWrite(
  entry: OutboxEntry,
  pending: readonly OutboxEntry[],
  lookup: Lookup,
  texts: RevisionTexts,
): void {
  const spec = specs.get(entry.path);
  if (!spec) return;
  const target = targetOf(entry, spec, lookup);
  const previous = pending.findLast((e) => e.path === entry.path && targetOf(e, spec, lookup) === target);
  if (previous) {
    entry.args[spec.revisionArg] = { $ref: previous.opId, field: "revision" };
    const text = previous.args[spec.contentArg];
    if (typeof text === "string") entry.baseContent = text;
    return;
  }
  const id = entry.args[spec.idArg];
  const revision = entry.args[spec.revisionArg];
  if (typeof id !== "string" || typeof revision !== "number") return;
  const known = texts.textAt(id, revision);
  if (known !== undefined) entry.baseContent = known;
}

/** The row a content write in flight writes (its sent args hold real ids), or undefined for other writes. */
export function rowWritten(path: string, sentArgs: Record<string, unknown>): string | undefined {
  const spec = specs.get(path);
  const id = spec ? sentArgs[spec.idArg] : undefined;
  return typeof id === "string" ? id : undefined;
}

/** What the server answered a content write with, plus the text it now holds (what was sent). */
export function answerWithText(entry: OutboxEntry, result: unknown): unknown {
  const spec = specs.get(entry.path);
  const sent = spec ? entry.args[spec.contentArg] : undefined;
  return typeof sent === "string" && result && typeof result === "object"
    ? { ...(result as Record<string, unknown>), [spec!.contentArg]: sent }
    : result;
}

/** The stored form of a result relayed by another tab: without the text `answerWithText` added. */
export function answerWithoutText(path: string, answer: unknown): unknown {
  const spec = specs.get(path);
  if (!spec || !answer || typeof answer !== "object") return answer;
  const { [spec.contentArg]: _text, ...rest } = answer as Record<string, unknown>;
  return rest;
}

/** Both sides of a merge that overlapped: what the person wrote and what the server holds. */
export interface Conflict {
  mine: string;
  base: string | undefined;
  theirs: string;
  merged: string;
  serverRevision: number | undefined;
}

export type AfterConflict =
  | { kind: "resend"; entry: OutboxEntry }
  | { kind: "conflict"; conflict: Conflict }
  /** The CONFLICT carried no server text to merge with: an ordinary refusal. */
  | { kind: "refuse" };

/** A content write the server refused as based on an older revision: merged onto the server's text, or not. */
export function mergeAfterConflict(
  entry: OutboxEntry,
  sentArgs: Record<string, unknown>,
  data: { revision?: unknown; content?: unknown },
  maxAttempts: number,
): AfterConflict {
  const spec = specs.get(entry.path);
  const mine = spec ? sentArgs[spec.contentArg] : undefined;
  const theirs = typeof data.content === "string" ? data.content : undefined;
  const revision = typeof data.revision === "number" ? data.revision : undefined;
  if (!spec || typeof mine !== "string" || theirs === undefined || revision === undefined) return { kind: "refuse" };
  const attempts = (entry.attempts ?? 0) + 1;
  const merged = mergeThreeWay(entry.baseContent, mine, theirs);
  if (merged.kind === "conflict" || attempts > maxAttempts) {
    return {
      kind: "conflict",
      conflict: { mine, base: entry.baseContent, theirs, merged: merged.text, serverRevision: revision },
    };
  }
  return {
    kind: "resend",
    entry: {
      ...entry,
      args: { ...entry.args, [spec.contentArg]: merged.text, [spec.revisionArg]: revision },
      baseContent: theirs,
      attempts,
      rebase: { from: entry.rebase?.from ?? mine, to: merged.text },
    },
  };
}

function isFollowerOf(candidate: OutboxEntry, entry: OutboxEntry, spec: ContentWriteSpec): boolean {
  const revision = candidate.args[spec.revisionArg];
  return candidate.path === entry.path && isRef(revision) && revision.$ref === entry.opId;
}

export type FollowerRebase =
  | { kind: "rebased"; follower: OutboxEntry }
  | { kind: "conflict"; follower: OutboxEntry; conflict: Conflict };

/** The chained follower of a confirmed write that was merged before sending, moved onto the merged text. */
export function rebaseFollower(confirmed: OutboxEntry, stored: readonly OutboxEntry[]): FollowerRebase | undefined {
  const spec = specs.get(confirmed.path);
  const rebase = confirmed.rebase;
  if (!spec || !rebase) return undefined;
  const follower = stored.find((e) => isFollowerOf(e, confirmed, spec));
  const mine = follower?.args[spec.contentArg];
  if (!follower || typeof mine !== "string") return undefined;
  const merged = mergeThreeWay(rebase.from, mine, rebase.to);
  if (merged.kind === "conflict") {
    return {
      kind: "conflict",
      follower,
      conflict: { mine, base: rebase.from, theirs: rebase.to, merged: merged.text, serverRevision: undefined },
    };
  }
  return {
    kind: "rebased",
    follower: {
      ...follower,
      args: { ...follower.args, [spec.contentArg]: merged.text },
      baseContent: rebase.to,
      rebase: { from: mine, to: merged.text },
    },
  };
}

/**
 * The content writes chained (directly or in turn) onto `entry`, oldest first. Once `entry` is refused they
 * cannot be sent; they were typed on top of it, so the newest one's text is what the person wants to keep.
 */
export function followersOf(entry: OutboxEntry, stored: readonly OutboxEntry[]): OutboxEntry[] {
  const spec = specs.get(entry.path);
  if (!spec) return [];
  const followers: OutboxEntry[] = [];
  let last = entry;
  for (;;) {
    const next = stored.find((e) => isFollowerOf(e, last, spec));
    if (!next) return followers;
    followers.push(next);
    last = next;
  }
}

/** The text a content write carries, if it is one. */
export function textOf(entry: OutboxEntry): string | undefined {
  const spec = specs.get(entry.path);
  const text = spec ? entry.args[spec.contentArg] : undefined;
  return typeof text === "string" ? text : undefined;
}

/** The row a write names, for issues: the content write's row, else a `fileId` argument. */
export function rowOf(entry: OutboxEntry): string | undefined {
  const spec = specs.get(entry.path);
  const id = spec ? entry.args[spec.idArg] : entry.args.fileId;
  return typeof id === "string" ? id : undefined;
}

/** `theirs` merged with the newest follower's text, for a conflict that absorbs followers. */
export function remerge(base: string | undefined, mine: string, theirs: string): string {
  return mergeThreeWay(base, mine, theirs).text;
}
