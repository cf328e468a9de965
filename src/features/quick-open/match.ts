import type Fuzzysort from "fuzzysort";
import { allFilePaths, type FilePath, type TreeNode } from "../file-tree/model";

// Go to File's matching, apart from its dialog: the paths it offers and how a query ranks them. Pure, so the
// function tests run it over a project of 40,000 files as listed by the backend (tests/functions/cases/scale.ts).

/** The most matches Go to File shows. */
export const QUICK_OPEN_LIMIT = 50;

/** The fuzzy matcher (fuzzysort), loaded on demand by the dialog. */
export type Sorter = typeof Fuzzysort;

export interface Match {
  file: FilePath;
  /** The path, with the characters that matched marked. */
  parts: (string | { mark: string })[];
}

/** Every file's path (folders left out), sorted by path: what Go to File offers. */
export function quickOpenPaths(files: readonly TreeNode[]): FilePath[] {
  return allFilePaths(files).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The best matches of `query` among `paths`, best first; the first paths for an empty query; none while the
 * matcher has not loaded (null).
 */
export function matchPaths(sorter: Sorter | null, query: string, paths: readonly FilePath[]): Match[] {
  const q = query.trim();
  if (!q) return paths.slice(0, QUICK_OPEN_LIMIT).map((file) => ({ file, parts: [file.path] }));
  if (!sorter) return [];
  return sorter.go(q, paths, { key: "path", limit: QUICK_OPEN_LIMIT, threshold: 0 }).map((r) => ({
    file: r.obj,
    parts: r.highlight((m) => ({ mark: m })),
  }));
}
