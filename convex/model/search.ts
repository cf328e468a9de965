import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { compileSearch, type LineMatch, type SearchOptions } from "../lib/search";
import { requireProjectOwner } from "./access";
import { Budget } from "./budget";

// Search across a project's text, one page per query, so a project of any size stays inside Convex's per-function
// limits (lib/limits.ts): a page walks the project's `files` rows in creation order (by_project) from the cursor and
// stops once it has read PAGE_BYTES (plus the one row of at most 1 MiB that tips it over), PAGE_ROWS rows, or found
// PAGE_MATCHES matches. Reading is the cost: each row carries its inline content. The cursor is the `_creationTime`
// of the last row read; creation times are strictly increasing within a table (Convex cloud, convex-test and the
// local backend alike; model/backfill.ts relies on the same), so `gt` resumes exactly after it.
//
// A file's path is built from its ancestors, read once per page each. A row that is in the trash, or whose ancestor
// is in the trash or missing (a deleted folder waiting for its purge), is hidden, as everywhere (model/access.ts). Text kept in storage (over
// the inline limit) and binaries are not searched; the page counts them so the SPA can say so.

/** Bytes of rows one page reads: a quarter of Convex's 16 MiB, and a few hundred ms of matching at most. */
export const PAGE_BYTES = 4 * 1024 * 1024;
/** Rows one page reads (files and folders): far below Convex's 32,000 documents. */
export const PAGE_ROWS = 2000;
/** Index ranges and gets of one page (the walk is one; each ancestor folder read is one more). */
const PAGE_QUERIES = 1000;
/** A page ends after the file that brings its matches to this many, which bounds what it returns. */
export const PAGE_MATCHES = 1000;
/** Paths of skipped files one page names (the rest it only counts), which bounds what it returns. */
export const PAGE_SKIPPED_PATHS = 20;

export interface FileResult {
  fileId: Id<"files">;
  path: string;
  revision: number;
  lines: LineMatch[];
  matches: number;
  more: boolean;
}

export interface SearchPage {
  files: FileResult[];
  /** Where the next page starts; null when this page reached the end of the project. */
  cursor: number | null;
  /** Text files searched (after the include and exclude globs). */
  searched: number;
  /** Files kept in storage (binaries, text over the inline limit) that the globs let through but that were not searched. */
  skipped: number;
  /** The first PAGE_SKIPPED_PATHS of those files' paths, so the SPA can say which were not searched. */
  skippedPaths: string[];
}

export async function searchPage(
  ctx: QueryCtx,
  userId: string,
  projectId: Id<"projects">,
  options: SearchOptions,
  cursor: number | null,
): Promise<SearchPage> {
  await requireProjectOwner(ctx, userId, projectId);
  const search = compileSearch(options);
  const budget = new Budget(PAGE_ROWS, PAGE_BYTES, PAGE_QUERIES);
  budget.chargeQuery(2);
  // Folder id → its path, or null when it (or an ancestor) is gone.
  const folders = new Map<Id<"files">, string | null>();
  const folderPath = async (folderId: Id<"files">): Promise<string | null> => {
    const known = folders.get(folderId);
    if (known !== undefined) return known;
    budget.chargeQuery();
    const folder = await ctx.db.get("files", folderId);
    let path: string | null = null;
    if (folder !== null && folder.projectId === projectId && folder.trashedAt === undefined) {
      budget.charge(folder);
      const parent = folder.parentId === undefined ? "" : await folderPath(folder.parentId);
      path = parent === null ? null : parent === "" ? folder.name : `${parent}/${folder.name}`;
    }
    folders.set(folderId, path);
    return path;
  };
  const pathOf = async (file: Doc<"files">): Promise<string | null> => {
    if (file.trashedAt !== undefined) return null;
    if (file.parentId === undefined) return file.name;
    const parent = await folderPath(file.parentId);
    return parent === null ? null : `${parent}/${file.name}`;
  };

  const page: SearchPage = { files: [], cursor: null, searched: 0, skipped: 0, skippedPaths: [] };
  let matches = 0;
  const rows = ctx.db
    .query("files")
    .withIndex("by_project", (q) => (cursor === null ? q.eq("projectId", projectId) : q.eq("projectId", projectId).gt("_creationTime", cursor)));
  for await (const file of rows) {
    budget.charge(file);
    if (file.type === "file") {
      const path = await pathOf(file);
      if (path !== null && search.matchesPath(path)) {
        if (file.storageId !== undefined || file.content === undefined) {
          page.skipped += 1;
          if (page.skippedPaths.length < PAGE_SKIPPED_PATHS) page.skippedPaths.push(path);
        } else {
          page.searched += 1;
          const found = search.find(file.content);
          if (found.lines.length > 0) {
            page.files.push({ fileId: file._id, path, revision: file.revision ?? 1, ...found });
            matches += found.matches;
          }
        }
      }
    }
    if (!budget.ok() || matches >= PAGE_MATCHES) {
      page.cursor = file._creationTime;
      break;
    }
  }
  return page;
}
