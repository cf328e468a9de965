import { lazy, Suspense, useEffect, useLayoutEffect, useRef, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { ChangeLine } from "../../../convex/lib/validators";
import { useAppStore } from "../../store";
import { focusFileTree } from "../file-tree/rowDom";
import { useSyncedQuery } from "../sync";
import { useChangeAction, type ChangeActionKind, type ChangeRefusal } from "./useChangeAction";
import "./review.css";

// @codemirror/merge loads on first use, as for the editor's Compare panel.
const CompareView = lazy(() => import("../editor/CompareView"));

const KIND_TITLE = { created: "Added", edited: "Edited", moved: "Moved", deleted: "Deleted" } as const;
const STATE_NOTE = { applied: "", undone: "Undone", kept: "Kept" } as const;

/**
 * The line to review after `done` was kept or undone: the next line of the answer still applied, else the first
 * one before it; undefined when none is left.
 */
export function nextToReview(lines: readonly ChangeLine[], done: Id<"fileChanges">): ChangeLine | undefined {
  const at = lines.findIndex((l) => l._id === done);
  const open = (l: ChangeLine) => l.state === "applied" && l._id !== done;
  return lines.slice(at + 1).find(open) ?? lines.slice(0, Math.max(at, 0)).find(open);
}

/** Where focus goes once the panel closes: what opened it, else the change's line on its card, else the card. */
function focusAfterClose(opener: Element | null, changeId: string | undefined) {
  if (opener instanceof HTMLElement && opener.isConnected) {
    opener.focus();
    return;
  }
  const card = document.querySelector<HTMLElement>('[data-testid="change-card"]');
  const line = changeId === undefined ? null : document.querySelector<HTMLElement>(`[data-change="${changeId}"] .review-line-open`);
  const target = line ?? card;
  if (target !== null) target.focus();
  else focusFileTree();
}

/**
 * The diff of one change of an assistant answer, over the editor area: before the answer on the left, the file
 * now on the right (or inline), with Keep and Undo for the change while it is applied (the same server functions
 * as the answer's card). After either, the panel goes on to the answer's next change still to review, with focus
 * on its Keep; when none is left it closes. Escape or Close returns focus to what opened it (the card's line).
 */
export function ReviewPanel() {
  const review = useAppStore((s) => s.review);
  const setReview = useAppStore((s) => s.setReview);
  const opener = useRef<Element | null>(null);
  const panelRef = useRef<HTMLElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const keepRef = useRef<HTMLButtonElement>(null);
  /** The next change was shown by Keep or Undo: focus its Keep once rendered. */
  const focusKeep = useRef(false);
  const [inline, setInline] = useState(false);
  const [refusal, setRefusal] = useState<ChangeRefusal | null>(null);
  const { busy, act } = useChangeAction();
  const changeId = review?.changeId as Id<"fileChanges"> | undefined;
  const messageId = review?.messageId as Id<"messages"> | undefined;
  const texts = useSyncedQuery(api.changes.texts, changeId !== undefined ? { changeId } : "skip");
  const set = useSyncedQuery(api.changes.forMessage, messageId !== undefined ? { messageId } : "skip");

  useEffect(() => {
    if (changeId === undefined) return;
    setRefusal(null);
    // Opened from outside: remember the opener and focus Close. Going on to the next change (focus on its Keep,
    // or still on the way there) keeps both.
    const active = document.activeElement;
    if (focusKeep.current || (active !== null && panelRef.current?.contains(active))) return;
    opener.current = active;
    closeRef.current?.focus();
  }, [changeId]);

  const lines = set?.lines;
  const line = lines?.find((l) => l._id === changeId) ?? texts?.line;
  const canAct = line !== undefined && line.state === "applied";
  useLayoutEffect(() => {
    if (!focusKeep.current || !canAct) return;
    focusKeep.current = false;
    keepRef.current?.focus();
  });

  if (review === null || changeId === undefined || messageId === undefined) return null;
  const close = () => {
    const back = opener.current;
    setReview(null);
    requestAnimationFrame(() => focusAfterClose(back, changeId));
  };
  const run = async (what: ChangeActionKind) => {
    setRefusal(null);
    const done = await act({ messageId, changeId }, what, setRefusal);
    if (!done) return;
    const next = lines === undefined ? undefined : nextToReview(lines, changeId);
    if (next === undefined) {
      close();
      return;
    }
    focusKeep.current = true;
    setReview({ messageId, changeId: next._id });
  };
  const name = line?.path.split("/").pop() ?? "";
  const state = line === undefined ? "" : STATE_NOTE[line.state];
  return (
    <section
      className="review-panel"
      aria-label="Change review"
      ref={panelRef}
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          close();
        }
      }}
    >
      <header className="review-panel-head">
        <h2>
          {line ? `${KIND_TITLE[line.kind]}: ${line.fromPath !== undefined ? `${line.fromPath} → ` : ""}${line.path}` : "Loading the change…"}
        </h2>
        {state && <span className="review-state">{state}</span>}
        {canAct && (
          <>
            <button
              type="button"
              className="btn btn-small btn-primary"
              ref={keepRef}
              aria-busy={busy}
              aria-label={`Keep ${line.path}`}
              onClick={() => void run("keep")}
            >
              Keep
            </button>
            <button type="button" className="btn btn-small" aria-busy={busy} aria-label={`Undo ${line.path}`} onClick={() => void run("undo")}>
              Undo
            </button>
          </>
        )}
        <label>
          <input type="checkbox" checked={inline} onChange={(e) => setInline(e.target.checked)} /> Inline
        </label>
        <button type="button" className="btn btn-small" ref={closeRef} onClick={close}>
          Close
        </button>
      </header>
      {refusal !== null && (
        <div className="review-refusal" role="alert">
          <span>{refusal.message}</span>
          {refusal.canKeepBoth && canAct && (
            <button type="button" className="btn btn-small" onClick={() => void run("keepBoth")}>
              Keep both
            </button>
          )}
        </div>
      )}
      <div className="review-panel-body">
        {texts === undefined ? null : texts.binary ? (
          <p className="review-panel-note">This is a binary or very large file; there is no text diff to show.</p>
        ) : texts.line.type === "folder" ? (
          <p className="review-panel-note">A folder has no content to compare.</p>
        ) : (
          <Suspense fallback={<p className="review-panel-note">Loading the diff…</p>}>
            <CompareView
              theirs={texts.before}
              mine={texts.after}
              fileName={name}
              labels={[texts.line.state === "undone" ? "Now (undone)" : "Before the answer", texts.line.state === "undone" ? "What the answer wrote" : "Now"]}
              inline={inline}
            />
          </Suspense>
        )}
      </div>
    </section>
  );
}
