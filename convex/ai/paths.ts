import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { filePath, MAX_PATH_DEPTH } from "../model/filePath";
import { findSibling } from "../model/files";
import { splitPath } from "./lib";

// Path helpers for the assistant: the model names files by project-relative path, never by id, so it cannot
// reach outside the project the answer belongs to. Every lookup is scoped by projectId through an index.

export const MAX_LISTED_FILES = 2000;

/** Every file and folder of the project with its path, sorted by path; at most MAX_LISTED_FILES. */
export async function projectPaths(
  ctx: QueryCtx,
  projectId: Id<"projects">,
): Promise<{ entries: { path: string; doc: Doc<"files"> }[]; truncated: boolean }> {
  const docs = await ctx.db
    .query("files")
    .withIndex("by_project", (q) => q.eq("projectId", projectId))
    .take(MAX_LISTED_FILES + 1);
  const truncated = docs.length > MAX_LISTED_FILES;
  const byId = new Map(docs.slice(0, MAX_LISTED_FILES).map((d) => [d._id, d]));
  const entries = [...byId.values()].map((doc) => ({ path: filePath(doc, (id) => byId.get(id)), doc }));
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, truncated };
}

/** The path of one file, reading only its ancestors. */
export async function pathOfFile(ctx: QueryCtx, file: Doc<"files">): Promise<string> {
  const ancestors = new Map<Id<"files">, Doc<"files">>();
  for (let id = file.parentId; id !== undefined && ancestors.size < MAX_PATH_DEPTH && !ancestors.has(id); ) {
    const parent = await ctx.db.get("files", id);
    if (parent === null || parent.projectId !== file.projectId) break;
    ancestors.set(id, parent);
    id = parent.parentId;
  }
  return filePath(file, (id) => ancestors.get(id));
}

/** The file or folder at `path` in the project, or null. */
export async function findByPath(ctx: QueryCtx, projectId: Id<"projects">, path: string): Promise<Doc<"files"> | null> {
  const parts = splitPath(path);
  if (parts === null) return null;
  let current: Doc<"files"> | null = null;
  for (const name of parts) {
    if (current !== null && current.type !== "folder") return null;
    current = await findSibling(ctx, projectId, current?._id, name);
    if (current === null) return null;
  }
  return current;
}
