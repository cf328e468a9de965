import { remerge, rowOf, textOf, type Conflict } from "./contentWrites";
import type { OutboxEntry, SyncIssue } from "./types";

/**
 * The problems the outbox records for a person to resolve, one per refused entry (its opId is the issue's id).
 * An issue keeps every text the person could lose: their own text, and for a conflict the server's text and
 * both merged between markers.
 */

export const CONFLICT_MESSAGE =
  "This file was changed elsewhere while you edited it, and both changed the same lines. Your text is kept: choose what to keep.";

export function conflictIssue(entry: OutboxEntry, conflict: Conflict): SyncIssue {
  return {
    id: entry.opId,
    kind: "conflict",
    opId: entry.opId,
    path: entry.path,
    message: CONFLICT_MESSAGE,
    createdAt: Date.now(),
    fileId: rowOf(entry),
    text: conflict.mine,
    base: conflict.base,
    theirs: conflict.theirs,
    merged: conflict.merged,
    serverRevision: conflict.serverRevision,
  };
}

export function refusalIssue(entry: OutboxEntry, kind: "deleted" | "rejected", message: string): SyncIssue {
  const text = textOf(entry);
  return {
    id: entry.opId,
    kind,
    opId: entry.opId,
    path: entry.path,
    message:
      kind === "deleted"
        ? `${message} Your change to it could not be saved${text !== undefined ? "; you can save your text as a new file" : ""}.`
        : message,
    createdAt: Date.now(),
    fileId: rowOf(entry),
    text,
  };
}

/** The issue of a refused content write once its chained followers are refused with it: their newest text. */
export function withFollowers(issue: SyncIssue, followers: readonly OutboxEntry[]): SyncIssue {
  const newest = followers.at(-1);
  const text = newest ? textOf(newest) : undefined;
  if (text === undefined || (issue.kind !== "conflict" && issue.kind !== "deleted")) return issue;
  const merged = issue.kind === "conflict" && issue.theirs !== undefined ? remerge(issue.base, text, issue.theirs) : issue.merged;
  return { ...issue, text, merged };
}

/** One line for a pending entry in the sync panel. */
export function describeEntry(entry: Pick<OutboxEntry, "path" | "args">): string {
  const name = typeof entry.args.name === "string" ? ` "${entry.args.name}"` : "";
  return `${entry.path}${name}`;
}
