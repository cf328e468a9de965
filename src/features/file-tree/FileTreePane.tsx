import type { Id } from "../../../convex/_generated/dataModel";

// Placeholder filled by its feature's issue.
export function FileTreePane({ projectId }: { projectId: Id<"projects"> }) {
  return <section aria-label="FileTreePane" data-project={projectId} />;
}
