import type { StoreApi } from "zustand";
import type { AppState } from "./index";
import type { FileId } from "./tabsSlice";

/** The id of the editor's tab panel (TabBar's PANEL_ID), where focus waits while the editor loads. */
export const EDITOR_PANEL_ID = "editor-panel";

/*
 * The DOM side of the editor focus requests the tabs slice holds (`pendingEditorFocus`, numbered by
 * `editorFocusRequest`). A subscriber, so the slice's actions never touch the DOM.
 *
 * Rule: the action that asked (Enter in "Go to File", a click in the tree) may still move focus itself while it
 * finishes, in the same task (a dialog closing hands focus back); from the next task on, the focused element is
 * the baseline, and focus moving anywhere ends the request, except moves that are not the person's: into the
 * editor panel, or between the rows of the baseline's tree before any key or pointer press passed through (the
 * tree re-rendering a created row under its real id). Focus in a dialog always refuses it.
 *
 * Keys typed while a request waits (the file's text or the editor's code is still loading) belong to the file
 * being opened, not to the baseline (the tree row, or the editor of another file that Go to File handed focus
 * back to): while focus is on the baseline or on nothing, printable characters and Enter are held back
 * (the baseline never sees them) and handed to the editor with its claim, which inserts them as typed. Any
 * other key passes through; a key that moves focus ends the request. What was held is still the file's: a request
 * that ends unclaimed leaves it in the store's `typedAhead`, and the editor inserts it when it shows the file,
 * without taking focus from where the person went.
 */

class FocusRequest {
  private baseline: Element | null = null;
  /** The tree the baseline is in, kept because a re-rendered row leaves the document (see `moved`). */
  private baselineTree: Element | null = null;
  /** The asking action's task has ended and `baseline` holds the element focused then. */
  private baselineTaken = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** What was typed while waiting, in order (see the header). */
  private held = "";
  /** A key passed through, or the pointer was pressed, since the request began (see `moved`). */
  private personActed = false;

  constructor(
    readonly number: number,
    /** The file the held keys are for (follows the store's pendingEditorFocus: a reservation, a replaced id). */
    public fileId: FileId,
    private readonly onMoved: () => void,
  ) {
    if (typeof document === "undefined") return;
    this.timer = setTimeout(this.takeBaseline, 0);
    // Window, capture phase: before the tree's or CodeMirror's own handlers see the key.
    window.addEventListener("keydown", this.hold, true);
    window.addEventListener("pointerdown", this.acted, true);
  }

  /** The asking action's task is over: from now on, focus moving ends the request. */
  private readonly takeBaseline = () => {
    if (this.baselineTaken) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.baselineTaken = true;
    this.setBaseline(document.activeElement);
    document.addEventListener("focusin", this.moved, true);
  };

  private readonly hold = (event: KeyboardEvent) => {
    if (event.defaultPrevented || event.isComposing) return;
    // A key is a task of its own: the asking action is over even if the timer has not run yet (Chrome runs
    // input before timers).
    this.takeBaseline();
    if (!this.stillWanted() || event.ctrlKey || event.metaKey || event.altKey) return this.acted();
    if (event.key === "Backspace" && this.held) this.held = this.held.slice(0, -1);
    else if (event.key === "Enter") this.held += "\n";
    else if ([...event.key].length === 1) this.held += event.key;
    else return this.acted();
    event.preventDefault();
    event.stopImmediatePropagation();
  };

  private readonly moved = (event: FocusEvent) => {
    const target = event.target instanceof Element ? event.target : null;
    // Moves that are not the person's: the editor panel taking focus for the file being opened (EditorWorkspace
    // parks it there while the editor loads), and the tree moving its focus between its own rows with no key or
    // pointer in between (a created row re-rendered under the server's id). The new place becomes the baseline.
    const ownMove =
      target !== null &&
      (target.closest(`#${EDITOR_PANEL_ID}`) !== null ||
        (!this.personActed && this.baselineTree !== null && target.closest("[role=tree]") === this.baselineTree));
    if (ownMove) {
      this.setBaseline(target);
      return;
    }
    // The store ends the request; following it, the watcher keeps what was held and releases this.
    this.onMoved();
  };

  private setBaseline(element: Element | null) {
    this.baseline = element;
    this.baselineTree = element?.closest("[role=tree]") ?? null;
  }

  /** A key that was not held, or a pointer press: focus moving after it is the person's doing. */
  private readonly acted = () => {
    this.personActed = true;
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
    window.removeEventListener("pointerdown", this.acted, true);
  }
}

export interface EditorFocusRequests {
  /**
   * What the editor showing `fileId` does as it appears: null, nothing. Else it inserts `text` at its cursor (typed
   * while it loaded; often empty) and, when `focus`, takes focus first. Ends the focus request for the file.
   */
  claim: (fileId: FileId) => { focus: boolean; text: string } | null;
}

/** Follows the store's focus requests with DOM watchers: one per request, released when the request ends. */
export function watchEditorFocusRequests(store: StoreApi<AppState>): EditorFocusRequests {
  let current: FocusRequest | null = null;

  const follow = (s: AppState) => {
    // A request ending unclaimed (focus moved, a newer request) leaves what was typed for its file.
    const ended = current;
    current = null;
    if (ended) {
      const text = ended.takeHeld();
      ended.release();
      store.getState().keepTypedAhead(ended.number, ended.fileId, text);
    }
    if (s.pendingEditorFocus === null) return;
    const request: FocusRequest = new FocusRequest(s.editorFocusRequest, s.pendingEditorFocus, () =>
      store.getState().endEditorFocusRequest(request.number),
    );
    current = request;
  };

  store.subscribe((s, prev) => {
    // A new number is a new request; a request for a file that got its real id (replaceFileId) goes on.
    if (s.editorFocusRequest !== prev.editorFocusRequest || (s.pendingEditorFocus === null) !== (prev.pendingEditorFocus === null)) {
      follow(s);
    } else if (current && s.pendingEditorFocus !== null) {
      current.fileId = s.pendingEditorFocus;
    }
  });

  return {
    claim: (fileId) => {
      const s = store.getState();
      const earlier = s.takeTypedAhead(fileId);
      if (s.pendingEditorFocus !== fileId) return earlier === "" ? null : { focus: false, text: earlier };
      const request = current?.number === s.editorFocusRequest ? current : null;
      const focus = request ? request.stillWanted() : true;
      const text = earlier + (request ? request.takeHeld() : "");
      s.endEditorFocusRequest(s.editorFocusRequest);
      return focus || text !== "" ? { focus, text } : null;
    },
  };
}
