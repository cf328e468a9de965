import type { Id } from "../../../convex/_generated/dataModel";

// Placeholder filled by its feature's issue.
export function EditorPane({ projectId }: { projectId: Id<"projects"> }) {
  return <section aria-label="EditorPane" data-project={projectId} />;
}
