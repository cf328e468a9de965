import type { OptimisticLocalStore } from "convex/browser";
import type { FunctionArgs } from "convex/server";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { ListingEntry } from "../../../convex/lib/validators";
import { copyName } from "../../../convex/model/names";
import { optimisticId } from "../sync/ids";
import { registerOptimisticUpdate } from "../sync/registry";

/*
 * Optimistic updates of the file listing (`files.listing` head and `files.listingBucket` buckets) for every tree
 * write. Each is a pure function of (store, args): the offline overlay re-runs them on cached results, so new
 * entries take their temporary id from `optimisticId`. A guess that cannot be made (listing not cached, unknown
 * parent, name clash) changes nothing; the server's answer decides.
 *
 * Invariants:
 * - A new entry goes into the highest-numbered cached bucket of its project (or bucket 0, opening it in the
 *   head, when the project has none yet). The server puts it in its real bucket; the guess leaves the overlay
 *   in the same turn as the answer, so it is never shown twice.
 * - Rename and move patch the entry in the bucket that holds it; remove takes out only the entry itself: its
 *   descendants are hidden by the visibility rule (convex/lib/listing.ts), as they are on the server while the
 *   purge runs.
 * - Checks (parent known, name free, no cycle) look at the whole project: every cached bucket of it.
 */

type Bucket = { args: { projectId: Id<"projects">; bucket: number }; value: ListingEntry[] };

/** The cached buckets of a project that hold a result (null while the listing is not ready). */
function bucketsOf(store: OptimisticLocalStore, projectId: string): Bucket[] {
  return store
    .getAllQueries(api.files.listingBucket)
    .filter((q): q is Bucket => q.args.projectId === projectId && Array.isArray(q.value));
}

/** The cached bucket holding a file, with its project's buckets; undefined when no cached listing has it. */
function holderOf(store: OptimisticLocalStore, fileId: string): { holder: Bucket; all: Bucket[] } | undefined {
  for (const q of store.getAllQueries(api.files.listingBucket)) {
    if (!Array.isArray(q.value) || !q.value.some((e) => e._id === fileId)) continue;
    return { holder: q as Bucket, all: bucketsOf(store, q.args.projectId) };
  }
  return undefined;
}

function allEntries(buckets: readonly Bucket[]): Map<string, ListingEntry> {
  const byId = new Map<string, ListingEntry>();
  for (const b of buckets) for (const e of b.value) byId.set(e._id, e);
  return byId;
}

function nameFree(entries: Map<string, ListingEntry>, parentId: string | undefined, name: string, except?: string) {
  for (const e of entries.values()) if (e.parentId === parentId && e.name === name && e._id !== except) return false;
  return true;
}

function patch(store: OptimisticLocalStore, bucket: Bucket, fileId: string, change: (entry: ListingEntry) => ListingEntry) {
  store.setQuery(
    api.files.listingBucket,
    bucket.args,
    bucket.value.map((e) => (e._id === fileId ? change(e) : e)),
  );
}

/** Adds entries to the listing of a project, if it is cached and ready. Returns whether it did. */
function addEntries(store: OptimisticLocalStore, projectId: Id<"projects">, entries: ListingEntry[]): boolean {
  const head = store.getQuery(api.files.listing, { projectId });
  if (!head?.ready) return false;
  const buckets = bucketsOf(store, projectId);
  if (head.buckets === 0) {
    store.setQuery(api.files.listing, { projectId }, { ready: true, buckets: 1 });
    store.setQuery(api.files.listingBucket, { projectId, bucket: 0 }, entries);
    return true;
  }
  const last = buckets.reduce<Bucket | undefined>((a, b) => (a === undefined || b.args.bucket > a.args.bucket ? b : a), undefined);
  if (!last) return false;
  store.setQuery(api.files.listingBucket, last.args, [...last.value, ...entries]);
  return true;
}

/** A new entry for `name` under `parentId`, when the parent is known and the name free. */
function newEntry(
  store: OptimisticLocalStore,
  args: { projectId: Id<"projects">; parentId?: Id<"files">; name: string },
  id: string,
  fields: Pick<ListingEntry, "type" | "isBinary">,
): ListingEntry | undefined {
  const entries = allEntries(bucketsOf(store, args.projectId));
  if (args.parentId && entries.get(args.parentId)?.type !== "folder") return undefined;
  if (!nameFree(entries, args.parentId, args.name)) return undefined;
  const entry: ListingEntry = { _id: id as Id<"files">, name: args.name, type: fields.type };
  if (args.parentId) entry.parentId = args.parentId;
  if (fields.isBinary) entry.isBinary = true;
  return entry;
}

function insertOne(
  store: OptimisticLocalStore,
  args: { projectId: Id<"projects">; parentId?: Id<"files">; name: string; clientOpId?: string },
  fields: Pick<ListingEntry, "type" | "isBinary">,
) {
  const entry = newEntry(store, args, optimisticId(args), fields);
  if (entry) addEntries(store, args.projectId, [entry]);
}

/** The listed entry of a file in the cached listing of its project (for other features' optimistic updates). */
export function listedEntry(store: OptimisticLocalStore, projectId: string, fileId: string): ListingEntry | undefined {
  for (const bucket of bucketsOf(store, projectId)) {
    const entry = bucket.value.find((e) => e._id === fileId);
    if (entry) return entry;
  }
  return undefined;
}

export const optimisticCreateFile = registerOptimisticUpdate(
  api.files.createFile,
  (store, args: FunctionArgs<typeof api.files.createFile>) => insertOne(store, args, { type: "file" }),
);

export const optimisticCreateFolder = registerOptimisticUpdate(
  api.files.createFolder,
  (store, args: FunctionArgs<typeof api.files.createFolder>) => insertOne(store, args, { type: "folder" }),
);

export const optimisticCreateBinaryFile = registerOptimisticUpdate(
  api.files.createBinaryFile,
  (store, args: FunctionArgs<typeof api.files.createBinaryFile>) => insertOne(store, args, { type: "file", isBinary: true }),
);

/**
 * The items of a createMany: all or none, like the server (one name taken refuses the whole call). Their ids are
 * display-only (`<temporary id>-<index>`): the call returns its ids only when answered, so nothing can name them
 * before then.
 */
export const optimisticCreateMany = registerOptimisticUpdate(
  api.files.createMany,
  (store, args: FunctionArgs<typeof api.files.createMany>) => {
    const base = optimisticId(args);
    const created: ListingEntry[] = [];
    const names = new Set<string>();
    for (const [i, item] of args.items.entries()) {
      if (names.has(item.name)) return;
      names.add(item.name);
      const entry = newEntry(store, { ...args, name: item.name }, `${base}-${i}`, { type: item.type ?? "file" });
      if (!entry) return;
      created.push(entry);
    }
    if (created.length > 0) addEntries(store, args.projectId, created);
  },
);

export const optimisticRename = registerOptimisticUpdate(
  api.files.rename,
  (store, args: FunctionArgs<typeof api.files.rename>) => {
    const found = holderOf(store, args.fileId);
    if (!found) return;
    const entries = allEntries(found.all);
    const file = entries.get(args.fileId)!;
    if (!nameFree(entries, file.parentId, args.name, file._id)) return;
    patch(store, found.holder, args.fileId, (e) => ({ ...e, name: args.name }));
  },
);

export const optimisticMove = registerOptimisticUpdate(api.files.move, (store, args: FunctionArgs<typeof api.files.move>) => {
  const found = holderOf(store, args.fileId);
  if (!found) return;
  const entries = allEntries(found.all);
  const file = entries.get(args.fileId)!;
  if (args.parentId && entries.get(args.parentId)?.type !== "folder") return;
  if (!nameFree(entries, args.parentId, file.name, file._id)) return;
  // Refuse to guess a cycle: walk up from the destination.
  let cursor: string | undefined = args.parentId;
  for (let guard = 0; cursor && guard < 1024; guard++) {
    if (cursor === args.fileId) return;
    cursor = entries.get(cursor)?.parentId;
  }
  patch(store, found.holder, args.fileId, (e) => {
    const { parentId: _old, ...rest } = e;
    return args.parentId ? { ...rest, parentId: args.parentId } : rest;
  });
});

export const optimisticRemove = registerOptimisticUpdate(
  api.files.remove,
  (store, args: FunctionArgs<typeof api.files.remove>) => {
    const found = holderOf(store, args.fileId);
    if (!found) return;
    store.setQuery(
      api.files.listingBucket,
      found.holder.args,
      found.holder.value.filter((e) => e._id !== args.fileId),
    );
  },
);

export const optimisticCopy = registerOptimisticUpdate(api.files.copy, (store, args: FunctionArgs<typeof api.files.copy>) => {
  const found = holderOf(store, args.fileId);
  if (!found) return;
  const entries = allEntries(found.all);
  const source = entries.get(args.fileId)!;
  if (args.parentId && entries.get(args.parentId)?.type !== "folder") return;
  let name = source.name;
  for (let attempt = 1; !nameFree(entries, args.parentId, name) && attempt < 100; attempt++) {
    name = copyName(source.name, attempt, source.type === "folder");
  }
  // Only the copied item itself is guessed; its contents arrive with the server's answer.
  const { parentId: _old, ...rest } = source;
  const entry: ListingEntry = { ...rest, _id: optimisticId(args) as Id<"files">, name };
  if (args.parentId) entry.parentId = args.parentId;
  addEntries(store, found.holder.args.projectId, [entry]);
});
