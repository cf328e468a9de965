import { createContext, useContext, useEffect, type ReactNode } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import { releaseEarlyListing } from "./earlyListing";
import { useProjectListing, type ProjectListing } from "./useProjectListing";

const ListingContext = createContext<ProjectListing | null>(null);

/**
 * Reads the project's listing (partial while it loads: see useProjectListing) from the moment the workspace route
 * mounts, in the same round trip as the project itself rather than after the page has rendered, and hands it to
 * the file tree and quick open. Its children are elements made by the parent, so a bucket arriving re-renders
 * only the components that read the listing.
 */
export function ProjectListingProvider({ projectId, children }: { projectId: Id<"projects">; children: ReactNode }) {
  const listing = useProjectListing(projectId, { partial: true });
  // The page's subscriptions (made while rendering) have taken over from the early ones (earlyListing.ts).
  useEffect(() => releaseEarlyListing(projectId), [projectId]);
  return <ListingContext.Provider value={listing}>{children}</ListingContext.Provider>;
}

/** The listing provided by the enclosing ProjectListingProvider. */
export function useProvidedListing(): ProjectListing {
  const listing = useContext(ListingContext);
  if (listing === null) throw new Error("useProvidedListing needs a ProjectListingProvider around it.");
  return listing;
}
