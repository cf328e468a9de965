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

  return useMemo(() => {
    const listing = joinListing(head, top, buckets, completeFor.current === projectId, partial);
    if (listing.complete) completeFor.current = projectId;
    return listing;
  }, [head, top, buckets, projectId, partial]);
}

/**
 * The listing from its parts (pure; the invariants above): `head` and `top` as the queries answer them (undefined
 * while loading), `buckets[b]` bucket b's entries (undefined or null while it has no result), `wasComplete`
 * whether this project's listing was complete before.
 */
export function joinListing(
  head: ListingHead | undefined,
  top: ListingTop | undefined,
  buckets: readonly (readonly ListingEntry[] | null | undefined)[],
  wasComplete: boolean,
  partial: boolean,
): ProjectListing {
  if (!head || !head.ready) return { entries: undefined, complete: false, preparing: head !== undefined && !head.ready };
  const missing = buckets.some((bucket) => bucket === undefined || bucket === null);
  const joined: ListingEntry[] = [];
  for (const bucket of buckets) if (bucket) for (const entry of bucket) joined.push(entry);
  if (missing && !wasComplete) {
    if (!partial || !top) return { entries: undefined, complete: false, preparing: false };
    for (const { entry, bucket } of top.entries) if (!buckets[bucket]) joined.push(entry);
    return { entries: visibleEntries(joined), complete: false, preparing: false };
  }
  return { entries: visibleEntries(joined), complete: true, preparing: false };
}
