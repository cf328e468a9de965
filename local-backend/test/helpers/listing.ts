import type { ConvexClient } from "convex/browser";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { visibleEntries } from "../../../convex/lib/listing";
import type { ListingEntry } from "../../../convex/lib/validators";

/** The project's files as the app lists them: the head, every bucket, the visibility rule applied. */
export async function listed(client: ConvexClient, projectId: Id<"projects">): Promise<ListingEntry[]> {
  const head = await client.query(api.files.listing, { projectId });
  if (!head.ready) throw new Error("The listing is not ready.");
  const buckets = await Promise.all(
    Array.from({ length: head.buckets }, (_, bucket) => client.query(api.files.listingBucket, { projectId, bucket })),
  );
  return visibleEntries(buckets.flatMap((b) => b ?? []));
}
