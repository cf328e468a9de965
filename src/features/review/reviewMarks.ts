import { Chunk, diff } from "@codemirror/merge";
import { RangeSet, RangeSetBuilder, StateEffect, StateField, Text, Transaction, type EditorState, type Extension } from "@codemirror/state";
import { Decoration, EditorView, GutterMarker, gutter, type DecorationSet } from "@codemirror/view";

// The editor's marks for an assistant change waiting for review, as VS Code's diff gutter shows a file's changes:
// a bar in the gutter and a tint on each line the assistant added or changed, compared with the file's text before
// the answer, and a wedge where it removed lines. The diff (@codemirror/merge's, the review panel's own, over lines) is
// computed when the text before the answer is set, and again only when the file changes elsewhere (a remote
// change); the person's own edits map the marks along, so typing in a large file costs no diff.

export type ReviewMarkKind = "added" | "changed" | "removed";

/** Gives up exact diffing past this many changed lines in a range, and after this long (ms): the marks stay line-exact. */
const DIFF_CONFIG = { scanLimit: 5000, timeout: 200 };

/** The first code unit past the UTF-16 surrogates: a line diff handles at most this many distinct lines. */
const MAX_DISTINCT_LINES = 0xffff - 0x800;

/**
 * Both texts with each distinct line replaced by one character, so the library's diff compares lines, not
 * characters (the way diff-match-patch's linesToChars does): line-exact, and it scans lines rather than every
 * character of a large file. Null past MAX_DISTINCT_LINES distinct lines.
 */
function linesAsChars(a: Text, b: Text): [string, string] | null {
  const codes = new Map<string, string>();
  const encode = (text: Text) => {
    const out: string[] = [];
    for (const iter = text.iterLines(); !iter.next().done; ) {
      let code = codes.get(iter.value);
      if (code === undefined) {
        if (codes.size >= MAX_DISTINCT_LINES) return null;
        const n = codes.size;
        code = String.fromCharCode(n < 0xd800 ? n : n + 0x800);
        codes.set(iter.value, code);
      }
      out.push(code);
    }
    return out.join("");
  };
  const encodedA = encode(a);
  const encodedB = encodedA === null ? null : encode(b);
  return encodedA === null || encodedB === null ? null : [encodedA, encodedB];
}

/** The changed ranges as 0-based line ranges [fromA, toA) → [fromB, toB). */
function lineChanges(before: Text, doc: Text): { fromA: number; toA: number; fromB: number; toB: number }[] {
  const encoded = linesAsChars(before, doc);
  if (encoded !== null) return [...diff(encoded[0], encoded[1], DIFF_CONFIG)];
  // Too many distinct lines for one character each: the library's chunks of a character diff, in lines.
  return Chunk.build(before, doc, DIFF_CONFIG).map((chunk) => {
    const lineA = (pos: number) => before.lineAt(Math.min(pos, before.length)).number - 1;
    const lineB = (pos: number) => doc.lineAt(Math.min(pos, doc.length)).number - 1;
    return {
      fromA: lineA(chunk.fromA),
      toA: chunk.fromA === chunk.toA ? lineA(chunk.fromA) : lineA(chunk.endA) + 1,
      fromB: lineB(chunk.fromB),
      toB: chunk.fromB === chunk.toB ? lineB(chunk.fromB) : lineB(chunk.endB) + 1,
    };
  });
}

/**
 * The lines of `doc` (1-based, ascending) the assistant added or changed against `before`, and the line below
 * which it removed lines ("removed"; a line both changed and below a removal is "changed").
 */
export function reviewLineMarks(before: Text, doc: Text): { line: number; kind: ReviewMarkKind }[] {
  const marks = new Map<number, ReviewMarkKind>();
  // Nothing before (a created file): every line is added, not the one empty line changed.
  const changes = before.length === 0 ? (doc.length === 0 ? [] : [{ fromA: 0, toA: 0, fromB: 0, toB: doc.lines }]) : lineChanges(before, doc);
  for (const change of changes) {
    if (change.fromB === change.toB) {
      const line = Math.min(change.fromB + 1, doc.lines);
      if (!marks.has(line)) marks.set(line, "removed");
      continue;
    }
    const kind = change.fromA === change.toA ? "added" : "changed";
    for (let line = change.fromB + 1; line <= change.toB; line++) marks.set(line, kind);
  }
  return [...marks].sort((a, b) => a[0] - b[0]).map(([line, kind]) => ({ line, kind }));
}

const TITLE: Record<ReviewMarkKind, string> = {
  added: "Added by the assistant, waiting for review",
  changed: "Changed by the assistant, waiting for review",
  removed: "Lines removed here by the assistant, waiting for review",
};

class ReviewGutterMarker extends GutterMarker {
  constructor(readonly kind: ReviewMarkKind) {
    super();
  }
  eq(other: ReviewGutterMarker) {
    return other.kind === this.kind;
  }
  toDOM() {
    const span = document.createElement("span");
    span.className = `cm-review-mark cm-review-mark-${this.kind}`;
    span.title = TITLE[this.kind];
    return span;
  }
}

const MARKERS = { added: new ReviewGutterMarker("added"), changed: new ReviewGutterMarker("changed"), removed: new ReviewGutterMarker("removed") };
const LINES = {
  added: Decoration.line({ class: "cm-review-line-added" }),
  changed: Decoration.line({ class: "cm-review-line-changed" }),
};

interface ReviewMarksValue {
  /** The file's text before the answer; null when nothing waits for review. */
  before: Text | null;
  lines: DecorationSet;
  gutter: RangeSet<GutterMarker>;
}

const NONE: ReviewMarksValue = { before: null, lines: Decoration.none, gutter: RangeSet.empty as RangeSet<GutterMarker> };

/** Sets the text before the answer whose change waits for review (null: none waits, no marks). */
export const setReviewBase = StateEffect.define<string | null>();

function build(before: Text | null, doc: Text): ReviewMarksValue {
  if (before === null) return NONE;
  const lines = new RangeSetBuilder<Decoration>();
  const markers = new RangeSetBuilder<GutterMarker>();
  for (const mark of reviewLineMarks(before, doc)) {
    const from = doc.line(mark.line).from;
    if (mark.kind !== "removed") lines.add(from, from, LINES[mark.kind]);
    markers.add(from, from, MARKERS[mark.kind]);
  }
  return { before, lines: lines.finish(), gutter: markers.finish() };
}

/** The marks of the state's document: which lines the assistant added, changed, or removed lines above. */
export const reviewMarksField = StateField.define<ReviewMarksValue>({
  create: () => NONE,
  update(value, tr) {
    let next = value;
    for (const effect of tr.effects) {
      if (effect.is(setReviewBase)) next = build(effect.value === null ? null : Text.of(effect.value.split("\n")), tr.state.doc);
    }
    if (next !== value || !tr.docChanged || value.before === null) return next;
    // A change from elsewhere may be the assistant's own (its edit arriving after the marks were set): diff again.
    if (tr.annotation(Transaction.remote) === true) return build(value.before, tr.state.doc);
    return { before: value.before, lines: value.lines.map(tr.changes), gutter: value.gutter.map(tr.changes) };
  },
  provide: (field) => EditorView.decorations.from(field, (value) => value.lines),
});

/** Lines of the state marked (for tests and the e2e's checks): 1-based line number → kind. */
export function reviewMarksOf(state: EditorState) {
  const value = state.field(reviewMarksField, false);
  const out: { line: number; kind: ReviewMarkKind }[] = [];
  if (value === undefined) return out;
  value.gutter.between(0, state.doc.length, (from, _to, marker) => {
    out.push({ line: state.doc.lineAt(from).number, kind: (marker as ReviewGutterMarker).kind });
  });
  return out;
}

const theme = EditorView.baseTheme({
  ".cm-review-gutter": { width: "4px", paddingLeft: "1px" },
  ".cm-review-gutter .cm-gutterElement": { padding: "0" },
  ".cm-review-mark": { display: "block", height: "100%", width: "3px" },
  ".cm-review-mark-added": { backgroundColor: "var(--success, #2da44e)" },
  ".cm-review-mark-changed": { backgroundColor: "var(--accent, #0969da)" },
  // A wedge at the top edge of the line below removed lines.
  ".cm-review-mark-removed": {
    height: "0",
    width: "0",
    borderTop: "4px solid transparent",
    borderLeft: "4px solid var(--danger, #cf222e)",
    borderBottom: "4px solid transparent",
    marginTop: "-4px",
  },
  ".cm-review-line-added": { backgroundColor: "color-mix(in srgb, var(--success, #2da44e) 10%, transparent)" },
  ".cm-review-line-changed": { backgroundColor: "color-mix(in srgb, var(--accent, #0969da) 10%, transparent)" },
  "@media (forced-colors: active)": {
    ".cm-review-mark-added, .cm-review-mark-changed": { backgroundColor: "Highlight", forcedColorAdjust: "none" },
    ".cm-review-mark-removed": { borderLeftColor: "Highlight", forcedColorAdjust: "none" },
  },
});

/** The marks' field, their line tints and their gutter, in every editor state (empty until setReviewBase). */
export function reviewMarks(): Extension {
  return [
    reviewMarksField,
    gutter({ class: "cm-review-gutter", markers: (view) => view.state.field(reviewMarksField).gutter }),
    theme,
  ];
}
