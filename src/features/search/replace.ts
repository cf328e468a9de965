import type { ConvexReactClient } from "convex/react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { CompiledSearch } from "../../../convex/lib/search";
import { mergeThreeWay } from "../sync/merge";
import { readSyncedQuery, type DurablePromise, type Outbox } from "../sync";

// Replace across the project through the editor's own write path: each file's new text is one
// `files.updateContent` in the outbox, based on the revision it was computed from (the outbox chains it onto a
// pending save of the same file and merges a CONFLICT three-way), so it is durable offline, sent exactly once,
// and open editors take it like any remote change. A replace is planned first (every file's text read through the
// read path, newest pending edit included, and replaced with the same matcher as the search), so the confirmation
// states exactly how many matches in how many files change. Each replace is one undo step (the search slice keeps
// them as a stack, newest on top): Undo writes each file's text from before back, merged three-way with any edit
// made since, all or nothing. Replace one and replace in file are the same plan narrowed to one match or one file.

export interface ReplaceFile {
  fileId: Id<"files">;
  path: string;
  revision: number;
  before: string;
  after: string;
  count: number;
}

export interface ReplacePlan {
  files: ReplaceFile[];
  matches: number;
  /** Files that could not be read (deleted meanwhile, or kept in storage). */
  unreadable: string[];
}

type UpdateContent = (
  args: { fileId: Id<"files">; content: string; baseRevision?: number },
  label?: string,
) => DurablePromise<{ revision: number }>;

/**
 * A file's newest text: with a pending save in the outbox, the read path's optimistic value; otherwise the
 * server's, asked now (a cached value of a file no one watches can be old); offline, the cached one.
 */
async function newestText(convex: ConvexReactClient, outbox: Outbox, fileId: Id<"files">, online: boolean) {
  const pending = outbox.getEntries().some((e) => e.path === "files:updateContent" && e.args.fileId === fileId);
  const read = pending || !online ? readSyncedQuery(convex, outbox, api.files.get, { fileId }, true) : convex.query(api.files.get, { fileId });
  const file = await read.catch(() => undefined);
  return file?.content === undefined ? null : { content: file.content, revision: file.revision };
}

/** Reads at once: one file after another, a replace over 100 files waited for 100 round trips before it could ask. */
const READS_AT_ONCE = 16;

/** `read` of every item, READS_AT_ONCE at a time, in the items' order. */
async function readAll<T, R>(items: readonly T[], read: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await read(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(READS_AT_ONCE, items.length) }, worker));
  return out;
}

/**
 * Reads each file's newest text and replaces every match in it (replace all, replace in file), or only the first
 * match on line `only.line` (replace one: one target).
 */
export async function planReplace(
  convex: ConvexReactClient,
  outbox: Outbox,
  search: CompiledSearch,
  targets: readonly { fileId: Id<"files">; path: string }[],
  replacement: string,
  online: boolean,
  only?: { line: number },
): Promise<ReplacePlan> {
  const plan: ReplacePlan = { files: [], matches: 0, unreadable: [] };
  const texts = await readAll(targets, (target) => newestText(convex, outbox, target.fileId, online));
  for (const [i, { fileId, path }] of targets.entries()) {
    const file = texts[i];
    if (file === null) {
      plan.unreadable.push(path);
      continue;
    }
    const { text, count } = search.replace(file.content, replacement, only);
    if (count === 0) continue;
    plan.files.push({ fileId, path, revision: file.revision, before: file.content, after: text, count });
    plan.matches += count;
  }
  return plan;
}

/** Writes the plan's new texts; resolves once every write is stored in the outbox (durable). */
export async function applyReplace(write: UpdateContent, plan: ReplacePlan): Promise<void> {
  const writes = plan.files.map((f) =>
    write({ fileId: f.fileId, content: f.after, baseRevision: f.revision }, `Replace ${f.count} in ${f.path}`),
  );
  // The server's answers arrive later; a refusal becomes a sync issue the status panel shows.
  for (const w of writes) w.catch(() => {});
  await Promise.all(writes.map((w) => w.stored));
}

export interface FileNow {
  content: string;
  revision: number;
}

/** What undoing one replace step does: every file's write, or a refusal naming the first file that stops it. */
export type UndoPlan =
  | { kind: "ready"; writes: { fileId: Id<"files">; path: string; content: string; baseRevision: number }[] }
  | { kind: "refused"; path: string; reason: string };

/**
 * Plans the undo of one replace step against each file's newest text (`now`; null when it can no longer be read):
 * the text from before the replace, merged three-way with what was edited since. All or nothing, as the replace was
 * one step: a file deleted since, or edited since in the lines the replace changed (the undo would lose that edit),
 * refuses the whole undo, naming it and why, and nothing is written.
 */
export function planUndo(step: ReplacePlan, now: ReadonlyMap<Id<"files">, FileNow | null>, online = true): UndoPlan {
  const writes: Extract<UndoPlan, { kind: "ready" }>["writes"] = [];
  for (const f of step.files) {
    const file = now.get(f.fileId) ?? null;
    if (file === null) {
      // Offline, a file whose text this window has not kept cannot be told from a deleted one.
      const reason = online ? "it was deleted since, or is too large to edit here now" : "its text cannot be read offline; undo again once back online";
      return { kind: "refused", path: f.path, reason };
    }
    const merged = mergeThreeWay(f.after, f.before, file.content);
    if (merged.kind !== "clean") {
      return { kind: "refused", path: f.path, reason: "it was edited since in the lines the replace changed, and undoing would lose that edit" };
    }
    if (merged.text !== file.content) writes.push({ fileId: f.fileId, path: f.path, content: merged.text, baseRevision: file.revision });
  }
  return { kind: "ready", writes };
}

export type UndoOutcome = { kind: "done"; restored: number } | { kind: "refused"; path: string; reason: string };

/**
 * Undoes one replace step: puts back each file's text from before it, keeping edits made since where they do not
 * overlap; refuses (writing nothing) when an edit would be lost (planUndo).
 */
export async function undoReplace(
  convex: ConvexReactClient,
  outbox: Outbox,
  write: UpdateContent,
  step: ReplacePlan,
  online: boolean,
): Promise<UndoOutcome> {
  const texts = await readAll(step.files, (f) => newestText(convex, outbox, f.fileId, online));
  const now = new Map<Id<"files">, FileNow | null>(step.files.map((f, i) => [f.fileId, texts[i]]));
  const plan = planUndo(step, now, online);
  if (plan.kind === "refused") return plan;
  const writes = plan.writes.map((w) =>
    write({ fileId: w.fileId, content: w.content, baseRevision: w.baseRevision }, `Undo replace in ${w.path}`),
  );
  for (const w of writes) w.catch(() => {});
  await Promise.all(writes.map((w) => w.stored));
  return { kind: "done", restored: step.files.length };
}
