import type { ConvexReactClient } from "convex/react";
import { zipSync, type Zippable } from "fflate";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { entryPaths, type ListingEntry } from "../../../convex/lib/listing";
import { readSyncedQuery, type Outbox } from "../sync";

// ZIP download, built in the browser from what the read path has: each file's text through files.get (the cache
// answers offline for files read before; online, a file not cached is fetched), binaries fetched from storage byte
// for byte. `folderId` limits it to one folder, whose contents then sit at the top of the archive under the
// folder's name. A file that cannot be had (offline and never read, or its download failed) is left out and named
// in `missing`, so the caller can say exactly what the archive lacks.

export interface BuiltZip {
  bytes: Uint8Array;
  /** Files left out, each "path (why)". */
  missing: string[];
}

export async function buildZip(
  convex: ConvexReactClient,
  outbox: Outbox,
  entries: ListingEntry[],
  folderId: Id<"files"> | undefined,
  wait: boolean,
): Promise<BuiltZip> {
  const missing: string[] = [];
  const paths = entryPaths(entries);
  const prefix = folderId === undefined ? "" : (paths.get(folderId) ?? "");
  const base = prefix === "" ? "" : prefix.slice(0, prefix.lastIndexOf("/") + 1);
  const inside = (path: string) => prefix === "" || path === prefix || path.startsWith(`${prefix}/`);
  const tree: Zippable = {};
  const encoder = new TextEncoder();
  for (const entry of entries) {
    const path = paths.get(entry._id);
    if (path === undefined || !inside(path)) continue;
    const name = path.slice(base.length);
    if (entry.type === "folder") {
      tree[`${name}/`] = new Uint8Array(0);
      continue;
    }
    const file = await readSyncedQuery(convex, outbox, api.files.get, { fileId: entry._id as Id<"files"> }, wait);
    if (file === undefined) {
      missing.push(`${path} (not available offline)`);
      continue;
    }
    if (file.url !== undefined) {
      const response = await fetch(file.url).catch(() => null);
      if (response === null || !response.ok) {
        missing.push(`${path} (${response === null ? "its download failed" : `HTTP ${response.status}`})`);
        continue;
      }
      tree[name] = new Uint8Array(await response.arrayBuffer());
    } else {
      tree[name] = encoder.encode(file.content ?? "");
    }
  }
  return { bytes: zipSync(tree, { level: 6 }), missing };
}

/**
 * What a person is told after a download that left files out, or null when nothing is missing. The advice
 * depends on whether the browser was `online`: offline, going online is the cure; online, a download that failed
 * may succeed when tried again.
 */
export function missingMessage(fileName: string, missing: string[], online: boolean): string | null {
  if (missing.length === 0) return null;
  const shown = missing.slice(0, 5).join(", ");
  const more = missing.length > 5 ? ` and ${missing.length - 5} more` : "";
  const advice = online ? "Download again to include them." : "Go online and download again to include them.";
  return `${fileName} was saved without ${missing.length} file${missing.length === 1 ? "" : "s"}: ${shown}${more}. ${advice}`;
}

/** Builds the ZIP of the project (or of `folderId`), saves it as `fileName`, and tells what it had to leave out. */
export async function downloadZip(
  convex: ConvexReactClient,
  outbox: Outbox,
  entries: ListingEntry[],
  folderId: Id<"files"> | undefined,
  fileName: string,
): Promise<string | null> {
  const online = navigator.onLine;
  const { bytes, missing } = await buildZip(convex, outbox, entries, folderId, online);
  saveDownload(bytes, fileName);
  return missingMessage(fileName, missing, online);
}

export { zipFileName } from "../../../convex/lib/zipName";

/**
 * How many of `files` the browser has no cached answer for (each would be one request to zip it here); stops
 * counting past `enough`.
 */
export async function countUncached(convex: ConvexReactClient, outbox: Outbox, files: ListingEntry[], enough: number): Promise<number> {
  let uncached = 0;
  for (const file of files) {
    if ((await readSyncedQuery(convex, outbox, api.files.get, { fileId: file._id as Id<"files"> }, false)) === undefined) uncached++;
    if (uncached > enough) break;
  }
  return uncached;
}

/**
 * The ZIP of the whole project built on the server (transfers.zipProject, for projects larger than the browser
 * should zip): starts it, waits for it to end, and saves the archive as `fileName`. Returns what to tell the person
 * when it did not work, else null.
 */
export async function downloadServerZip(
  convex: ConvexReactClient,
  projectId: Id<"projects">,
  start: () => Promise<unknown>,
  fileName: string,
): Promise<string | null> {
  await start();
  // The mutation's write is in the client's query results once it resolved: the run shows as running until it ends.
  const zip = await new Promise<{ view: { status: string; message?: string } | null; url?: string }>((resolve, reject) => {
    const watch = convex.watchQuery(api.transfers.status, { projectId });
    const state: { stop?: () => void; done: boolean } = { done: false };
    const check = () => {
      try {
        const current = watch.localQueryResult()?.zip;
        if (current?.view === null || current?.view === undefined || current.view.status === "running" || state.done) return;
        state.done = true;
        state.stop?.();
        resolve(current);
      } catch (error) {
        state.done = true;
        state.stop?.();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    state.stop = watch.onUpdate(check);
    check();
    if (state.done) state.stop();
  });
  if (zip.view?.status !== "completed" || zip.url === undefined) return zip.view?.message ?? "The ZIP download did not complete. Try again.";
  const response = await fetch(zip.url).catch(() => null);
  if (response === null || !response.ok) return `${fileName} could not be downloaded (${response === null ? "no connection" : `HTTP ${response.status}`}). Try again.`;
  saveDownload(new Uint8Array(await response.arrayBuffer()), fileName);
  return null;
}

/** Saves `bytes` as a download named `fileName`. */
export function saveDownload(bytes: Uint8Array, fileName: string) {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/zip" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
