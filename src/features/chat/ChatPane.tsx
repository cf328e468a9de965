import type { Id } from "../../../convex/_generated/dataModel";

// Placeholder filled by its feature's issue.
export function ChatPane({ projectId }: { projectId: Id<"projects"> }) {
  return <section aria-label="ChatPane" data-project={projectId} />;
}
