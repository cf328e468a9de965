import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { BATCH_BYTES, Budget } from "./budget";
import { createListingHead, entryFieldsOf, getListingHead, hasEntry, insertEntries, type EntryFields } from "./listing";
import { nameKey } from "./names";

// Backfilling the listing of projects created before it existed (data dirs and deployments written by the
// original schema). A project without a fileListings row gets one in status "building"; the backfill pages through
// the project's `files` rows in creation order from the row's backfillCursor (a pagination cursor), adds an entry
// to each row that has none, and marks the listing "ready" after the last page. Structural writes keep entries up to date meanwhile (an entry
// is added on create, patched on rename/move when it exists, deleted with its row), so a row the walk has passed
// keeps its entry and a row it has not reached yet gets one from the walk, with its then-current name and parent.
// Every batch fits a Budget and only adds what is missing, so re-running or overlapping batches is harmless.

/** Rows one backfill step reads at most: one entry lookup each keeps it far inside 4,096 index ranges. */
const BACKFILL_ROWS = 500;

/**
 * One step of `project`'s backfill: one page of its rows (at most BACKFILL_ROWS, and BATCH_BYTES of them);
 * returns true once the listing is ready. A single paginated query per call, as Convex allows.
 */
export async function backfillProject(ctx: MutationCtx, project: Doc<"projects">): Promise<boolean> {
  let head = await getListingHead(ctx, project._id);
  if (head === null) {
    const id = await createListingHead(ctx, project._id, project.ownerId, "building");
    head = (await ctx.db.get("fileListings", id))!;
  }
  if (head.status === "ready") return true;

  const page = await ctx.db
    .query("files")
    .withIndex("by_project", (q) => q.eq("projectId", project._id))
    .paginate({ numItems: BACKFILL_ROWS, cursor: head.backfillCursor ?? null, maximumBytesRead: BATCH_BYTES });
  const missing: { fileId: Id<"files">; fields: EntryFields }[] = [];
  for (const row of page.page) {
    // A trashed row has no entry (model/trash.ts); what it holds is hidden by that.
    if (row.trashedAt === undefined && !(await hasEntry(ctx, row._id))) {
      missing.push({
        fileId: row._id,
        fields: entryFieldsOf(row),
      });
    }
  }
  await insertEntries(ctx, project._id, missing);
  await ctx.db.patch(
    "fileListings",
    head._id,
    page.isDone ? { status: "ready", backfillCursor: undefined } : { backfillCursor: page.continueCursor },
  );
  return page.isDone;
}

/**
 * One batch of the migration over every project, in creation order from `cursor` (a project _creationTime):
 * skips projects whose listing is ready, and backfills one step of the first that is not. Returns where to
 * continue, or done.
 */
export async function backfillListingsBatch(
  ctx: MutationCtx,
  cursor: number | undefined,
): Promise<{ done: boolean; cursor?: number }> {
  const budget = new Budget();
  const projects = ctx.db
    .query("projects")
    .withIndex("by_creation_time", (q) => (cursor === undefined ? q : q.gte("_creationTime", cursor)));
  for await (const project of projects) {
    if (!budget.charge(project) || !budget.chargeQuery()) return { done: false, cursor: project._creationTime };
    const head = await getListingHead(ctx, project._id);
    if (head?.status === "ready") continue;
    await backfillProject(ctx, project);
    return { done: false, cursor: project._creationTime };
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

/** The live rows written before files.nameKey existed and not given their key yet: one index range. */
export function unkeyedLiveRows(ctx: QueryCtx) {
  return ctx.db.query("files").withIndex("by_nameKey_trashed", (q) => q.eq("nameKey", undefined).eq("trashedAt", undefined));
}

/** Live rows one nameKey batch updates: one read and one small patch each. */
export const NAME_KEY_BATCH = 1000;

/**
 * Gives up to NAME_KEY_BATCH live rows written before files.nameKey existed their key (names.ts nameKey);
 * returns true when none are left. The rows are found through by_nameKey_trashed, so a batch after the last
 * finds nothing at the cost of one empty index range, and a repeated or crashed batch redoes nothing.
 */
export async function backfillNameKeysBatch(ctx: MutationCtx): Promise<boolean> {
  const rows = await unkeyedLiveRows(ctx).take(NAME_KEY_BATCH);
  for (const row of rows) await ctx.db.patch("files", row._id, { nameKey: nameKey(row.name) });
  return rows.length < NAME_KEY_BATCH;
}
