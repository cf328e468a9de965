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
 *
 * Keys typed while a request waits (the file's text or the editor's code is still loading) belong to the file
 * being opened, not to the baseline (the tree row, or the editor of another file that Go to File handed focus
 * back to): while focus is on the baseline or on nothing, printable characters and Enter are held back
 * (the baseline never sees them) and handed to the editor with its claim, which inserts them as typed. Any
 * other key passes through; a key that moves focus ends the request, and what was held is dropped with it.
 */

class FocusRequest {
  private baseline: Element | null = null;
  /** The asking action's task has ended and `baseline` holds the element focused then. */
  private baselineTaken = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** What was typed while waiting, in order (see the header). */
  private held = "";

  constructor(
    readonly number: number,
    private readonly onMoved: () => void,
  ) {
    if (typeof document === "undefined") return;
    this.timer = setTimeout(this.takeBaseline, 0);
    // Window, capture phase: before the tree's or CodeMirror's own handlers see the key.
    window.addEventListener("keydown", this.hold, true);
  }

  /** The asking action's task is over: from now on, focus moving ends the request. */
  private readonly takeBaseline = () => {
    if (this.baselineTaken) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.baselineTaken = true;
    this.baseline = document.activeElement;
    document.addEventListener("focusin", this.moved, true);
  };

  private readonly hold = (event: KeyboardEvent) => {
    if (event.defaultPrevented || event.isComposing) return;
    // A key is a task of its own: the asking action is over even if the timer has not run yet (Chrome runs
    // input before timers).
    this.takeBaseline();
    if (!this.stillWanted() || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Backspace" && this.held) this.held = this.held.slice(0, -1);
    else if (event.key === "Enter") this.held += "\n";
    else if ([...event.key].length === 1) this.held += event.key;
    else return;
    event.preventDefault();
    event.stopImmediatePropagation();
  };

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

  /** The keys held so far; they are given once. */
  takeHeld(): string {
    const held = this.held;
    this.held = "";
    return held;
  }

  release() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.held = "";
    if (typeof document === "undefined") return;
    document.removeEventListener("focusin", this.moved, true);
    window.removeEventListener("keydown", this.hold, true);
  }
}

export interface EditorFocusRequests {
  /**
   * Ends the focus request for `fileId`. null: the editor showing it must not take focus. A string: it takes
   * focus now and inserts this text at its cursor (what was typed while it loaded; often empty).
   */
  claim: (fileId: FileId) => string | null;
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
      if (s.pendingEditorFocus !== fileId) return null;
      const request = current?.number === s.editorFocusRequest ? current : null;
      const wanted = request ? request.stillWanted() : true;
      const typed = wanted && request ? request.takeHeld() : "";
      s.endEditorFocusRequest(s.editorFocusRequest);
      return wanted ? typed : null;
    },
  };
}
