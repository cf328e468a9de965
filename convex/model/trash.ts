// The trash: what makes every delete in the file tree undoable, at any size. A delete (files.ts removeFile) sets
// `trashedAt` on the one row it names, clears its nameKey (the name is free again) and removes its listing entry;
// the row and everything below it stay untouched, hidden by the trashed ancestor. So deleting a folder of 40,000
// files, and restoring it, is one small transaction each, exactly once, with nothing to continue after a crash.
//
// Restore clears `trashedAt` and puts the entry back; the name, when taken again meanwhile (or differing only in
// case from a newer sibling), becomes "name (restored).ext". The daily sweep (crons.ts) destroys rows trashed
// more than TRASH_RETENTION_DAYS ago, in budgeted batches that each schedule the next: the row goes, a folder's
// descendants are handed to the folder purge (model/purge.ts), which already deletes them batch by batch.

import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { appError } from "../lib/errors";
import { hasLiveAncestors, requireProjectOwner } from "./access";
import { findSibling } from "./files";
import { entryFieldsOf, insertEntry } from "./listing";
import { checkFileName, nameKey, restoredName } from "./names";
import { touchProject } from "./projects";
import { hasPendingPurge, purgeFoldersBatch } from "./purge";
import { deleteFileRow } from "./storage";

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Rows one sweep batch destroys: each is a handful of reads and writes, far inside a transaction's limits. */
export const SWEEP_BATCH = 100;

function gone() {
  return appError("NOT_FOUND", "This item is no longer in the trash: it was restored already, or deleted for good. Reload the page to see the current state.");
}

/**
 * Takes a trashed file or folder back out of the trash, with everything it held. Returns the name it has now:
 * its own, or "name (restored).ext" when a live sibling holds that name (key) by now. Refused, changing
 * nothing, when the folder it was in is itself deleted (restore that first).
 */
export async function restoreFile(ctx: MutationCtx, userId: string, fileId: Id<"files">): Promise<string> {
  const file = await ctx.db.get("files", fileId);
  if (file === null || file.trashedAt === undefined) throw gone();
  await requireProjectOwner(ctx, userId, file.projectId).catch(() => {
    throw gone();
  });
  if (!(await hasLiveAncestors(ctx, { ...file, trashedAt: undefined }))) {
    throw appError("NOT_FOUND", `The folder that held "${file.name}" is deleted too. Undo that delete first, then this one.`);
  }
  const name = await freeRestoredName(ctx, file);
  const now = Date.now();
  await ctx.db.patch("files", file._id, { trashedAt: undefined, name, nameKey: nameKey(name) });
  await insertEntry(ctx, file.projectId, file._id, { ...entryFieldsOf(file), name });
  await touchProject(ctx, file.projectId, now);
  return name;
}

async function freeRestoredName(ctx: MutationCtx, file: Doc<"files">): Promise<string> {
  if ((await findSibling(ctx, file.projectId, file.parentId, file.name)) === null) return file.name;
  for (let attempt = 1; ; attempt++) {
    const candidate = checkFileName(restoredName(file.name, attempt, file.type === "folder"));
    if ((await findSibling(ctx, file.projectId, file.parentId, candidate)) === null) return candidate;
  }
}

/**
 * Destroys up to SWEEP_BATCH rows trashed before `cutoff`; returns true when none are left. Each row is destroyed
 * in the transaction that finds it, so a crash or a repeated batch destroys nothing twice.
 */
export async function sweepTrashBatch(ctx: MutationCtx, cutoff: number): Promise<boolean> {
  const rows = await ctx.db
    .query("files")
    .withIndex("by_trashed", (q) => q.gte("trashedAt", 0).lt("trashedAt", cutoff))
    .take(SWEEP_BATCH);
  const purgeChains = new Map<Id<"projects">, boolean>();
  for (const row of rows) {
    if (row.type === "folder" && !purgeChains.has(row.projectId)) {
      purgeChains.set(row.projectId, await hasPendingPurge(ctx, row.projectId));
    }
    await deleteFileRow(ctx, row);
    if (row.type === "folder") await ctx.db.insert("filePurges", { projectId: row.projectId, folderId: row._id });
  }
  for (const [projectId, chainPending] of purgeChains) {
    if (!chainPending && !(await purgeFoldersBatch(ctx, projectId))) {
      await ctx.scheduler.runAfter(0, internal.files.purge, { projectId });
    }
  }
  return rows.length < SWEEP_BATCH;
}
