import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { Budget } from "./budget";
import { createListingHead, getListingHead, hasEntry, insertEntries, type EntryFields } from "./listing";

// Backfilling the listing of projects created before it existed (data dirs and deployments written by the
// original schema). A project without a fileListings row gets one in status "building"; the backfill walks the
// project's `files` rows in creation order from the row's backfillCursor, adds an entry to each row that has none,
// and marks the listing "ready" after the last row. Structural writes keep entries up to date meanwhile (an entry
// is added on create, patched on rename/move when it exists, deleted with its row), so a row the walk has passed
// keeps its entry and a row it has not reached yet gets one from the walk, with its then-current name and parent.
// Every batch fits a Budget and only adds what is missing, so re-running or overlapping batches is harmless.

/** Backfills part of `project`'s listing within `budget`; returns true once the listing is ready. */
export async function backfillProject(ctx: MutationCtx, project: Doc<"projects">, budget: Budget): Promise<boolean> {
  budget.chargeQuery();
  let head = await getListingHead(ctx, project._id);
  if (head === null) {
    const id = await createListingHead(ctx, project._id, project.ownerId, "building");
    head = (await ctx.db.get("fileListings", id))!;
  }
  if (head.status === "ready") return true;

  const cursor = head.backfillCursor;
  budget.chargeQuery();
  const rows = ctx.db
    .query("files")
    .withIndex("by_project", (q) =>
      cursor === undefined ? q.eq("projectId", project._id) : q.eq("projectId", project._id).gte("_creationTime", cursor),
    );
  const missing: { fileId: Id<"files">; fields: EntryFields }[] = [];
  let last: number | undefined = cursor;
  let exhausted = true;
  for await (const row of rows) {
    if (!budget.charge(row) || !budget.chargeQuery()) {
      exhausted = false;
      break;
    }
    last = row._creationTime;
    if (!(await hasEntry(ctx, row._id))) {
      missing.push({
        fileId: row._id,
        fields: { parentId: row.parentId, name: row.name, type: row.type, isBinary: row.type === "file" && row.storageId !== undefined },
      });
    }
  }
  await insertEntries(ctx, project._id, missing);
  await ctx.db.patch(
    "fileListings",
    head._id,
    exhausted ? { status: "ready", backfillCursor: undefined } : { backfillCursor: last },
  );
  return exhausted;
}

/**
 * One batch of the migration over every project, in creation order from `cursor` (a project _creationTime);
 * returns where to continue, or done.
 */
export async function backfillListingsBatch(
  ctx: MutationCtx,
  cursor: number | undefined,
): Promise<{ done: boolean; cursor?: number }> {
  const budget = new Budget();
  budget.chargeQuery();
  const projects = ctx.db
    .query("projects")
    .withIndex("by_creation_time", (q) => (cursor === undefined ? q : q.gte("_creationTime", cursor)));
  for await (const project of projects) {
    budget.charge(project);
    const ready = await backfillProject(ctx, project, budget);
    if (!ready || !budget.ok()) return { done: false, cursor: project._creationTime };
  }
  return { done: true };
}

/** Projects whose listing is not ready, among the first `limit` projects from `cursor` (for status checks). */
export async function listingStatus(ctx: QueryCtx, cursor: number | undefined, limit: number) {
  const projects = await ctx.db
    .query("projects")
    .withIndex("by_creation_time", (q) => (cursor === undefined ? q : q.gte("_creationTime", cursor)))
    .take(limit + 1);
  let notReady = 0;
  for (const project of projects.slice(0, limit)) {
    const head = await getListingHead(ctx, project._id);
    if (head === null || head.status !== "ready") notReady += 1;
  }
  const next = projects.length > limit ? projects[limit]._creationTime : undefined;
  return { checked: Math.min(projects.length, limit), notReady, ...(next === undefined ? {} : { cursor: next }) };
}
