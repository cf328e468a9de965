import { contentWriteSpec, remerge, rowOf, textOf, type Conflict } from "./contentWrites";
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
    label: describeEntry(entry),
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
    label: describeEntry(entry),
    message:
      kind === "deleted"
        ? `${message} Your change to it could not be saved${text !== undefined ? "; you can save your text as a new file" : ""}.`
        : message,
    createdAt: Date.now(),
    fileId: rowOf(entry),
    text,
  };
}

/**
 * A refused content write supersedes an older refusal of a write to the same file: the newer one holds the
 * person's newest text, so the older is only a second entry for the same problem (one per file, not one per
 * attempt or reload).
 */
export function supersedes(newer: SyncIssue, older: SyncIssue): boolean {
  return (
    newer.id !== older.id &&
    newer.kind === "rejected" &&
    older.kind === "rejected" &&
    newer.path === older.path &&
    newer.fileId !== undefined &&
    newer.fileId === older.fileId &&
    contentWriteSpec(newer.path) !== undefined
  );
}

/** The issue of a refused content write once its chained followers are refused with it: their newest text. */
export function withFollowers(issue: SyncIssue, followers: readonly OutboxEntry[]): SyncIssue {
  const newest = followers.at(-1);
  const text = newest ? textOf(newest) : undefined;
  if (text === undefined || (issue.kind !== "conflict" && issue.kind !== "deleted")) return issue;
  const merged = issue.kind === "conflict" && issue.theirs !== undefined ? remerge(issue.base, text, issue.theirs) : issue.merged;
  return { ...issue, text, merged };
}

const quoted = (args: Record<string, unknown>, key = "name") => (typeof args[key] === "string" ? ` "${args[key]}"` : "");

/** How each durable write is worded when its caller gave no label: what it does, never a function name. */
const FALLBACK_LABELS: Record<string, (args: Record<string, unknown>) => string> = {
  "files:updateContent": () => "Edit a file",
  "files:createFile": (a) => `Create${quoted(a)}`,
  "files:createFolder": (a) => `Create folder${quoted(a)}`,
  "files:createBinaryFile": (a) => `Upload${quoted(a)}`,
  "files:rename": (a) => `Rename to${quoted(a)}`,
  "files:move": () => "Move an item",
  "files:copy": () => "Copy an item",
  "files:remove": () => "Delete an item",
  "trash:restore": () => "Restore a deleted item",
  "projects:create": (a) => `Create project${quoted(a)}`,
  "projects:rename": (a) => `Rename project to${quoted(a)}`,
  "projects:remove": () => "Delete a project",
  "projects:updateSettings": () => "Change project settings",
};

/** One line for a pending or refused write in the sync panel: the caller's label, else worded from its arguments. */
export function describeEntry(entry: Pick<OutboxEntry, "path" | "args" | "label">): string {
  if (entry.label) return entry.label;
  const fallback = FALLBACK_LABELS[entry.path];
  return fallback ? fallback(entry.args) : `A change (${entry.path})`;
}
