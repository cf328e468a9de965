import { describe, expect, it } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import { compileSearch } from "../../../convex/lib/search";
import { replaceButtonLabel } from "./SearchPanel";

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
