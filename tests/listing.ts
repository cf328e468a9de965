import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { visibleEntries } from "../convex/lib/listing";
import type { ListingEntry } from "../convex/lib/validators";

/**
 * A project's files as a client lists them (the listing's head, then every bucket; docs/architecture.md "Projects of
 * any size"), for whatever runs public queries: the function tests' callers, the e2e specs' and the benchmarks'
 * ConvexHttpClient and ConvexClient. The one way outside the SPA to list a project.
 */
export interface QueryRunner {
  query<Q extends FunctionReference<"query">>(ref: Q, args: FunctionArgs<Q>): Promise<FunctionReturnType<Q>>;
}

/** The head and every bucket as answered; `entries` is null while the listing is not ready. */
export async function readListing(client: QueryRunner, projectId: Id<"projects">) {
  const head = await client.query(api.files.listing, { projectId });
  const buckets = await Promise.all(
    Array.from({ length: head.buckets }, (_, bucket) => client.query(api.files.listingBucket, { projectId, bucket })),
  );
  return { head, buckets, entries: head.ready ? buckets.flatMap((b) => b ?? []) : null };
}

/** The whole listing with the visibility rule applied (convex/lib/listing.ts), as the tree shows it. */
export async function listed(client: QueryRunner, projectId: Id<"projects">): Promise<ListingEntry[]> {
  const { entries } = await readListing(client, projectId);
  if (entries === null) throw new Error("The listing is not ready.");
  return visibleEntries(entries);
}
