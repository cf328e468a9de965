import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { filePath, MAX_PATH_DEPTH } from "../model/filePath";
import { findSibling } from "../model/files";
import { getListingHead } from "../model/listing";
import { splitPath } from "./lib";

// Path helpers for the assistant: the model names files by project-relative path, never by id, so it cannot
// reach outside the project the answer belongs to. Every lookup is scoped by projectId through an index.

/**
 * Up to `max` paths of the project for the prompt, breadth first from the root (each folder's children by name),
 * so a large project shows its top levels; folders end with "/". Reads at most about 2 × max small listing
 * entries and one index range per folder visited, whatever the project's size. Null while the project's listing
 * is not complete.
 */
export async function promptPaths(
  ctx: QueryCtx,
  projectId: Id<"projects">,
  max: number,
): Promise<{ paths: string[]; truncated: boolean } | null> {
  const head = await getListingHead(ctx, projectId);
  if (head === null || head.status !== "ready") return null;
  const paths: string[] = [];
  const folders: { id?: Id<"files">; path: string }[] = [{ path: "" }];
  let i = 0;
  for (; i < folders.length && paths.length < max; i++) {
    const { id, path } = folders[i];
    const children = await ctx.db
      .query("fileEntries")
      .withIndex("by_project_parent_name", (q) => q.eq("projectId", projectId).eq("parentId", id))
      .take(max - paths.length + 1);
    for (const child of children) {
      if (paths.length === max) return { paths: paths.sort(), truncated: true };
      const childPath = path === "" ? child.name : `${path}/${child.name}`;
      if (child.type === "folder") {
        paths.push(`${childPath}/`);
        folders.push({ id: child.fileId, path: childPath });
      } else {
        paths.push(childPath);
      }
    }
  }
  return { paths: paths.sort(), truncated: i < folders.length };
}

/** The path of a file whose ancestors exist (callers check with hasLiveAncestors or requireFile). */
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
