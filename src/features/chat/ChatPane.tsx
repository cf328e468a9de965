import { lazy, Suspense } from "react";
import type { Id } from "../../../convex/_generated/dataModel";

// The chat (Markdown rendering included) is loaded on first show, keeping it out of the initial bundle.
const ChatView = lazy(() => import("./ChatView"));

export function ChatPane({ projectId }: { projectId: Id<"projects"> }) {
  return (
    <Suspense fallback={<p className="chat-empty">Loading the assistant…</p>}>
      <ChatView projectId={projectId} />
    </Suspense>
  );
}
