import { ConvexError } from "convex/values";
import { describe, expect, it } from "vitest";
import { compileSearch, MAX_PREVIEW, type SearchOptions } from "./search";

const find = (options: SearchOptions, text: string) => compileSearch(options).find(text);
const marked = (options: SearchOptions, text: string) =>
  find(options, text).lines.map((l) => {
    let out = "";
    let at = 0;
    for (const r of l.ranges) {
      out += `${l.preview.slice(at, r.from)}[${l.preview.slice(r.from, r.to)}]`;
      at = r.to;
    }
    return `${l.line}:${l.column} ${out}${l.preview.slice(at)}`;
  });

describe("search matcher", () => {
  const text = "const Foo = 1;\r\nfoo(food);\n\nlet x = FOO + foo.bar;";

  it("finds plain text case-insensitively by default, per line, without the line's \\r", () => {
    expect(marked({ query: "foo" }, text)).toEqual(["1:6 const [Foo] = 1;", "2:0 [foo]([foo]d);", "4:8 let x = [FOO] + [foo].bar;"]);
    expect(find({ query: "foo" }, text).matches).toBe(5);
  });

  it("honours match case and whole word", () => {
    expect(marked({ query: "foo", matchCase: true }, text)).toEqual(["2:0 [foo]([foo]d);", "4:14 let x = FOO + [foo].bar;"]);
    expect(marked({ query: "foo", wholeWord: true }, text)).toEqual(["1:6 const [Foo] = 1;", "2:0 [foo](food);", "4:8 let x = [FOO] + [foo].bar;"]);
  });

  it("treats special characters literally unless regex is on", () => {
    expect(marked({ query: "foo.bar" }, "fooXbar foo.bar")).toEqual(["1:8 fooXbar [foo.bar]"]);
    expect(marked({ query: "foo.bar", regex: true }, "fooXbar foo.bar")).toEqual(["1:0 [fooXbar] [foo.bar]"]);
  });

  it("anchors ^ and $ at each line and never returns empty matches", () => {
    expect(marked({ query: "^\\w+;?$", regex: true }, "alpha;\r\nbeta gamma\ndelta")).toEqual(["1:0 [alpha;]", "3:0 [delta]"]);
    expect(find({ query: "x*", regex: true }, "abc\nd").lines).toEqual([]);
    expect(marked({ query: "b*", regex: true }, "abbc")).toEqual(["1:1 a[bb]c"]);
  });

  it("runs a pattern that makes a backtracking engine hang in linear time", () => {
    // (a+)+$ on a long run of a's ending in "b" is exponential in JavaScript's RegExp; RE2 answers at once.
    const line = `${"a".repeat(5000)}b`;
    expect(find({ query: "(a+)+$", regex: true }, line).lines).toEqual([]);
    expect(find({ query: "(a+)+b$", regex: true }, line).matches).toBe(1);
  });

  it("rejects an invalid regular expression with what to do", () => {
    expect(() => compileSearch({ query: "(unclosed", regex: true })).toThrow(ConvexError);
    try {
      compileSearch({ query: "(unclosed", regex: true });
    } catch (e) {
      const data = (e as ConvexError<{ code: string; message: string }>).data;
      expect(data.code).toBe("INVALID_ARGUMENT");
      expect(data.message).toContain("missing closing )");
      expect(data.message).toContain("Use regular expression");
    }
    expect(() => compileSearch({ query: "" })).toThrow(/Type something/);
  });

  it("cuts a long line's preview around the first match and caps the lines per file", () => {
    const long = `${"x".repeat(1000)}needle${"y".repeat(1000)}`;
    const [line] = find({ query: "needle" }, long).lines;
    expect(line.preview.length).toBe(MAX_PREVIEW);
    expect(line.column).toBe(1000);
    expect(line.preview.slice(line.ranges[0].from, line.ranges[0].to)).toBe("needle");
    expect(line.previewStart + line.ranges[0].from).toBe(1000);
    const many = find({ query: "a" }, "a\n".repeat(10));
    expect(compileSearch({ query: "a" }).find("a\n".repeat(10), 3)).toMatchObject({ matches: 3, more: true });
    expect(many).toMatchObject({ matches: 10, more: false });
  });

  it("filters paths with include and exclude globs as VS Code reads them", () => {
    const s = compileSearch({ query: "x", include: "src, *.md", exclude: "node_modules, src/gen/**" });
    expect(["src/a.ts", "README.md", "docs/x/y.md", "lib/a.ts", "src/gen/out.ts", "src/node_modules/p/a.md", "node_modules/a.md"].filter((p) => s.matchesPath(p))).toEqual([
      "src/a.ts",
      "README.md",
      "docs/x/y.md",
    ]);
    expect(compileSearch({ query: "x", include: "./src/*.ts" }).matchesPath("src/a.ts")).toBe(true);
    expect(compileSearch({ query: "x", include: "  " }).matchesPath(".hidden/a")).toBe(true);
  });

  it("replaces every match, keeping line endings, with groups in regex mode and literally otherwise", () => {
    expect(compileSearch({ query: "foo" }).replace(text, "$1bar")).toEqual({
      text: "const $1bar = 1;\r\n$1bar($1bard);\n\nlet x = $1bar + $1bar.bar;",
      count: 5,
    });
    expect(compileSearch({ query: "(\\w+)=(\\w+)", regex: true }).replace("a=b\r\nc=d e=f", "$2=$1 ($&) $$")).toEqual({
      text: "b=a (a=b) $\r\nd=c (c=d) $ f=e (e=f) $",
      count: 3,
    });
    expect(compileSearch({ query: "(?P<k>\\w)!", regex: true }).replace("x! y!", "<$<k>>")).toEqual({ text: "<x> <y>", count: 2 });
    const unchanged = "nothing here";
    expect(compileSearch({ query: "zzz" }).replace(unchanged, "q")).toEqual({ text: unchanged, count: 0 });
  });

  it("replaces one match: the first on the line it is given, in either engine, and nothing when that line has none", () => {
    const lines = "a foo foo\r\nfoo\nbar";
    expect(compileSearch({ query: "foo" }).replace(lines, "X", { line: 1 })).toEqual({ text: "a X foo\r\nfoo\nbar", count: 1 });
    expect(compileSearch({ query: "f(o+)", regex: true }).replace(lines, "<$1>", { line: 2 })).toEqual({ text: "a foo foo\r\n<oo>\nbar", count: 1 });
    expect(compileSearch({ query: "foo" }).replace(lines, "X", { line: 3 })).toEqual({ text: lines, count: 0 });
    expect(compileSearch({ query: "foo" }).replace(lines, "X", { line: 9 })).toEqual({ text: lines, count: 0 });
  });
});
