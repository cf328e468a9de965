import { describe, expect, it } from "vitest";
import {
  DRAFT_ID,
  allFilePaths,
  buildIndex,
  compareNames,
  compareNodes,
  fastCompare,
  flattenVisible,
  pathOf,
  ROOT,
  topLevelOnly,
  type TreeNode,
} from "./model";
import { file, folder } from "./testUtils";
import { visibleRows } from "./visibleRows";

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

describe("visibleRows", () => {
  it("agrees with flattenVisible on random trees: length, every row, positions and slices", () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const nodes: TreeNode[] = [];
      const folders: string[] = [];
      const count = 1 + random(60);
      for (let i = 0; i < count; i++) {
        // Mostly inside an earlier folder; sometimes at the root, sometimes under a parent that does not exist.
        const r = random(10);
        const parent = r === 0 ? "missing" : r < 3 || folders.length === 0 ? undefined : folders[random(folders.length)];
        const name = `n${random(20)}`;
        if (random(3) === 0) {
          nodes.push(folder(`d${i}`, name, parent));
          folders.push(`d${i}`);
        } else nodes.push(file(`f${i}`, name, parent));
      }
      const index = buildIndex(nodes);
      const expanded = new Set(folders.filter(() => random(4) !== 0));
      const draftKey = [undefined, ROOT, ...folders][random(folders.length + 2)];
      const draft = draftKey === undefined ? null : { parentKey: draftKey, type: random(2) === 0 ? ("file" as const) : ("folder" as const) };
      const expected = flattenVisible(index, expanded, draft);
      const rows = visibleRows(index, expanded, draft);
      expect(rows.length).toBe(expected.length);
      // Backwards, so no row is found only thanks to a neighbour's cached work.
      for (let i = expected.length - 1; i >= 0; i--) {
        expect(rows.at(i)).toEqual(expected[i]);
        expect(rows.indexOf(expected[i].id)).toBe(i);
      }
      expect(rows.at(expected.length)).toBeUndefined();
      expect(rows.at(0)).toBe(rows.at(0));
      for (const node of nodes) {
        if (!expected.some((row) => row.id === node._id)) expect(rows.indexOf(node._id)).toBe(-1);
      }
      if (!draft || !expected.some((row) => row.id === DRAFT_ID)) expect(rows.indexOf(DRAFT_ID)).toBe(-1);
      const from = random(expected.length + 2);
      const to = from + random(expected.length + 2);
      expect(rows.slice(from, to)).toEqual(expected.slice(from, to));
    }
  });
});
