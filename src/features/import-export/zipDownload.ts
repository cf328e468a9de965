import type { ConvexReactClient } from "convex/react";
import { zipSync, type Zippable } from "fflate";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { entryPaths, type ListingEntry } from "../../../convex/lib/listing";
import { readSyncedQuery, type Outbox } from "../sync";

// ZIP download, built in the browser from what the read path has: each file's text through files.get (the cache
// answers offline for files read before), binaries fetched from storage byte for byte. `folderId` limits it to
// one folder, whose contents then sit at the top of the archive under the folder's name.

export async function buildZip(
  convex: ConvexReactClient,
  outbox: Outbox,
  entries: ListingEntry[],
  folderId: Id<"files"> | undefined,
  wait: boolean,
): Promise<Uint8Array> {
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
    if (file === undefined) throw new Error(`"${path}" is not available offline. Go online and try again.`);
    if (file.url !== undefined) {
      const response = await fetch(file.url);
      if (!response.ok) throw new Error(`"${path}" could not be downloaded (HTTP ${response.status}).`);
      tree[name] = new Uint8Array(await response.arrayBuffer());
    } else {
      tree[name] = encoder.encode(file.content ?? "");
    }
  }
  return zipSync(tree, { level: 6 });
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
