import { EditorState, Text, Transaction } from "@codemirror/state";
import { describe, expect, it } from "vitest";
import { reviewLineMarks, reviewMarks, reviewMarksOf, setReviewBase } from "./reviewMarks";

const text = (s: string) => Text.of(s.split("\n"));
const marks = (state: EditorState) => reviewMarksOf(state).map((m) => `${m.line} ${m.kind}`);

describe("reviewLineMarks", () => {
  it("names the lines added, the lines changed and the line below removed ones", () => {
    const before = text("a\nb\nc\nd\ne\n");
    const after = text("a\nB\nc\nnew 1\nnew 2\nd\n");
    // b → B changed; two lines added after c; e removed at the end (the mark sits on the last, empty line).
    expect(reviewLineMarks(before, after)).toEqual([
      { line: 2, kind: "changed" },
      { line: 4, kind: "added" },
      { line: 5, kind: "added" },
      { line: 7, kind: "removed" },
    ]);
  });

  it("marks every line of a created file (nothing before) as added, and none of an unchanged one", () => {
    expect(reviewLineMarks(text(""), text("x\ny"))).toEqual([
      { line: 1, kind: "added" },
      { line: 2, kind: "added" },
    ]);
    expect(reviewLineMarks(text("same\n"), text("same\n"))).toEqual([]);
  });

  it("stays line-exact on a large file with one changed line", () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i} ${"x".repeat(40)}`);
    const changed = [...lines];
    changed[12_345] = "the assistant's line";
    expect(reviewLineMarks(Text.of(lines), Text.of(changed))).toEqual([{ line: 12_346, kind: "changed" }]);
  });
});

describe("reviewMarks field", () => {
  const start = (doc: string) => EditorState.create({ doc, extensions: reviewMarks() });

  it("marks once the text before is set, and clears with null", () => {
    let state = start("one\nTWO\nthree\n");
    expect(marks(state)).toEqual([]);
    state = state.update({ effects: setReviewBase.of("one\ntwo\nthree\n") }).state;
    expect(marks(state)).toEqual(["2 changed"]);
    state = state.update({ effects: setReviewBase.of(null) }).state;
    expect(marks(state)).toEqual([]);
  });

  it("maps the marks along the person's edits without diffing again, and diffs again on a change from elsewhere", () => {
    let state = start("one\nTWO\nthree\n").update({ effects: setReviewBase.of("one\ntwo\nthree\n") }).state;
    // A line typed above moves the mark down.
    state = state.update({ changes: { from: 0, insert: "zero\n" }, userEvent: "input.type" }).state;
    expect(marks(state)).toEqual(["3 changed"]);
    // Typing the line back to its old text keeps the mark: the person's keystrokes are mapped, never diffed.
    const two = state.doc.line(3);
    state = state.update({ changes: { from: two.from, to: two.to, insert: "two" }, userEvent: "input.type" }).state;
    expect(marks(state)).toEqual(["3 changed"]);
    // A change from elsewhere (the file saved in another window, the assistant's edit arriving) is diffed again.
    state = state.update({ changes: { from: state.doc.length, insert: "four\n" }, annotations: Transaction.remote.of(true) }).state;
    expect(marks(state)).toEqual(["1 added", "5 added"]);
  });
});
