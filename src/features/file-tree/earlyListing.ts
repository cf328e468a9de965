import { useEffect } from "react";
import { useConvex } from "convex/react";
import type { ConvexReactClient } from "convex/react";
import { useRoute } from "wouter";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { PROJECT_ROUTE } from "../../app/routes";

/**
 * The project's listing head `files.listing` and root level `files.listingTop`, asked for as soon as the app knows
 * the route, before the workspace page exists: they go out right behind the Authenticate message (the same round
 * trip) instead of after the server has confirmed the token, the offline cache has opened and the page's code has
 * loaded. The page then has the head when it mounts and asks for every bucket at once, and shows the root level
 * while they arrive (docs/architecture.md "Projects of any size").
 *
 * The buckets are not asked for here: arriving before the page mounts, all ~100 of a large project would be in its
 * first render, and its first rows would wait for the whole listing to be joined and laid out.
 *
 * Invariants:
 * - The subscriptions are the page's own queries with the same args, so the Convex client shares them: when the
 *   page subscribes, results already in are shown at once, and nothing is sent twice.
 * - Held until the page's ProjectListingProvider has subscribed (releaseEarlyListing), or until the route leaves
 *   the project, whichever comes first; then every subscription made here is ended.
 * - Only subscribes; the results reach the page through the client. An error (a project that does not exist) is
 *   the page's to show when it reads the same query.
 */
const held = new Map<string, () => void>();

/** Subscribes to the project's listing head and root level; returns the release. */
export function holdEarlyListing(client: ConvexReactClient, projectId: Id<"projects">): () => void {
  if (!held.has(projectId)) {
    const stops = [
      client.watchQuery(api.files.listing, { projectId }).onUpdate(() => {}),
      client.watchQuery(api.files.listingTop, { projectId }).onUpdate(() => {}),
    ];
    held.set(projectId, () => stops.forEach((stop) => stop()));
  }
  return () => releaseEarlyListing(projectId);
}

/** Ends the early subscriptions of the project, if any (the page's own have taken over). */
export function releaseEarlyListing(projectId: string): void {
  const stop = held.get(projectId);
  if (stop === undefined) return;
  held.delete(projectId);
  stop();
}

/**
 * Holds the early listing of the project the route names while `enabled` (a user is signed in). Called above the
 * page, inside the Convex provider, whose setAuth runs before this effect: the queries follow the Authenticate.
 */
export function useEarlyListing(enabled: boolean): void {
  const convex = useConvex();
  const [onProject, params] = useRoute(PROJECT_ROUTE);
  const projectId = enabled && onProject ? params.projectId : null;
  useEffect(() => (projectId === null ? undefined : holdEarlyListing(convex, projectId as Id<"projects">)), [convex, projectId]);
}
