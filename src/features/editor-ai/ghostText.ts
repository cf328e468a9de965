import { Prec, StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, EditorView, ViewPlugin, WidgetType, keymap, type DecorationSet, type ViewUpdate } from "@codemirror/view";

// Ghost text: after a pause in typing the editor asks for a completion at the cursor and shows it dimmed after
// the cursor. Tab accepts it, Escape dismisses it, and any edit or cursor move drops it (and discards a
// request still in flight, since Convex actions cannot be aborted).

export interface Suggester {
  (request: { prefix: string; suffix: string }): Promise<string>;
}

export const GHOST_DELAY_MS = 300;
/**
 * After this many empty answers in a row the pause before asking doubles with each further one (up to
 * MAX_DELAY_MS), and the first suggestion shown resets it. The server answers "" both when nothing fits and
 * when no provider is configured (convex/ai/suggest.ts); either way, asking at every pause would only add load.
 */
const EMPTY_ANSWERS_BEFORE_BACKOFF = 3;
const MAX_DELAY_MS = 30_000;
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

export interface GhostTextOptions {
  /** Checked before every request: false (setting off, no provider) means nothing is asked. */
  enabled?: () => boolean;
}

export function ghostText(suggest: Suggester, delayMs = GHOST_DELAY_MS, options: GhostTextOptions = {}): Extension {
  const enabled = options.enabled ?? (() => true);
  const requester = ViewPlugin.fromClass(
    class {
      private timer: ReturnType<typeof setTimeout> | undefined;
      private generation = 0;
      private emptyAnswers = 0;
      constructor(private readonly view: EditorView) {}

      update(update: ViewUpdate) {
        if (!update.docChanged && !update.selectionSet) return;
        this.cancel();
        // Only typing asks for a suggestion; moving the cursor or remote edits just drop the current one.
        const typed = update.transactions.some((tr) => tr.isUserEvent("input.type") || tr.isUserEvent("delete"));
        if (typed && enabled()) this.timer = setTimeout(() => this.request(), this.delay());
      }

      private delay() {
        const extra = this.emptyAnswers - EMPTY_ANSWERS_BEFORE_BACKOFF + 1;
        return extra > 0 ? Math.min(MAX_DELAY_MS, delayMs * 2 ** extra) : delayMs;
      }

      private cancel() {
        clearTimeout(this.timer);
        this.generation++;
      }

      private request() {
        const { state } = this.view;
        const range = state.selection.main;
        if (!range.empty || !this.view.hasFocus || !enabled()) return;
        const pos = range.head;
        const generation = ++this.generation;
        const prefix = state.sliceDoc(Math.max(0, pos - PREFIX_CHARS), pos);
        const suffix = state.sliceDoc(pos, Math.min(state.doc.length, pos + SUFFIX_CHARS));
        suggest({ prefix, suffix }).then(
          (text) => {
            this.emptyAnswers = text.length === 0 ? this.emptyAnswers + 1 : 0;
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
