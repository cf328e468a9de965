import { useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { errorMessage } from "../../lib/errors";
import { notify } from "../../lib/notify";
import { useAppStore } from "../../store";
import { focusFileTree } from "../file-tree/rowDom";
import { useLiveWrite } from "../sync";
import { usePendingChanges } from "./usePendingChanges";
import "./review.css";

const KIND = { created: "added", edited: "edited", moved: "moved", deleted: "deleted" } as const;

/**
 * Above the editor, for the file in the active tab while an assistant change to it waits for review: what the
 * answer did, its diff, and Keep / Undo for this file (the answer's card has them for the whole answer). The
 * change is already in the file (the assistant's next steps build on it); Undo puts back the file as it was.
 * After either, focus goes back to the editor, or to the file tree when Undo removed the file.
 */
export function PendingReviewBar({ projectId }: { projectId: Id<"projects"> }) {
  const pending = usePendingChanges(projectId);
  const activeFileId = useAppStore((s) => s.activeFileId);
  const setReview = useAppStore((s) => s.setReview);
  const openFile = useAppStore((s) => s.openFile);
  const keep = useLiveWrite(api.changes.keep);
  const undo = useLiveWrite(api.changes.undo);
  const [busy, setBusy] = useState(false);
  const change = activeFileId === null ? undefined : pending.get(activeFileId);
  if (change === undefined) return null;
  const { messageId, line } = change;

  const act = async (what: "keep" | "undo") => {
    if (busy) return;
    setBusy(true);
    try {
      if (what === "keep") await keep({ messageId, changeId: line._id });
      else await undo({ messageId, changeId: line._id });
      if (what === "undo" && line.kind === "created") {
        focusFileTree();
      } else {
        openFile(line.fileId, { focusEditor: true });
      }
    } catch (error) {
      notify(errorMessage(error), "error");
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="pending-review-bar" role="region" aria-label="Waiting for review">
      <p>
        The assistant {KIND[line.kind]} this file
        {line.kind === "edited" ? ` (+${line.added} −${line.removed})` : ""}; it waits for your review.
      </p>
      <button type="button" className="btn btn-small" onClick={() => setReview({ messageId, changeId: line._id })}>
        Show the diff
      </button>
      <button type="button" className="btn btn-small btn-primary" aria-busy={busy} onClick={() => void act("keep")}>
        Keep
      </button>
      <button type="button" className="btn btn-small" aria-busy={busy} onClick={() => void act("undo")}>
        Undo
      </button>
    </div>
  );
}
