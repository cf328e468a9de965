import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useAppStore } from "../../store";
import { useSyncedQuery } from "../sync";
import "./review.css";

// @codemirror/merge loads on first use, as for the editor's Compare panel.
const CompareView = lazy(() => import("../editor/CompareView"));

const KIND_TITLE = { created: "Added", edited: "Edited", moved: "Moved", deleted: "Deleted" } as const;

/**
 * The diff of one change of an assistant answer, over the editor area: before the answer on the left, the file
 * now on the right (or inline). Escape or Close returns focus to the line that opened it.
 */
export function ReviewPanel() {
  const review = useAppStore((s) => s.review);
  const setReview = useAppStore((s) => s.setReview);
  const opener = useRef<Element | null>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const [inline, setInline] = useState(false);
  const changeId = review?.changeId as Id<"fileChanges"> | undefined;
  const texts = useSyncedQuery(api.changes.texts, changeId !== undefined ? { changeId } : "skip");

  useEffect(() => {
    if (changeId === undefined) return;
    opener.current = document.activeElement;
    closeRef.current?.focus();
  }, [changeId]);

  if (review === null) return null;
  const close = () => {
    const back = opener.current;
    setReview(null);
    requestAnimationFrame(() => {
      if (back instanceof HTMLElement && back.isConnected) back.focus();
      else document.querySelector<HTMLElement>('[data-testid="change-card"]')?.focus();
    });
  };
  const line = texts?.line;
  const name = line?.path.split("/").pop() ?? "";
  return (
    <section
      className="review-panel"
      aria-label="Change review"
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          close();
        }
      }}
    >
      <header className="review-panel-head">
        <h2>{line ? `${KIND_TITLE[line.kind]}: ${line.fromPath !== undefined ? `${line.fromPath} → ` : ""}${line.path}` : "Loading the change…"}</h2>
        <label>
          <input type="checkbox" checked={inline} onChange={(e) => setInline(e.target.checked)} /> Inline
        </label>
        <button type="button" className="btn btn-small" ref={closeRef} onClick={close}>
          Close
        </button>
      </header>
      <div className="review-panel-body">
        {texts === undefined ? null : texts.binary ? (
          <p className="review-panel-note">This is a binary or very large file; there is no text diff to show.</p>
        ) : line?.type === "folder" ? (
          <p className="review-panel-note">A folder has no content to compare.</p>
        ) : (
          <Suspense fallback={<p className="review-panel-note">Loading the diff…</p>}>
            <CompareView
              theirs={texts.before}
              mine={texts.after}
              fileName={name}
              labels={[line?.state === "undone" ? "Now (undone)" : "Before the answer", line?.state === "undone" ? "What the answer wrote" : "Now"]}
              inline={inline}
            />
          </Suspense>
        )}
      </div>
    </section>
  );
}
