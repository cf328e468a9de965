import { describe, expect, it } from "vitest";
import {
  allFilePaths,
  buildIndex,
  compareNames,
  compareNodes,
  fastCompare,
  flattenVisible,
  pathOf,
  ROOT,
  topLevelOnly,
} from "./model";
import { file, folder } from "./testUtils";

describe("tree model", () => {
  it("orders folders first, then natural order, then case-sensitive duplicates deterministically", () => {
    const nodes = [file("1", "file10"), file("2", "file2"), folder("3", "zeta"), file("4", "File2"), file("5", "a")];
    expect(nodes.sort(compareNodes).map((n) => n.name)).toEqual(["zeta", "a", "File2", "file2", "file10"]);
  });

  it("flattens only expanded folders with level, setsize and posinset", () => {
    const index = buildIndex([folder("d", "d"), file("x", "x", "d"), file("y", "y")]);
    expect(flattenVisible(index, new Set()).map((r) => r.id)).toEqual(["d", "y"]);
    const rows = flattenVisible(index, new Set(["d"]));
    expect(rows.map((r) => [r.id, r.depth, r.posinset, r.setsize])).toEqual([
      ["d", 1, 1, 2],
      ["x", 2, 1, 1],
      ["y", 1, 2, 2],
    ]);
    const withDraft = flattenVisible(index, new Set(["d"]), { parentKey: "d", type: "file" });
    expect(withDraft[1]).toMatchObject({ node: undefined, draftType: "file", depth: 2, setsize: 2 });
  });

  it("reuses the previous order after a rename and keeps it correct", () => {
    const files = Array.from({ length: 1000 }, (_, i) => file(`f${i}`, `file${i}`));
    const first = buildIndex(files);
    expect(first.children(ROOT)[2].name).toBe("file2");
    const renamed = files.map((f) => (f._id === "f2" ? { ...f, name: "file999b" } : { ...f }));
    const second = buildIndex(renamed, first);
    const names = second.children(ROOT).map((n) => n.name);
    expect(names).toEqual(renamed.slice().sort(compareNodes).map((n) => n.name));
    expect(second.children(ROOT)[0]).toBe(renamed[0]);
  });

  it("computes paths and drops items nested in other selected items", () => {
    const files = [folder("a", "a"), folder("b", "b", "a"), file("c", "c.ts", "b"), file("d", "d.ts")];
    const index = buildIndex(files);
    expect(pathOf(index, "c")).toBe("a/b/c.ts");
    expect(allFilePaths(files).map((p) => p.path).sort()).toEqual(["a/b/c.ts", "d.ts"]);
    expect(topLevelOnly(index, ["c", "a", "d"])).toEqual(["a", "d"]);
  });
});

describe("fastCompare", () => {
  it("agrees with Intl.Collator (en, numeric, base) on random names of its alphabet", () => {
    const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
    const alphabet = "aAbBzZ0019 ._-";
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const name = () =>
      Array.from({ length: 1 + Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(
        "",
      );
    for (let k = 0; k < 20_000; k++) {
      const a = name();
      const b = name();
      expect([a, b, Math.sign(fastCompare(a, b))]).toEqual([a, b, Math.sign(collator.compare(a, b))]);
    }
  });

  it("falls back to the collator for other characters", () => {
    expect(compareNames("éclair", "eclair2")).toBeLessThan(0);
    expect(compareNames("Ärger", "b")).toBeLessThan(0);
  });
});
