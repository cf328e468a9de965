import { useMemo, useRef } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { visibleEntries } from "../../../convex/lib/listing";
import type { ListingEntry, ListingHead, ListingTop } from "../../../convex/lib/validators";
import { useSyncedQueries, useSyncedQuery } from "../sync";

/**
 * The file listing of one project as every feature reads it (tree, quick open, the editor's lookups, the
 * assistant's Apply dialog): the head `files.listing`, then all its buckets `files.listingBucket` 0…n-1 in
 * parallel, each through the read path (live, else cached, with pending writes applied), joined and filtered by
 * the visibility rule (convex/lib/listing.ts `visibleEntries`). See docs/architecture.md "Projects of any size".
 *
 * Invariants:
 * - `complete` is true once the head and every bucket have a result. Until then `entries` is undefined, unless
 *   the caller asks for `partial` entries (the tree and quick open): then, as soon as the root level
 *   (`files.listingTop`, read beside the head) is in, `entries` holds the buckets that arrived plus, for each
 *   bucket still missing, its root-level entries as stand-ins; it grows as buckets arrive. The stand-ins are the
 *   server's answer for those buckets' root entries; an entry is in one bucket only, so nothing shows twice.
 * - While the listing is not ready (`preparing`: a project from before the listing, being backfilled) there are no
 *   entries; never a partial tree presented as complete.
 * - Once complete for a project, a bucket without a result yet (a bucket that just opened) counts as empty, so a
 *   new bucket never blanks the tree: entries never move between buckets, a new bucket holds only new entries.
 *   The root level is no longer read then.
 * - An id present in two buckets (never on the server; at most an optimistic guess) is shown once.
 * - The result keeps its identity while no bucket changed.
 */
export interface ProjectListing {
  entries: readonly ListingEntry[] | undefined;
  /** True once every bucket is in (entries is then the whole listing). */
  complete: boolean;
  /** True while the server is still building this project's listing. */
  preparing: boolean;
}

export function useProjectListing(projectId: Id<"projects">, options: { partial?: boolean } = {}): ProjectListing {
  const partial = options.partial === true;
  const completeFor = useRef<Id<"projects"> | null>(null);
  const head = useSyncedQuery(api.files.listing, { projectId });
  const top: ListingTop | undefined = useSyncedQuery(
    api.files.listingTop,
    partial && completeFor.current !== projectId ? { projectId } : "skip",
  );
  const count = head?.ready ? head.buckets : 0;
  const argsList = useMemo(() => Array.from({ length: count }, (_, bucket) => ({ projectId, bucket })), [projectId, count]);
  const buckets = useSyncedQueries(api.files.listingBucket, argsList);

  const previous = useRef<ProjectListing | undefined>(undefined);
  return useMemo(() => {
    const wasComplete = completeFor.current === projectId;
    const listing = joinListing(head, top, buckets, wasComplete, partial, wasComplete ? previous.current : undefined);
    if (listing.complete) completeFor.current = projectId;
    previous.current = listing;
    return listing;
  }, [head, top, buckets, projectId, partial]);
}

/**
 * Work counter of the join (entries looked at), read by useProjectListing.test.ts to prove that a change in one
 * bucket costs that bucket, not the project.
 */
export const joinWork = { count: 0 };

/** What a complete listing keeps so that the next one can be derived from it (see `joinListing`). */
interface JoinState {
  /** The buckets it was joined from (a bucket without a result as []). */
  buckets: readonly (readonly ListingEntry[])[];
  /** Per bucket, its visible entries in bucket order. */
  shown: (readonly ListingEntry[])[];
  /** Every id in the buckets, and the visible ones. Owned by the newest listing: a derived one takes them over. */
  ids: Set<string>;
  visible: Set<string>;
  /** Every id some entry names as its parent (after removals, a superset). */
  parents: Set<string>;
}

const joinStates = new WeakMap<ProjectListing, JoinState>();
const NO_ENTRIES: readonly ListingEntry[] = [];

/**
 * The listing from its parts (pure; the invariants above): `head` and `top` as the queries answer them (undefined
 * while loading), `buckets[b]` bucket b's entries (undefined or null while it has no result), `wasComplete`
 * whether this project's listing was complete before.
 *
 * Given the previous complete listing of the same project (`previous`), a complete one is derived from it: only
 * the buckets whose array changed are looked at, and while their changes leave every folder's visibility as it
 * was (no entry that is some entry's parent appears, leaves or moves), the visibility rule is applied to those
 * buckets alone. Anything else (a folder with contents moved or deleted, an id in two buckets) joins the whole
 * listing again. A listing is derived from at most once: the next one takes over its sets.
 */
export function joinListing(
  head: ListingHead | undefined,
  top: ListingTop | undefined,
  buckets: readonly (readonly ListingEntry[] | null | undefined)[],
  wasComplete: boolean,
  partial: boolean,
  previous?: ProjectListing,
): ProjectListing {
  if (!head || !head.ready) return { entries: undefined, complete: false, preparing: head !== undefined && !head.ready };
  const missing = buckets.some((bucket) => bucket === undefined || bucket === null);
  if (missing && !wasComplete) {
    if (!partial || !top) return { entries: undefined, complete: false, preparing: false };
    const joined: ListingEntry[] = [];
    for (const bucket of buckets) if (bucket) for (const entry of bucket) joined.push(entry);
    for (const { entry, bucket } of top.entries) if (!buckets[bucket]) joined.push(entry);
    joinWork.count += joined.length;
    return { entries: visibleEntries(joined), complete: false, preparing: false };
  }
  const parts = buckets.map((bucket) => bucket ?? NO_ENTRIES);
  const state = previous && joinStates.get(previous);
  if (previous && state) {
    joinStates.delete(previous);
    const derived = derive(state, parts, previous.entries!);
    if (derived) return derived;
  }
  return joinWhole(parts);
}

function joinWhole(parts: readonly (readonly ListingEntry[])[]): ProjectListing {
  const joined: ListingEntry[] = [];
  for (const part of parts) for (const entry of part) joined.push(entry);
  joinWork.count += joined.length;
  const entries = visibleEntries(joined);
  const listing: ProjectListing = { entries, complete: true, preparing: false };
  const ids = new Set(joined.map((entry) => entry._id));
  // An id in two buckets (at most an optimistic guess): no derived listing can follow this one.
  if (ids.size !== joined.length) return listing;
  const visible = new Set(entries.map((entry) => entry._id));
  const parents = new Set<string>();
  for (const entry of joined) if (entry.parentId !== undefined) parents.add(entry.parentId);
  const shown = parts.map((part) => part.filter((entry) => visible.has(entry._id)));
  joinStates.set(listing, { buckets: parts, shown, ids, visible, parents });
  return listing;
}

/** The listing with `parts` derived from `state`'s; null when a change may change a folder's visibility. */
function derive(state: JoinState, parts: readonly (readonly ListingEntry[])[], entries: readonly ListingEntry[]): ProjectListing | null {
  if (parts.length < state.buckets.length) return null;
  const { ids, visible, parents } = state;
  const shown = state.shown.slice();
  let changed = false;
  for (let b = 0; b < parts.length; b++) {
    const before = state.buckets[b] ?? NO_ENTRIES;
    const after = parts[b];
    if (before === after) continue;
    changed = true;
    joinWork.count += before.length + after.length;
    const old = new Map(before.map((entry) => [entry._id, entry]));
    for (const entry of after) {
      const prior = old.get(entry._id);
      if (prior) {
        old.delete(entry._id);
        if (prior.parentId === entry.parentId && prior.type === entry.type) continue;
        if (parents.has(entry._id) || prior.type !== entry.type) return null;
      } else if (ids.has(entry._id) || parents.has(entry._id)) {
        // In another bucket too, or the parent of entries already listed: its arrival changes their visibility.
        return null;
      }
      // Its own parent (impossible by construction; a loop is hidden): the whole join says so.
      if (entry.parentId === entry._id) return null;
      ids.add(entry._id);
      if (entry.parentId !== undefined) parents.add(entry.parentId);
      if (entry.parentId === undefined || visible.has(entry.parentId)) visible.add(entry._id);
      else visible.delete(entry._id);
    }
    for (const id of old.keys()) {
      if (parents.has(id)) return null;
      ids.delete(id);
      visible.delete(id);
    }
    shown[b] = after.filter((entry) => visible.has(entry._id));
  }
  const next: ProjectListing = { entries: changed ? shown.flat() : entries, complete: true, preparing: false };
  joinStates.set(next, { buckets: parts, shown, ids, visible, parents });
  return next;
}
