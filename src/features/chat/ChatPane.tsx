import { lazy, Suspense } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import { afterFirstRows } from "../../lib/afterFirstRows";

// The chat (Markdown rendering included) is loaded once the tree has shown its first rows (or the person acts),
// keeping it out of the initial bundle and off the first row's path.
const ChatView = lazy(() => afterFirstRows().then(() => import("./ChatView")));

export function ChatPane({ projectId }: { projectId: Id<"projects"> }) {
  return (
    <Suspense fallback={<p className="chat-empty">Loading the assistant…</p>}>
      <ChatView projectId={projectId} />
    </Suspense>
  );
}
