import { describe, expect, it } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import { compileSearch } from "../../../convex/lib/search";
import { replaceAllQuestion } from "./SearchPanel";
import { replaceButtonLabel } from "./SearchResults";
import { MAX_RESULTS } from "./useProjectSearch";

describe("replaceButtonLabel", () => {
  it("says a line row's button replaces only the first match when its line has more, as compileSearch's replace one does", () => {
    const text = "foo and foo\nfoo once";
    const search = compileSearch({ query: "foo" });
    const found = search.find(text);
    const file = { fileId: "f1" as Id<"files">, path: "a.ts", lines: found.lines, matches: found.matches, more: false, unsaved: false };
    const [twice, once] = found.lines;
    expect(replaceButtonLabel({ kind: "line", file, match: twice })).toBe("Replace the first match on line 1");
    expect(search.replace(text, "X", { line: 1 }).text).toBe("X and foo\nfoo once");
    expect(replaceButtonLabel({ kind: "line", file, match: once })).toBe("Replace on line 2");
    expect(replaceButtonLabel({ kind: "file", file })).toBe("Replace in a.ts");
  });
});

describe("replaceAllQuestion", () => {
  const file = (path: string) => ({ fileId: path as Id<"files">, path, revision: 1, before: "foo", after: "bar", count: 1 });
  const plan = { matches: 3, files: [file("a.ts"), file("b.ts")] };

  it("asks plainly after a search that finished", () => {
    expect(replaceAllQuestion(plan, "bar", null)).toBe("Replace 3 matches in 2 files with “bar”? You can undo it with Undo replace until this page is reloaded.");
  });

  it("says a search cut off at the limit changes only the files found", () => {
    const question = replaceAllQuestion(plan, "bar", "limited");
    expect(MAX_RESULTS).toBe(10_000);
    expect(question).toMatch(/^The search stopped at 10,000 matches: only the 2 files found so far will be changed; files it did not reach keep their matches/);
    expect(question).toContain("Replace 3 matches in 2 files with “bar”?");
  });

  it("says the same after the search was stopped by hand", () => {
    expect(replaceAllQuestion({ matches: 1, files: [file("a.ts")] }, "", "stopped")).toMatch(
      /^The search was stopped before it finished: only the 1 file found so far will be changed;/,
    );
  });
});
