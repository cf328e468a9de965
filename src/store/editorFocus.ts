import type { StoreApi } from "zustand";
import type { AppState } from "./index";
import type { FileId } from "./tabsSlice";

/*
 * The DOM side of the editor focus requests the tabs slice holds (`pendingEditorFocus`, numbered by
 * `editorFocusRequest`). A subscriber, so the slice's actions never touch the DOM.
 *
 * Rule: the action that asked (Enter in "Go to File", a click in the tree) may still move focus itself while it
 * finishes, in the same task (a dialog closing hands focus back); from the next task on, the focused element is
 * the baseline, and focus moving anywhere ends the request. Focus in a dialog always refuses it.
 */

class FocusRequest {
  private baseline: Element | null = null;
  /** The asking action's task has ended and `baseline` holds the element focused then. */
  private baselineTaken = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly number: number,
    private readonly onMoved: () => void,
  ) {
    if (typeof document === "undefined") return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.baselineTaken = true;
      this.baseline = document.activeElement;
      document.addEventListener("focusin", this.moved, true);
    }, 0);
  }

  private readonly moved = () => {
    this.release();
    this.onMoved();
  };

  /**
   * Whether taking focus now would not take it from something the person moved to. Focus on nothing (the
   * body, e.g. after the focused button was removed) takes no keystrokes, so taking it from there is harmless.
   */
  stillWanted(): boolean {
    if (typeof document === "undefined") return true;
    const active = document.activeElement;
    if (!active || active === document.body) return true;
    if (active.closest('[role="dialog"], [role="alertdialog"], [aria-modal="true"]')) return false;
    return !this.baselineTaken || active === this.baseline;
  }

  release() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (typeof document === "undefined") return;
    document.removeEventListener("focusin", this.moved, true);
  }
}

export interface EditorFocusRequests {
  /** Ends the focus request for `fileId`; true when the editor showing it should take focus now. */
  claim: (fileId: FileId) => boolean;
}

/** Follows the store's focus requests with DOM watchers: one per request, released when the request ends. */
export function watchEditorFocusRequests(store: StoreApi<AppState>): EditorFocusRequests {
  let current: FocusRequest | null = null;

  const follow = (s: AppState) => {
    current?.release();
    current = null;
    if (s.pendingEditorFocus === null) return;
    const request: FocusRequest = new FocusRequest(s.editorFocusRequest, () => {
      if (current === request) current = null;
      store.getState().endEditorFocusRequest(request.number);
    });
    current = request;
  };

  store.subscribe((s, prev) => {
    // A new number is a new request; a request for a file that got its real id (replaceFileId) goes on.
    if (s.editorFocusRequest !== prev.editorFocusRequest || (s.pendingEditorFocus === null) !== (prev.pendingEditorFocus === null)) {
      follow(s);
    }
  });

  return {
    claim: (fileId) => {
      const s = store.getState();
      if (s.pendingEditorFocus !== fileId) return false;
      const wanted = current?.number === s.editorFocusRequest ? current.stillWanted() : true;
      s.endEditorFocusRequest(s.editorFocusRequest);
      return wanted;
    },
  };
}
