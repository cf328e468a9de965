import { Facet, Prec, StateEffect, StateField, type EditorState, type Extension } from "@codemirror/state";
import {
  Decoration,
  EditorView,
  WidgetType,
  keymap,
  showPanel,
  type DecorationSet,
  type Panel,
} from "@codemirror/view";
import { errorMessage } from "../../lib/errors";

// Quick edit: Ctrl/Cmd+K on a selection opens an instruction box; the model's rewrite is shown as an inline
// diff (the selection struck through, the replacement after it) to accept (Mod+Enter / button) or reject
// (Escape / button). Nothing changes in the document until the user accepts.

export interface QuickEditor {
  (request: { selection: string; instruction: string }): Promise<string>;
}

type Session =
  | { phase: "input" | "loading"; from: number; to: number; original: string; error?: string }
  | { phase: "review"; from: number; to: number; original: string; replacement: string };

const setSession = StateEffect.define<Session | null>();

export const quickEditField = StateField.define<Session | null>({
  create: () => null,
  update(value, tr) {
    for (const effect of tr.effects) if (effect.is(setSession)) return effect.value;
    if (value === null || !tr.docChanged) return value;
    // An edit inside the range makes the proposal stale; elsewhere the range just moves.
    let touched = false;
    tr.changes.iterChangedRanges((fromA, toA) => {
      if (fromA < value.to && toA > value.from) touched = true;
    });
    if (touched) return null;
    return { ...value, from: tr.changes.mapPos(value.from, 1), to: tr.changes.mapPos(value.to, -1) };
  },
  provide: (field) => [
    showPanel.from(field, (session) => (session === null ? null : (view) => quickEditPanel(view))),
    EditorView.decorations.from(field, (session): DecorationSet => {
      if (session === null || session.phase !== "review") return Decoration.none;
      const marks = [];
      if (session.to > session.from) marks.push(Decoration.mark({ class: "cm-ai-removed" }).range(session.from, session.to));
      marks.push(Decoration.widget({ widget: new AddedWidget(session.replacement), side: 1 }).range(session.to));
      return Decoration.set(marks);
    }),
  ],
});

class AddedWidget extends WidgetType {
  constructor(readonly text: string) {
    super();
  }
  eq(other: AddedWidget) {
    return other.text === this.text;
  }
  toDOM() {
    const span = document.createElement("span");
    span.className = "cm-ai-added";
    span.textContent = this.text;
    return span;
  }
}

const quickEditRunner = Facet.define<QuickEditor, QuickEditor | null>({ combine: (values) => values[0] ?? null });

function session(state: EditorState) {
  return state.field(quickEditField, false) ?? null;
}

export function openQuickEdit(view: EditorView): boolean {
  const range = view.state.selection.main;
  if (range.empty) return false;
  view.dispatch({
    effects: setSession.of({ phase: "input", from: range.from, to: range.to, original: view.state.sliceDoc(range.from, range.to) }),
  });
  return true;
}

export function acceptQuickEdit(view: EditorView): boolean {
  const current = session(view.state);
  if (current?.phase !== "review") return false;
  view.dispatch({
    changes: { from: current.from, to: current.to, insert: current.replacement },
    selection: { anchor: current.from, head: current.from + current.replacement.length },
    effects: setSession.of(null),
    userEvent: "input.quickedit",
  });
  view.focus();
  return true;
}

export function closeQuickEdit(view: EditorView): boolean {
  if (session(view.state) === null) return false;
  view.dispatch({ effects: setSession.of(null) });
  view.focus();
  return true;
}

async function submit(view: EditorView, instruction: string) {
  const current = session(view.state);
  const run = view.state.facet(quickEditRunner);
  if (current === null || current.phase !== "input" || !run || instruction.trim().length === 0) return;
  view.dispatch({ effects: setSession.of({ ...current, phase: "loading", error: undefined }) });
  try {
    const replacement = await run({ selection: current.original, instruction });
    const now = session(view.state);
    if (now === null || now.phase !== "loading") return;
    view.dispatch({ effects: setSession.of({ phase: "review", from: now.from, to: now.to, original: now.original, replacement }) });
  } catch (error) {
    const now = session(view.state);
    if (now === null) return;
    const message = errorMessage(error, "The quick edit failed.");
    view.dispatch({ effects: setSession.of({ phase: "input", from: now.from, to: now.to, original: now.original, error: message }) });
  }
}

function button(label: string, onClick: () => void) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

function quickEditPanel(view: EditorView): Panel {
  const dom = document.createElement("div");
  dom.className = "cm-ai-quickedit";
  dom.setAttribute("role", "region");
  dom.setAttribute("aria-label", "Quick edit");
  let shown = "";
  const render = () => {
    const current = session(view.state);
    const key = current === null ? "" : `${current.phase}\n${current.phase === "review" ? "" : (current.error ?? "")}`;
    if (key === shown) return;
    shown = key;
    if (current === null) return;
    // Rebuilding the panel removes the element that had focus (the instruction box): focus that was in the
    // panel, or nowhere, moves on, never to the page body.
    const active = document.activeElement;
    const hadFocus = dom.contains(active) || active === null || active === document.body;
    dom.replaceChildren();
    if (current.phase === "review") {
      const label = document.createElement("span");
      label.textContent = "Apply this change? (Ctrl/Cmd+Enter to accept, Escape to reject)";
      dom.append(label, button("Accept", () => acceptQuickEdit(view)), button("Reject", () => closeQuickEdit(view)));
      // The diff is in the text: the editor takes focus so its Mod+Enter / Escape keys answer it.
      if (hadFocus) queueMicrotask(() => view.focus());
      return;
    }
    const form = document.createElement("form");
    const input = document.createElement("input");
    input.placeholder = "Describe the change (Enter to run, Escape to cancel)";
    input.setAttribute("aria-label", "Quick edit instruction");
    // Read-only, not disabled, while the model works: a disabled field drops focus, and Escape there cancels.
    input.readOnly = current.phase === "loading";
    input.setAttribute("aria-busy", String(current.phase === "loading"));
    form.append(input);
    if (current.phase === "loading") {
      const busy = document.createElement("span");
      busy.textContent = " Working…";
      form.append(busy);
    }
    if (current.phase === "input" && current.error) {
      const error = document.createElement("p");
      error.className = "cm-ai-error";
      error.setAttribute("role", "alert");
      error.textContent = current.error;
      form.append(error);
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      void submit(view, input.value);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        closeQuickEdit(view);
      }
    });
    dom.append(form);
    if (current.phase === "input" || hadFocus) queueMicrotask(() => input.focus());
  };
  render();
  return { dom, top: true, update: render };
}

export function quickEdit(run: QuickEditor): Extension {
  return [
    quickEditField,
    quickEditRunner.of(run),
    Prec.highest(
      keymap.of([
        { key: "Mod-k", run: openQuickEdit },
        { key: "Mod-Enter", run: acceptQuickEdit },
        { key: "Escape", run: closeQuickEdit },
      ]),
    ),
    EditorView.baseTheme({
      ".cm-ai-removed": { textDecoration: "line-through", backgroundColor: "rgba(255, 80, 80, 0.18)" },
      ".cm-ai-added": { backgroundColor: "rgba(80, 200, 120, 0.2)", whiteSpace: "pre-wrap" },
      ".cm-ai-quickedit": { display: "flex", gap: "6px", alignItems: "center", padding: "4px 8px" },
      ".cm-ai-quickedit form": { flex: "1", display: "flex", flexWrap: "wrap", alignItems: "center" },
      ".cm-ai-quickedit input": { flex: "1", minWidth: "0" },
      ".cm-ai-error": { width: "100%", margin: "2px 0 0", color: "#d33" },
    }),
  ];
}
