import { importLimitProblem } from "../../../convex/lib/importCheck";
import { fileNameProblem, nameKey } from "../../../convex/model/names";
import { compareNames } from "./model";
import { readSmallText } from "./upload";

/*
 * What a drop from the desktop holds: files, and folders with their structure. Browsers expose dropped folders
 * only through the File and Directory Entries API (DataTransferItem.webkitGetAsEntry); no npm library wraps it
 * in a maintained way, and the walk is a few lines, so it is written here against the minimal shapes below
 * (which the unit test fakes).
 */

/** A dropped file, or a folder with what it holds. */
export type DroppedItem = { kind: "file"; name: string; file: File } | { kind: "folder"; name: string; children: DroppedItem[] };

/** The parts of FileSystemEntry the walk uses. */
export interface EntryLike {
  readonly isFile: boolean;
  readonly isDirectory: boolean;
  readonly name: string;
}
interface FileEntryLike extends EntryLike {
  file(success: (file: File) => void, error?: (e: unknown) => void): void;
}
interface DirectoryEntryLike extends EntryLike {
  createReader(): { readEntries(success: (entries: EntryLike[]) => void, error?: (e: unknown) => void): void };
}

/**
 * The top-level entries of a drop, taken synchronously: the browser empties a DataTransfer's items once the drop
 * event returns. Null when the browser has no entries API (then the drop's plain files are used).
 */
export function entriesOf(dataTransfer: Pick<DataTransfer, "items">): EntryLike[] | null {
  const items = Array.from(dataTransfer.items ?? []);
  if (items.length === 0 || typeof items[0].webkitGetAsEntry !== "function") return null;
  const entries: EntryLike[] = [];
  for (const item of items) {
    if (item.kind !== "file") continue;
    const entry = item.webkitGetAsEntry();
    if (entry) entries.push(entry);
  }
  return entries;
}

/** All entries of a folder: readEntries answers in batches (100 in Chromium) and an empty batch ends the list. */
export async function readAllEntries(folder: DirectoryEntryLike): Promise<EntryLike[]> {
  const reader = folder.createReader();
  const all: EntryLike[] = [];
  for (;;) {
    const batch = await new Promise<EntryLike[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/** Reads dropped entries into items, folders walked to the bottom. Entries that are neither are left out. */
export async function walkEntries(entries: readonly EntryLike[]): Promise<DroppedItem[]> {
  const items: DroppedItem[] = [];
  for (const entry of entries) {
    if (entry.isDirectory) {
      const children = await walkEntries(await readAllEntries(entry as DirectoryEntryLike));
      items.push({ kind: "folder", name: entry.name, children });
    } else if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileEntryLike).file(resolve, reject));
      items.push({ kind: "file", name: entry.name, file });
    }
  }
  return items;
}

/** Plain dropped files as items (a browser without the entries API, or a drop of files only). */
export function filesAsItems(files: readonly File[]): DroppedItem[] {
  return files.map((file) => ({ kind: "file", name: file.name, file }));
}

/** Folders a project import skips, as the Git and ZIP imports do. */
const SKIPPED = new Set([".git"]);

export interface CheckedDrop {
  items: DroppedItem[];
  /** Entries left out, by their path in the drop, with the reason. */
  refused: { path: string; reason: string }[];
  /** Files (not folders) kept. */
  fileCount: number;
}

/**
 * Keeps the items the server will take: names by the server's own rule (fileNameProblem), and one item per name
 * key in each folder (a case-sensitive desktop may hold README.md and readme.md; the tree cannot). A refused
 * folder is left out with everything in it; `.git` is skipped. Each level comes back in the tree's order (folders
 * first, natural order), so what is created first is what the tree shows first.
 */
export function checkDropped(items: readonly DroppedItem[], prefix = ""): CheckedDrop {
  const result: CheckedDrop = { items: [], refused: [], fileCount: 0 };
  const seen = new Map<string, string>();
  for (const item of items) {
    const path = prefix + item.name;
    if (item.kind === "folder" && SKIPPED.has(item.name)) {
      result.refused.push({ path, reason: "Git's own folder is not imported" });
      continue;
    }
    const problem = fileNameProblem(item.name);
    const earlier = seen.get(nameKey(item.name));
    if (problem !== null || earlier !== undefined) {
      result.refused.push({ path, reason: problem ?? `"${earlier}" in the same folder differs only in case` });
      continue;
    }
    seen.set(nameKey(item.name), item.name);
    if (item.kind === "file") {
      result.items.push(item);
      result.fileCount++;
      continue;
    }
    const inner = checkDropped(item.children, `${path}/`);
    result.items.push({ ...item, children: inner.items });
    result.refused.push(...inner.refused);
    result.fileCount += inner.fileCount;
  }
  result.items.sort((a, b) => (a.kind !== b.kind ? (a.kind === "folder" ? -1 : 1) : compareNames(a.name, b.name)));
  return result;
}

/** The toast naming what a drop left out (the first few, then a count). */
export function refusedMessage(refused: CheckedDrop["refused"]): string {
  const shown = refused.slice(0, 3).map((r) => `"${r.path}" (${r.reason.replace(/\.$/, "")})`);
  const more = refused.length > 3 ? ` and ${refused.length - 3} more` : "";
  return `Not imported: ${shown.join(", ")}${more}.`;
}

/** The files of `items` with their paths in the drop, in the items' order (the tree's, after checkDropped). */
export function droppedFiles(items: readonly DroppedItem[], prefix = ""): { path: string; file: File }[] {
  const out: { path: string; file: File }[] = [];
  for (const item of items) {
    if (item.kind === "file") out.push({ path: prefix + item.name, file: item.file });
    else out.push(...droppedFiles(item.children, `${prefix}${item.name}/`));
  }
  return out;
}

/**
 * Why a checked drop is refused as a whole before anything is written: over an import's limits (the server's
 * rule, convex/lib/importCheck.ts importLimitProblem: file size, file count, total size), naming the first file
 * past them. Null when it may be written.
 */
export function dropLimitProblem(items: readonly DroppedItem[]): string | null {
  let count = 0;
  let total = 0;
  for (const { path, file } of droppedFiles(items)) {
    count++;
    total += file.size;
    const problem = importLimitProblem(`"${path}"`, file.size, count, total);
    if (problem !== null) return `Nothing was imported: ${problem}`;
  }
  return null;
}

/**
 * Each dropped file's text when it is small UTF-8 (written inline), or null (a binary or large text, which goes
 * to storage). Read before anything is written, so a drop that cannot be written whole is refused first.
 */
export async function readDroppedTexts(items: readonly DroppedItem[]): Promise<Map<File, string | null>> {
  const texts = new Map<File, string | null>();
  for (const { file } of droppedFiles(items)) texts.set(file, await readSmallText(file));
  return texts;
}

/**
 * Offline, files for storage (binaries, large text) cannot be uploaded: the drop is refused whole, naming them,
 * rather than written up to the first of them. Null online, or when every file is small text.
 */
export function offlineDropProblem(items: readonly DroppedItem[], texts: ReadonlyMap<File, string | null>): string | null {
  const stored = droppedFiles(items).filter(({ file }) => texts.get(file) === null);
  if (stored.length === 0) return null;
  const more = stored.length > 1 ? ` and ${stored.length - 1} more` : "";
  return `Nothing was imported: "${stored[0].path}"${more} must be uploaded to storage (a binary file or text over the editor's limit), which needs a connection. Drop it again once online.`;
}
