import { formatCount } from "./errors";
import { fileNameProblem, nameKey } from "../model/names";

// What an import may bring in, checked before anything is written (ZIP archives and Git trees alike). Pure: the
// import action applies it to the list of entries it read, and the SPA shows the same limits.

/** Most files one import may bring (folders are not counted). */
export const MAX_IMPORT_FILES = 20_000;
/** Largest single file of an import, in bytes. */
export const MAX_IMPORT_FILE_BYTES = 32 * 1024 * 1024;
/** Most bytes of all files of an import together (uncompressed). */
export const MAX_IMPORT_TOTAL_BYTES = 128 * 1024 * 1024;
/** Largest ZIP archive accepted, in bytes (compressed). */
export const MAX_ZIP_BYTES = MAX_IMPORT_TOTAL_BYTES;

/**
 * Why the file `what` (`size` bytes) is refused, when it is the `count`th file of an import whose files, it
 * included, hold `totalBytes`; null within the limits. The one rule for ZIP and Git imports (checkImport) and a
 * folder dropped on the tree (src/features/file-tree/folderDrop.ts), applied before anything is written.
 */
export function importLimitProblem(what: string, size: number, count: number, totalBytes: number): string | null {
  if (size > MAX_IMPORT_FILE_BYTES) {
    return `${what} is too large: ${formatCount(size)} bytes, over the limit of ${formatCount(MAX_IMPORT_FILE_BYTES)} bytes per file.`;
  }
  if (count > MAX_IMPORT_FILES) {
    return `This import holds more than ${formatCount(MAX_IMPORT_FILES)} files, the most one import may bring (${what} is one too many).`;
  }
  if (totalBytes > MAX_IMPORT_TOTAL_BYTES) {
    return `This import holds more than ${formatCount(MAX_IMPORT_TOTAL_BYTES)} bytes of files (uncompressed), the most one import may bring (${what} goes past it).`;
  }
  return null;
}

/** An import refused for a reason a person can act on; `message` names the offending entry. */
export class ImportRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportRefused";
  }
}

export interface RawEntry {
  /** The path as the source spells it: "src/a.ts", "src/" for a ZIP folder entry. */
  path: string;
  kind: "file" | "folder" | "symlink";
  /** Bytes of the file as declared by the source (uncompressed); 0 for folders. */
  size: number;
}

export interface CheckedImport {
  /** Folder paths, parents before children (every folder any file needs, explicit or not). */
  folders: string[];
  /** Indexes into the entries given, with their normalized paths, in path order. */
  files: { index: number; path: string }[];
  totalBytes: number;
  /** The one folder that held everything, which `unwrap` took away ("" when none). */
  unwrapped: string;
}

export interface CheckOptions {
  /**
   * When every file sits in one top-level folder (an archive of a folder, as GitHub's "Download ZIP" and most
   * archivers make them), import what is inside it: the project is that folder, not a project holding it.
   */
  unwrap?: boolean;
}

/** Path segments that are skipped with everything below them: Git's own data and macOS's ZIP resource forks. */
const SKIPPED_SEGMENTS = new Set([".git", "__MACOSX"]);

function describe(entry: RawEntry, index: number): string {
  return `Entry ${formatCount(index + 1)} ("${entry.path}")`;
}

/** The normalized segments of `entry`, or null when it is skipped; throws ImportRefused when it is hostile. */
function segmentsOf(entry: RawEntry, index: number): string[] | null {
  const what = describe(entry, index);
  let path = entry.path;
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) {
    throw new ImportRefused(`${what} is refused because it is an absolute path. Archives must hold relative paths only.`);
  }
  if (entry.kind === "folder" && path.endsWith("/")) path = path.slice(0, -1);
  const parts = path.split("/");
  for (const part of parts) if (SKIPPED_SEGMENTS.has(part)) return null;
  for (const part of parts) {
    if (part === "..") throw new ImportRefused(`${what} is refused because it climbs out of the project with "..".`);
    if (part === "" || part === ".") throw new ImportRefused(`${what} is refused because it has an empty or "." segment.`);
    const problem = fileNameProblem(part);
    if (problem !== null) throw new ImportRefused(`${what} is refused because "${part}" is not a name Polaris accepts: ${problem}`);
  }
  if (entry.kind === "symlink") {
    throw new ImportRefused(`${what} is refused because it is a symbolic link; Polaris stores only files and folders.`);
  }
  return parts;
}

/**
 * Checks every entry and the limits; returns the folders to create and the files to write, or throws
 * ImportRefused naming the first offending entry. Nothing has been written when it throws.
 */
export function checkImport(entries: readonly RawEntry[], { unwrap = false }: CheckOptions = {}): CheckedImport {
  // Keyed as the tree keys names (nameKey on each segment: "README.md" and "readme.md" are one name), so what the
  // tree cannot hold is refused here, before anything is written, instead of failing part way through the writes.
  const claimed = new Map<string, { path: string; kind: "file" | "folder"; what: string }>();
  const files: { index: number; path: string }[] = [];
  let totalBytes = 0;
  const claim = (parts: readonly string[], kind: "file" | "folder", what: string) => {
    const path = parts.join("/");
    const key = parts.map(nameKey).join("/");
    const had = claimed.get(key);
    if (had === undefined) {
      claimed.set(key, { path, kind, what });
      return;
    }
    if (had.path !== path) {
      throw new ImportRefused(
        `${what} is refused because "${path}" differs from "${had.path}" of ${had.what.replace(/^Entry/, "entry")} only in upper and lower case (or Unicode form); the project's tree holds them as one name.`,
      );
    }
    if (had.kind === "file" || kind === "file") {
      throw new ImportRefused(
        had.kind === kind
          ? `${what} is refused because "${path}" appears twice in the archive.`
          : `${what} is refused because "${path}" is both a file and a folder.`,
      );
    }
  };
  for (const [index, entry] of entries.entries()) {
    const parts = segmentsOf(entry, index);
    if (parts === null) continue;
    const what = describe(entry, index);
    for (let i = 1; i < parts.length; i++) claim(parts.slice(0, i), "folder", what);
    const path = parts.join("/");
    claim(parts, entry.kind === "folder" ? "folder" : "file", what);
    if (entry.kind !== "file") continue;
    totalBytes += entry.size;
    files.push({ index, path });
    const problem = importLimitProblem(what, entry.size, files.length, totalBytes);
    if (problem !== null) throw new ImportRefused(problem);
  }
  let folders = [...claimed.values()].filter((c) => c.kind === "folder").map((c) => c.path);
  folders.sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // The folders are sorted by depth: a single top-level folder is the first, and the only one of depth 0.
  const top = folders[0];
  if (!unwrap || top === undefined || depth(top) !== 0 || folders.some((f, i) => i > 0 && depth(f) === 0)) {
    return { folders, files, totalBytes, unwrapped: "" };
  }
  const inside = top.length + 1;
  if (files.length === 0 || files.some((f) => f.path.length <= inside || !f.path.startsWith(`${top}/`))) {
    return { folders, files, totalBytes, unwrapped: "" };
  }
  folders = folders.slice(1).map((f) => f.slice(inside));
  return { folders, files: files.map((f) => ({ index: f.index, path: f.path.slice(inside) })), totalBytes, unwrapped: top };
}

function depth(path: string): number {
  let n = 0;
  for (const c of path) if (c === "/") n++;
  return n;
}

/** Splits "a/b/c.ts" into ["a/b", "c.ts"]; the parent of a top-level name is "". */
export function splitParent(path: string): [parent: string, name: string] {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? ["", path] : [path.slice(0, slash), path.slice(slash + 1)];
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The text of `bytes` when they are UTF-8 text, else null (a binary): decided by content, not by name. A NUL byte
 * in the first 8 KiB (Git's own test) or bytes that are not valid UTF-8 make a binary.
 */
export function asText(bytes: Uint8Array): string | null {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return null;
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}
