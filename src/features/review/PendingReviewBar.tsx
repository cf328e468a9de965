import { useRef } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import { notify } from "../../lib/notify";
import { useAppStore } from "../../store";
import { focusFileTree } from "../file-tree/rowDom";
import { useChangeAction } from "./useChangeAction";
import { usePendingChanges, type PendingChange } from "./usePendingChanges";
import "./review.css";

const KIND = { created: "added", edited: "edited", moved: "moved", deleted: "deleted" } as const;

/** How many deleted files waiting for review the bar lists; the answers' cards have the rest. */
const MAX_DELETED_SHOWN = 5;

/** Keep or Undo of one pending change, as the card's per-file buttons and the review panel do; a refusal is a toast. */
function useReviewAction() {
  const { busy, act: actOn } = useChangeAction();
  const act = async (change: PendingChange, what: "keep" | "undo", after: () => void) => {
    const done = await actOn({ messageId: change.messageId, changeId: change.line._id }, what, (refusal) => notify(refusal.message, "error"));
    if (done) after();
  };
  return { busy, act };
}

/**
 * Above the editor, while assistant changes wait for review: for the file in the active tab, what the answer did,
 * its diff, and Keep / Undo for this file (the answer's card has them for the whole answer); and every file or
 * folder the assistant deleted, which has no row in the tree or tab to show it, with the same actions. The changes
 * are already in the files (the assistant's next steps build on them); Undo puts back the file as it was.
 */
export function PendingReviewBar({ projectId }: { projectId: Id<"projects"> }) {
  const pending = usePendingChanges(projectId);
  const activeFileId = useAppStore((s) => s.activeFileId);
  const change = activeFileId === null ? undefined : pending.get(activeFileId);
  const deleted = [...pending.values()].filter((p) => p.line.kind === "deleted");
  return (
    <>
      {change !== undefined && change.line.kind !== "deleted" && <ActiveFileBar change={change} />}
      {deleted.length > 0 && <DeletedBar deleted={deleted} />}
    </>
  );
}

/** The active file's change. After Keep or Undo focus goes back to the editor, or to the tree when Undo removed the file. */
function ActiveFileBar({ change }: { change: PendingChange }) {
  const setReview = useAppStore((s) => s.setReview);
  const openFile = useAppStore((s) => s.openFile);
  const { busy, act } = useReviewAction();
  const { messageId, line } = change;
  const after = (what: "keep" | "undo") => () => {
    if (what === "undo" && line.kind === "created") focusFileTree();
    else openFile(line.fileId, { focusEditor: true });
  };

  return (
    <div className="pending-review-bar" role="region" aria-label="Waiting for review">
      <p>
        The assistant {KIND[line.kind]} this file
        {line.fromPath === undefined ? "" : line.kind === "moved" ? ` from ${line.fromPath}` : ` (moved from ${line.fromPath})`}
        {line.kind === "edited" ? ` (+${line.added} −${line.removed})` : ""}; it waits for your review.
      </p>
      <button type="button" className="btn btn-small" onClick={() => setReview({ messageId, changeId: line._id })}>
        Show the diff
      </button>
      <button type="button" className="btn btn-small btn-primary" aria-busy={busy} onClick={() => void act(change, "keep", after("keep"))}>
        Keep
      </button>
      <button type="button" className="btn btn-small" aria-busy={busy} onClick={() => void act(change, "undo", after("undo"))}>
        Undo
      </button>
    </div>
  );
}

/**
 * Files and folders the assistant deleted, waiting for review: each with its diff (its old content against
 * nothing), Keep (it stays deleted) and Undo (it comes back). After either, focus goes on to the next deleted
 * file's diff button, else to the file tree.
 */
function DeletedBar({ deleted }: { deleted: PendingChange[] }) {
  const setReview = useAppStore((s) => s.setReview);
  const { busy, act } = useReviewAction();
  const listRef = useRef<HTMLUListElement>(null);
  const shown = deleted.slice(0, MAX_DELETED_SHOWN);
  const after = (changeId: Id<"fileChanges">) => () => {
    const next = [...(listRef.current?.querySelectorAll<HTMLElement>("[data-change]") ?? [])].find((li) => li.dataset.change !== changeId);
    const button = next?.querySelector<HTMLElement>("button");
    if (button) button.focus();
    else focusFileTree();
  };

  return (
    <div className="pending-review-bar pending-review-deleted" role="region" aria-label="Deleted, waiting for review">
      <p>Deleted by the assistant, waiting for your review:</p>
      <ul ref={listRef}>
        {shown.map((change) => {
          const { line } = change;
          const name = `${line.path}${line.type === "folder" ? "/" : ""}`;
          return (
            <li key={line._id} data-change={line._id}>
              <del className="review-path">{name}</del>
              <button
                type="button"
                className="btn btn-small"
                aria-label={`Show the diff of ${name} (deleted, waiting for review)`}
                onClick={() => setReview({ messageId: change.messageId, changeId: line._id })}
              >
                Show the diff
              </button>
              <button
                type="button"
                className="btn btn-small btn-primary"
                aria-label={`Keep ${name} deleted`}
                aria-busy={busy}
                onClick={() => void act(change, "keep", after(line._id))}
              >
                Keep
              </button>
              <button
                type="button"
                className="btn btn-small"
                aria-label={`Undo the deletion of ${name}`}
                aria-busy={busy}
                onClick={() => void act(change, "undo", after(line._id))}
              >
                Undo
              </button>
            </li>
          );
        })}
      </ul>
      {deleted.length > shown.length && <p>…and {deleted.length - shown.length} more on the answers' cards in the chat.</p>}
    </div>
  );
}
