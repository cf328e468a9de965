import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalQuery, type ActionCtx } from "../_generated/server";
import { entryPaths } from "../lib/listing";
import { listingEntryValidator } from "../lib/validators";
import { getListingHead, readBucketEntries } from "../model/listing";
import { loadScope } from "./data";
import { splitPath } from "./lib";

// The assistant's list_files tool. It runs in the respond action, not in a transaction: it reads the project's
// listing bucket by bucket through internal queries (each far inside the per-function limits whatever the
// project's size), applies the visibility rule of lib/listing.ts, and gives the model a bounded answer that says
// how many more paths exist. Each query re-checks that the answer is still processing in its project.

export const MAX_LIST_LINES = 1000;

const headValidator = v.union(v.null(), v.object({ projectId: v.id("projects"), ready: v.boolean(), buckets: v.number() }));

/** The listing head of the answer's project; null when the answer is no longer processing. */
export const head = internalQuery({
  args: { messageId: v.id("messages") },
  returns: headValidator,
  handler: async (ctx, { messageId }) => {
    const scope = await loadScope(ctx, messageId);
    if (scope === null || scope.message.status !== "processing") return null;
    const projectId = scope.project._id;
    const listing = await getListingHead(ctx, projectId);
    if (listing === null || listing.status !== "ready") return { projectId, ready: false, buckets: 0 };
    const last = await ctx.db
      .query("fileBuckets")
      .withIndex("by_project_bucket", (q) => q.eq("projectId", projectId))
      .order("desc")
      .first();
    return { projectId, ready: true, buckets: last === null ? 0 : last.bucket + 1 };
  },
});

/** One bucket of the answer's project; null when the answer is no longer processing. */
export const bucket = internalQuery({
  args: { messageId: v.id("messages"), bucket: v.number() },
  returns: v.union(v.null(), v.array(listingEntryValidator)),
  handler: async (ctx, { messageId, bucket }) => {
    const scope = await loadScope(ctx, messageId);
    if (scope === null || scope.message.status !== "processing") return null;
    return readBucketEntries(ctx, scope.project._id, bucket);
  },
});

export interface ListResult {
  output: string;
  target: string;
  detail: string;
}

/** The lines list_files shows for `folder` ("" = the whole project): sorted paths, folders ending in "/". */
export function listLines(paths: Iterable<[path: string, isFolder: boolean]>, folder: string, max = MAX_LIST_LINES): ListResult {
  const lines: string[] = [];
  for (const [path, isFolder] of paths) {
    if (folder === "" || path.startsWith(`${folder}/`)) lines.push(isFolder ? `${path}/` : path);
  }
  lines.sort();
  const shown = lines.slice(0, max);
  const hidden = lines.length - shown.length;
  const more = hidden > 0 ? `\n… and ${hidden} more not shown (${lines.length} in all). Pass a folder path to list part of the project.` : "";
  return {
    output: shown.length === 0 ? "(no files)" : shown.join("\n") + more,
    target: folder === "" ? "/" : folder,
    detail: `${lines.length} item${lines.length === 1 ? "" : "s"}`,
  };
}

/** Runs list_files for the answer `messageId`; null when the answer is no longer processing. */
export async function listFiles(ctx: ActionCtx, messageId: Id<"messages">, args: Record<string, unknown>): Promise<ListResult | null> {
  const parts = typeof args.path === "string" ? splitPath(args.path) : null;
  const folder = parts === null ? "" : parts.join("/");
  const listing = await ctx.runQuery(internal.ai.listFiles.head, { messageId });
  if (listing === null) return null;
  if (!listing.ready) {
    return {
      output: "The project's file list is still being prepared (the project predates it). Try again in a minute.",
      target: folder === "" ? "/" : folder,
      detail: "file list not ready",
    };
  }
  const buckets = await Promise.all(
    Array.from({ length: listing.buckets }, (_, bucket) => ctx.runQuery(internal.ai.listFiles.bucket, { messageId, bucket })),
  );
  if (buckets.some((b) => b === null)) return null;
  const entries = buckets.flatMap((b) => b ?? []);
  const isFolder = new Map(entries.map((e) => [e._id as string, e.type === "folder"]));
  const paths = entryPaths(entries);
  return listLines(
    [...paths].map(([id, path]): [string, boolean] => [path, isFolder.get(id) === true]),
    folder,
  );
}
