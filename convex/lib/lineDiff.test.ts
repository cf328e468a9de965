import { describe, expect, it } from "vitest";
import { lineCounts, MAX_DIFFED_LINES } from "./lineDiff";

describe("lineCounts", () => {
  it("counts added and removed lines of an edit, a create and a delete", () => {
    expect(lineCounts("a\nb\nc\n", "a\nB\nc\nd\n")).toEqual({ added: 2, removed: 1 });
    expect(lineCounts("", "x\ny\n")).toEqual({ added: 2, removed: 0 });
    expect(lineCounts("x\ny", "")).toEqual({ added: 0, removed: 2 });
    expect(lineCounts("same\n", "same\n")).toEqual({ added: 0, removed: 0 });
  });

  it("finds a moved line inside a changed middle, and counts a middle past the cap as replaced whole", () => {
    expect(lineCounts("h\n1\n2\n3\nt\n", "h\n2\n3\n1\nt\n")).toEqual({ added: 1, removed: 1 });
    const big = Array.from({ length: MAX_DIFFED_LINES + 1 }, (_, i) => `l${i}`);
    const changed = big.map((l) => `${l}x`);
    expect(lineCounts(`h\n${big.join("\n")}\nt`, `h\n${changed.join("\n")}\nt`)).toEqual({
      added: MAX_DIFFED_LINES + 1,
      removed: MAX_DIFFED_LINES + 1,
    });
  });
});
