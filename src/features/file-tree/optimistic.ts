import type { OptimisticLocalStore } from "convex/browser";
import type { FunctionArgs } from "convex/server";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { ListingEntry } from "../../../convex/lib/validators";
import { copyName, restoredName } from "../../../convex/model/names";
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
 *   item is in the trash, so a restore that puts the entry back shows them again.
 * - Checks (parent known, name free, no cycle) look at the whole project: every cached bucket of it.
 */

// One reference each: every `api.x.y` access builds a new proxy, and the overlay runs these for every pending entry.
const listingHead = api.files.listing;
const listingBucket = api.files.listingBucket;

type Bucket = { args: { projectId: Id<"projects">; bucket: number }; value: ListingEntry[] };

/**
 * The cached buckets of every project in one store, indexed so each update costs what it changes, not the size
 * of the listing: the offline overlay runs every pending entry's update, in order, on one store, so with a
 * listing of n entries and m pending writes a scan per update made a replay O(n·m) per recomputation.
 * Built once per store (kept in a WeakMap) and kept in step with every write made here; when anything else
 * changed a bucket (the values no longer are the ones the index holds), it is built again.
 * Buckets are copied on their first write in a store, then changed in place: a store's values are only seen
 * once its updates are done (the overlay's store is private until then).
 */
interface BucketRef {
  args: Bucket["args"];
  value: ListingEntry[];
  /** True once `value` is this index's own copy, safe to change in place. */
  owned: boolean;
  /** Position of each id in `value`, built on first use. */
  pos: Map<string, number> | null;
}

interface ListingIndex {
  /** Every listingBucket value in the store, in getAllQueries order, as the index last saw or wrote it. */
  seen: unknown[];
  /** The refs of the bucket values that are arrays, by their position in `seen`. */
  refs: Map<number, BucketRef>;
  byId: Map<string, { entry: ListingEntry; ref: BucketRef }>;
  /** Entries per (project, parent, name): a name is free while its count is 0. */
  names: Map<string, number>;
}

const indexes = new WeakMap<OptimisticLocalStore, ListingIndex>();

const nameKey = (projectId: string, parentId: string | undefined, name: string) => `${projectId}\u0000${parentId ?? ""}\u0000${name}`;

function countName(index: ListingIndex, projectId: string, entry: ListingEntry, delta: number) {
  const key = nameKey(projectId, entry.parentId, entry.name);
  const count = (index.names.get(key) ?? 0) + delta;
  if (count > 0) index.names.set(key, count);
  else index.names.delete(key);
}

function addToIndex(index: ListingIndex, ref: BucketRef, entry: ListingEntry) {
  index.byId.set(entry._id, { entry, ref });
  countName(index, ref.args.projectId, entry, 1);
}

/** The store's index, built again when a bucket changed outside this module. */
function indexOf(store: OptimisticLocalStore): ListingIndex {
  const all = store.getAllQueries(listingBucket);
  const known = indexes.get(store);
  if (known && known.seen.length === all.length && all.every((q, i) => q.value === known.seen[i])) return known;
  const index: ListingIndex = { seen: all.map((q) => q.value), refs: new Map(), byId: new Map(), names: new Map() };
  all.forEach((q, i) => {
    if (!Array.isArray(q.value)) return;
    const ref: BucketRef = { args: q.args, value: q.value, owned: false, pos: null };
    index.refs.set(i, ref);
    for (const entry of ref.value) addToIndex(index, ref, entry);
  });
  indexes.set(store, index);
  return index;
}

/** Writes a bucket changed in place back to the store, keeping the index's view of the store current. */
function writeBack(store: OptimisticLocalStore, index: ListingIndex, ref: BucketRef) {
  store.setQuery(listingBucket, ref.args, ref.value);
  for (const [slot, r] of index.refs) if (r === ref) index.seen[slot] = ref.value;
}

/** Makes a bucket this index's own copy before its first change in this store. */
function own(ref: BucketRef): ListingEntry[] {
  if (!ref.owned) {
    ref.value = [...ref.value];
    ref.owned = true;
  }
  return ref.value;
}

function positions(ref: BucketRef): Map<string, number> {
  if (!ref.pos) ref.pos = new Map(ref.value.map((e, i) => [e._id, i]));
  return ref.pos;
}

/** The cached entry of a file with the bucket holding it; undefined when no cached listing has it. */
function holderOf(store: OptimisticLocalStore, fileId: string): { index: ListingIndex; ref: BucketRef; entry: ListingEntry } | undefined {
  const index = indexOf(store);
  const found = index.byId.get(fileId);
  return found && { index, ...found };
}

/** The project's entry `id` (a parent to check), if cached. */
function entryIn(index: ListingIndex, projectId: string, id: string): ListingEntry | undefined {
  const found = index.byId.get(id);
  return found && found.ref.args.projectId === projectId ? found.entry : undefined;
}

function nameFree(index: ListingIndex, projectId: string, parentId: string | undefined, name: string, except?: ListingEntry) {
  const count = index.names.get(nameKey(projectId, parentId, name)) ?? 0;
  const own = except !== undefined && except.parentId === parentId && except.name === name ? 1 : 0;
  return count - own === 0;
}

function patch(store: OptimisticLocalStore, index: ListingIndex, ref: BucketRef, fileId: string, change: (entry: ListingEntry) => ListingEntry) {
  const value = own(ref);
  const at = positions(ref).get(fileId);
  if (at === undefined) return;
  const before = value[at];
  const after = change(before);
  value[at] = after;
  countName(index, ref.args.projectId, before, -1);
  addToIndex(index, ref, after);
  writeBack(store, index, ref);
}

/** Adds entries to the listing of a project, if it is cached and ready. Returns whether it did. */
function addEntries(store: OptimisticLocalStore, projectId: Id<"projects">, entries: ListingEntry[]): boolean {
  const head = store.getQuery(listingHead, { projectId });
  if (!head?.ready) return false;
  if (head.buckets === 0) {
    store.setQuery(listingHead, { projectId }, { ready: true, buckets: 1 });
    store.setQuery(listingBucket, { projectId, bucket: 0 }, entries);
    return true;
  }
  const index = indexOf(store);
  let last: BucketRef | undefined;
  for (const ref of index.refs.values()) {
    if (ref.args.projectId === projectId && (last === undefined || ref.args.bucket > last.args.bucket)) last = ref;
  }
  if (!last) return false;
  const value = own(last);
  const pos = positions(last);
  for (const entry of entries) {
    pos.set(entry._id, value.length);
    value.push(entry);
    addToIndex(index, last, entry);
  }
  writeBack(store, index, last);
  return true;
}

/** A new entry for `name` under `parentId`, when the parent is known and the name free. */
function newEntry(
  store: OptimisticLocalStore,
  args: { projectId: Id<"projects">; parentId?: Id<"files">; name: string },
  id: string,
  fields: Pick<ListingEntry, "type" | "isBinary">,
): ListingEntry | undefined {
  const index = indexOf(store);
  if (args.parentId && entryIn(index, args.projectId, args.parentId)?.type !== "folder") return undefined;
  if (!nameFree(index, args.projectId, args.parentId, args.name)) return undefined;
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
  return entryIn(indexOf(store), projectId, fileId);
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
    const { index, ref, entry: file } = found;
    if (!nameFree(index, ref.args.projectId, file.parentId, args.name, file)) return;
    patch(store, index, ref, args.fileId, (e) => ({ ...e, name: args.name }));
  },
);

export const optimisticMove = registerOptimisticUpdate(api.files.move, (store, args: FunctionArgs<typeof api.files.move>) => {
  const found = holderOf(store, args.fileId);
  if (!found) return;
  const { index, ref, entry: file } = found;
  const projectId = ref.args.projectId;
  if (args.parentId && entryIn(index, projectId, args.parentId)?.type !== "folder") return;
  if (!nameFree(index, projectId, args.parentId, file.name, file)) return;
  // Refuse to guess a cycle: walk up from the destination.
  let cursor: string | undefined = args.parentId;
  for (let guard = 0; cursor && guard < 1024; guard++) {
    if (cursor === args.fileId) return;
    cursor = entryIn(index, projectId, cursor)?.parentId;
  }
  patch(store, index, ref, args.fileId, (e) => {
    const { parentId: _old, ...rest } = e;
    return args.parentId ? { ...rest, parentId: args.parentId } : rest;
  });
});

/**
 * The entries this tab has removed, as they were listed, for the restore's guess: trash:restore names only the
 * file, and once the delete is confirmed no cached listing holds the entry any more. Filled by optimisticRemove
 * (the same entry each time it is replayed, so the updates stay functions of their arguments). Kept in memory:
 * a restore still pending after a reload shows when the server answers.
 */
const removedEntries = new Map<string, { projectId: Id<"projects">; entry: ListingEntry }>();

export const optimisticRemove = registerOptimisticUpdate(
  api.files.remove,
  (store, args: FunctionArgs<typeof api.files.remove>) => {
    const found = holderOf(store, args.fileId);
    if (!found) return;
    const { index, ref, entry } = found;
    if (!removedEntries.has(entry._id)) removedEntries.set(entry._id, { projectId: ref.args.projectId, entry });
    ref.value = own(ref).filter((e) => e._id !== args.fileId);
    ref.pos = null;
    index.byId.delete(args.fileId);
    countName(index, ref.args.projectId, entry, -1);
    writeBack(store, index, ref);
  },
);

/**
 * A restore puts the entry back where it was, under "name (restored).ext" when its name is taken there (the
 * server's rule, convex/model/names.ts), unless its folder is not listed (deleted too: the server refuses).
 */
export const optimisticRestore = registerOptimisticUpdate(
  api.trash.restore,
  (store, args: FunctionArgs<typeof api.trash.restore>) => {
    const removed = removedEntries.get(args.fileId);
    if (!removed) return;
    const { projectId, entry } = removed;
    const index = indexOf(store);
    if (index.byId.has(entry._id)) return;
    if (entry.parentId && entryIn(index, projectId, entry.parentId)?.type !== "folder") return;
    let name = entry.name;
    for (let attempt = 1; !nameFree(index, projectId, entry.parentId, name) && attempt < 100; attempt++) {
      name = restoredName(entry.name, attempt, entry.type === "folder");
    }
    addEntries(store, projectId, [{ ...entry, name }]);
  },
);

export const optimisticCopy = registerOptimisticUpdate(api.files.copy, (store, args: FunctionArgs<typeof api.files.copy>) => {
  const found = holderOf(store, args.fileId);
  if (!found) return;
  const { index, ref, entry: source } = found;
  const projectId = ref.args.projectId;
  if (args.parentId && entryIn(index, projectId, args.parentId)?.type !== "folder") return;
  let name = source.name;
  for (let attempt = 1; !nameFree(index, projectId, args.parentId, name) && attempt < 100; attempt++) {
    name = copyName(source.name, attempt, source.type === "folder");
  }
  // Only the copied item itself is guessed; its contents arrive with the server's answer.
  const { parentId: _old, ...rest } = source;
  const entry: ListingEntry = { ...rest, _id: optimisticId(args) as Id<"files">, name };
  if (args.parentId) entry.parentId = args.parentId;
  addEntries(store, projectId, [entry]);
});
