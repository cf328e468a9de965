import { ConvexError } from "convex/values";
import { useLayoutEffect, useRef, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { ChangeLine, ChangeOperation } from "../../../convex/lib/validators";
import { useAppStore } from "../../store";
import { useLiveWrite, useSyncedQuery } from "../sync";
import { changeRefusalOf, useChangeAction, type ChangeActionKind } from "./useChangeAction";
import "./review.css";

// The change set of one assistant answer, under the answer in the chat: a line per file with its +/− counts,
// opening the diff in the editor area; Keep / Undo per file and for the whole answer; Restore to here (and its
// undo). Every action is one server operation (convex/changes.ts); a refusal is shown in the card, with "Keep
// both" when that can help. An undo or restore too large for one transaction carries on in steps on the server:
// every window's card shows how far it got, and its refusal if it stopped (and took back what it had done).

/** The tools whose calls change files: an answer with none of them has no change set to show. */
const WRITING_TOOLS = new Set(["create_file", "create_folder", "edit_file", "write_file", "move_file", "delete_file"]);

export function answerChangedFiles(activity: readonly { tool: string; ok: boolean }[] | undefined): boolean {
  return activity?.some((a) => a.ok && WRITING_TOOLS.has(a.tool)) ?? false;
}

const KIND_LABEL: Record<ChangeLine["kind"], string> = { created: "added", edited: "edited", moved: "moved", deleted: "deleted" };
const STATE_LABEL: Record<ChangeLine["state"], string> = { applied: "", undone: "undone", kept: "kept" };

interface Refusal {
  message: string;
  /** The change "Keep both" retries, when the server said it can help. */
  keepBoth?: Id<"fileChanges">;
}

function refusalOf(error: unknown, lines: readonly ChangeLine[]): Refusal {
  const { message, canKeepBoth } = changeRefusalOf(error);
  const data: unknown = error instanceof ConvexError ? error.data : null;
  const path = typeof data === "object" && data !== null ? (data as { path?: unknown }).path : undefined;
  const line = canKeepBoth ? lines.find((l) => l.path === path || l.fromPath === path) : undefined;
  return { message, keepBoth: line?._id };
}

const OPERATION_LABEL: Record<ChangeOperation["kind"], string> = { undo: "Undoing", restore: "Restoring", undoRestore: "Undoing the restore" };

/** What the card says of an operation still running on the server. */
function progressOf(op: ChangeOperation) {
  return op.status === "rollingBack"
    ? `Stopped; taking back what was done (${op.done} left)…`
    : `${OPERATION_LABEL[op.kind]}… ${op.done} of ${op.total} changes`;
}

export function ChangeCard({ messageId, answering }: { messageId: Id<"messages">; answering: boolean }) {
  const set = useSyncedQuery(api.changes.forMessage, { messageId });
  const undo = useLiveWrite(api.changes.undo);
  const keep = useLiveWrite(api.changes.keep);
  const restore = useLiveWrite(api.changes.restore);
  const undoRestore = useLiveWrite(api.changes.undoRestore);
  const setReview = useAppStore((s) => s.setReview);
  const [answerBusy, setBusy] = useState(false);
  // One file's Keep / Undo / Keep both, as the review panel and the review bar do them.
  const { busy: changeBusy, act } = useChangeAction();
  const busy = answerBusy || changeBusy;
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const cardRef = useRef<HTMLElement>(null);

  /**
   * After an action its button may vanish (Undo, Keep, Restore to here): once the render that removes it is done,
   * focus that dropped to the page goes to the line's file button (always there), else the card.
   */
  const pendingFocus = useRef<Id<"fileChanges"> | null | undefined>(undefined);
  useLayoutEffect(() => {
    if (pendingFocus.current === undefined || busy) return;
    const card = cardRef.current;
    const active = document.activeElement;
    if (card === null) return;
    if (active !== null && active !== document.body && active.isConnected) {
      // Focus is somewhere live: keep watching while it is in the card (its button may vanish with the next
      // result), stop once the person has moved on.
      if (!card.contains(active)) pendingFocus.current = undefined;
      return;
    }
    const changeId = pendingFocus.current;
    pendingFocus.current = undefined;
    const target =
      (changeId !== null && card.querySelector<HTMLElement>(`[data-change="${changeId}"] .review-line-open`)) ||
      card.querySelector<HTMLElement>(".review-line-open") ||
      card;
    target.focus();
  });
  const refocus = (changeId?: Id<"fileChanges">) => {
    pendingFocus.current = changeId ?? null;
  };

  if (set === undefined || set.lines.length === 0) return null;
  const { lines, restoredHere, operation } = set;
  // A refusal from this window's last action, else the one the project's last large operation on this answer ended with.
  const shown =
    refusal ?? (operation?.status === "failed" && operation.error !== undefined ? refusalOf(new ConvexError(operation.error), lines) : null);
  const applied = lines.filter((l) => l.state === "applied");
  const waiting = lines.filter((l) => l.pending === true).length;
  const added = lines.reduce((n, l) => n + l.added, 0);
  const removed = lines.reduce((n, l) => n + l.removed, 0);

  // Buttons are not disabled while an action runs (disabling the focused one would drop focus to the page).
  /** An action on the whole answer. */
  const run = async (action: () => Promise<unknown>) => {
    if (busy) return;
    setBusy(true);
    setRefusal(null);
    try {
      await action();
    } catch (error) {
      setRefusal(refusalOf(error, lines));
    } finally {
      setBusy(false);
      refocus();
    }
  };
  /** An action on one file's change. */
  const runOn = async (changeId: Id<"fileChanges">, what: ChangeActionKind) => {
    if (busy) return;
    setRefusal(null);
    // Asked before the action starts: the render that ends it (useChangeAction's) may come before this resumes.
    refocus(changeId);
    await act({ messageId, changeId }, what, (refused) =>
      setRefusal({ message: refused.message, keepBoth: refused.canKeepBoth ? changeId : undefined }),
    );
  };

  const disabled = answering;
  return (
    <section className="review-card" aria-label="Changed files" aria-busy={busy} ref={cardRef} tabIndex={-1} data-testid="change-card">
      <header className="review-card-head">
        <span className="review-card-title">
          {lines.length} {lines.length === 1 ? "file" : "files"} changed
          <span className="review-added"> +{added}</span>
          <span className="review-removed"> −{removed}</span>
          {waiting > 0 && <span className="review-waiting"> · {waiting} waiting for review</span>}
        </span>
        <span className="review-card-actions">
          {applied.length > 0 && (
            <>
              <button type="button" className="btn btn-small" disabled={disabled} onClick={() => void run(() => keep({ messageId }))}>
                Keep all
              </button>
              <button type="button" className="btn btn-small" disabled={disabled} onClick={() => void run(() => undo({ messageId }))}>
                Undo all
              </button>
            </>
          )}
          {restoredHere ? (
            <button type="button" className="btn btn-small" disabled={disabled} onClick={() => void run(() => undoRestore({ messageId }))}>
              Undo restore
            </button>
          ) : (
            <button
              type="button"
              className="btn btn-small"
              disabled={disabled}
              title="Undo this answer and every later one still applied, bringing the project back to how it was before this answer; changes you kept stay"
              onClick={() => void run(() => restore({ messageId }))}
            >
              Restore to here
            </button>
          )}
        </span>
      </header>
      <ul className="review-lines">
        {lines.map((line) => (
          <li key={line._id} className={`review-line review-line-${line.state}`} data-change={line._id}>
            <button
              type="button"
              className="review-line-open"
              aria-label={`Show the diff of ${line.path} (${KIND_LABEL[line.kind]}, ${line.added} added, ${line.removed} removed lines${line.pending ? ", waiting for review" : ""})`}
              onClick={() => setReview({ messageId, changeId: line._id })}
            >
              <span className="review-kind">{KIND_LABEL[line.kind]}</span>
              <code className="review-path">
                {line.fromPath !== undefined ? `${line.fromPath} → ` : ""}
                {line.path}
                {line.type === "folder" ? "/" : ""}
              </code>
              {line.type === "file" && !line.binary && (
                <span className="review-counts">
                  <span className="review-added">+{line.added}</span> <span className="review-removed">−{line.removed}</span>
                </span>
              )}
            </button>
            {line.pending && <span className="review-state review-waiting">waiting for review</span>}
            {line.state === "applied" ? (
              <span className="review-line-actions">
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={disabled}
                  aria-label={`Keep ${line.path}`}
                  onClick={() => void runOn(line._id, "keep")}
                >
                  Keep
                </button>
                <button
                  type="button"
                  className="btn btn-small"
                  disabled={disabled}
                  aria-label={`Undo ${line.path}`}
                  onClick={() => void runOn(line._id, "undo")}
                >
                  Undo
                </button>
              </span>
            ) : (
              <span className="review-state">{STATE_LABEL[line.state]}</span>
            )}
          </li>
        ))}
      </ul>
      {operation !== undefined && operation.status !== "failed" && (
        <div className="review-progress" role="status">
          {progressOf(operation)}
        </div>
      )}
      {shown !== null && (
        <div className="review-refusal" role="alert">
          <span>{shown.message}</span>
          {shown.keepBoth !== undefined && (
            <button
              type="button"
              className="btn btn-small"
              disabled={disabled}
              onClick={() => void runOn(shown.keepBoth!, "keepBoth")}
            >
              Keep both
            </button>
          )}
        </div>
      )}
    </section>
  );
}
