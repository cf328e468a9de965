import { Prec, StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, WidgetType, keymap, type DecorationSet, type ViewUpdate } from "@codemirror/view";

// Ghost text: after a pause in typing the editor asks for a completion at the cursor and shows it dimmed after
// the cursor. Tab accepts it, Escape dismisses it, and any edit or cursor move drops it (and discards a
// request still in flight, since Convex actions cannot be aborted).

export interface Suggester {
  (request: { prefix: string; suffix: string }): Promise<string>;
}

export const GHOST_DELAY_MS = 300;
const PREFIX_CHARS = 4000;
const SUFFIX_CHARS = 1000;

interface Ghost {
  pos: number;
  text: string;
}

const setGhost = StateEffect.define<Ghost | null>();

class GhostWidget extends WidgetType {
  constructor(readonly text: string) {
    super();
  }
  eq(other: GhostWidget) {
    return other.text === this.text;
  }
  toDOM() {
    const span = document.createElement("span");
    span.className = "cm-ai-ghost";
    span.setAttribute("aria-hidden", "true");
    span.textContent = this.text;
    return span;
  }
  ignoreEvent() {
    return false;
  }
}

export const ghostField = StateField.define<Ghost | null>({
  create: () => null,
  update(value, tr) {
    for (const effect of tr.effects) if (effect.is(setGhost)) return effect.value;
    if (value !== null && (tr.docChanged || tr.selection)) return null;
    return value;
  },
  provide: (field) =>
    EditorView.decorations.from(field, (ghost): DecorationSet =>
      ghost === null ? Decoration.none : Decoration.set([Decoration.widget({ widget: new GhostWidget(ghost.text), side: 1 }).range(ghost.pos)]),
    ),
});

/** Accepts the suggestion shown: inserts it and puts the cursor after it. */
export function acceptGhost(view: EditorView): boolean {
  const ghost = view.state.field(ghostField, false);
  if (!ghost) return false;
  view.dispatch({
    changes: { from: ghost.pos, insert: ghost.text },
    selection: { anchor: ghost.pos + ghost.text.length },
    effects: setGhost.of(null),
    userEvent: "input.complete",
  });
  return true;
}

export function dismissGhost(view: EditorView): boolean {
  if (!view.state.field(ghostField, false)) return false;
  view.dispatch({ effects: setGhost.of(null) });
  return true;
}

export function ghostText(suggest: Suggester, delayMs = GHOST_DELAY_MS): Extension {
  const requester = ViewPlugin.fromClass(
    class {
      private timer: ReturnType<typeof setTimeout> | undefined;
      private generation = 0;
      constructor(private readonly view: EditorView) {}

      update(update: ViewUpdate) {
        if (!update.docChanged && !update.selectionSet) return;
        this.cancel();
        // Only typing asks for a suggestion; moving the cursor or remote edits just drop the current one.
        const typed = update.transactions.some((tr) => tr.isUserEvent("input.type") || tr.isUserEvent("delete"));
        if (typed) this.timer = setTimeout(() => this.request(), delayMs);
      }

      private cancel() {
        clearTimeout(this.timer);
        this.generation++;
      }

      private request() {
        const { state } = this.view;
        const range = state.selection.main;
        if (!range.empty || !this.view.hasFocus) return;
        const pos = range.head;
        const generation = ++this.generation;
        const prefix = state.sliceDoc(Math.max(0, pos - PREFIX_CHARS), pos);
        const suffix = state.sliceDoc(pos, Math.min(state.doc.length, pos + SUFFIX_CHARS));
        suggest({ prefix, suffix }).then(
          (text) => {
            if (generation !== this.generation || text.length === 0) return;
            if (this.view.state.selection.main.head !== pos) return;
            this.view.dispatch({ effects: setGhost.of({ pos, text }) });
          },
          () => {
            // Suggestions are best effort: a failure shows nothing rather than interrupting typing.
          },
        );
      }

      destroy() {
        this.cancel();
      }
    },
  );
  return [
    ghostField,
    requester,
    Prec.highest(
      keymap.of([
        { key: "Tab", run: acceptGhost },
        { key: "Escape", run: dismissGhost },
      ]),
    ),
    EditorView.baseTheme({
      ".cm-ai-ghost": { opacity: "0.45", fontStyle: "italic", whiteSpace: "pre" },
    }),
  ];
}
