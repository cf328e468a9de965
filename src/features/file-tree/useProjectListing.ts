import { useMemo, useRef } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { visibleEntries } from "../../../convex/lib/listing";
import type { ListingEntry } from "../../../convex/lib/validators";
import { useSyncedQueries, useSyncedQuery } from "../sync";

/**
 * The file listing of one project as every feature reads it (tree, quick open, the editor's lookups, the
 * assistant's Apply dialog): the head `files.listing`, then all its buckets `files.listingBucket` 0…n-1 in
 * parallel, each through the read path (live, else cached, with pending writes applied), joined and filtered by
 * the visibility rule (convex/lib/listing.ts `visibleEntries`). See docs/architecture.md "Projects of any size".
 *
 * Invariants:
 * - `entries` is undefined until the head and every bucket have a result, and while the listing is not ready
 *   (`preparing`: a project from before the listing, being backfilled); never a partial tree at first load.
 * - Once complete for a project, a bucket without a result yet (a bucket that just opened) counts as empty, so a
 *   new bucket never blanks the tree: entries never move between buckets, a new bucket holds only new entries.
 * - An id present in two buckets (never on the server; at most an optimistic guess) is shown once.
 * - The result keeps its identity while no bucket changed.
 */
export interface ProjectListing {
  entries: readonly ListingEntry[] | undefined;
  /** True while the server is still building this project's listing. */
  preparing: boolean;
}

export function useProjectListing(projectId: Id<"projects">): ProjectListing {
  const head = useSyncedQuery(api.files.listing, { projectId });
  const count = head?.ready ? head.buckets : 0;
  const argsList = useMemo(() => Array.from({ length: count }, (_, bucket) => ({ projectId, bucket })), [projectId, count]);
  const buckets = useSyncedQueries(api.files.listingBucket, argsList);
  const completeFor = useRef<Id<"projects"> | null>(null);

  return useMemo(() => {
    if (!head || !head.ready) return { entries: undefined, preparing: head !== undefined && !head.ready };
    const missing = buckets.some((bucket) => bucket === undefined || bucket === null);
    if (missing && completeFor.current !== projectId) return { entries: undefined, preparing: false };
    completeFor.current = projectId;
    const joined: ListingEntry[] = [];
    for (const bucket of buckets) if (bucket) for (const entry of bucket) joined.push(entry);
    return { entries: visibleEntries(joined), preparing: false };
  }, [head, buckets, projectId]);
}
