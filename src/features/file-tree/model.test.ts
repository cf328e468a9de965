import { describe, expect, it } from "vitest";
import {
  DRAFT_ID,
  allFilePaths,
  buildIndex,
  compareNames,
  compareNodes,
  fastCompare,
  flattenVisible,
  indexWork,
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
    // An entry re-sent unchanged keeps the object the index already had (equal field by field).
    expect(second.children(ROOT)[0]).toBe(files[0]);
    expect(second.children(ROOT)[0]).toStrictEqual(renamed[0]);
  });

  it("updates the index by the change: per-change work does not grow with the project", () => {
    // Each folder holds 100 files; a project of n files has n/100 folders, all shown (sorted) once.
    const workPerChange = (n: number) => {
      const folders = Array.from({ length: n / 100 }, (_, i) => folder(`d${i}`, `dir${i}`));
      let files: TreeNode[] = [...folders];
      for (let i = 0; i < n; i++) files.push(file(`f${i}`, `file${i}.ts`, i % 3 === 0 ? undefined : `d${i % folders.length}`));
      let index = buildIndex(files);
      index.children(ROOT);
      for (const d of folders) index.children(d._id);
      const before = indexWork.count;
      for (let step = 0; step < 20; step++) {
        // One create at the root, one rename in a folder, one delete: what a replay confirms.
        const renamed = 1 + 3 * step;
        files = files
          .filter((f) => f._id !== `f${2 + 3 * step}`)
          .map((f) => (f._id === `f${renamed}` ? { ...f, name: `renamed${step}.ts` } : f));
        files.push(file(`new${step}`, `new${step}.ts`));
        index = buildIndex(files, index);
        index.children(ROOT);
        index.children(`d${renamed % folders.length}`);
      }
      return (indexWork.count - before) / 20;
    };
    const small = workPerChange(2_000);
    const large = workPerChange(40_000);
    expect(small).toBeGreaterThan(0);
    // 20x the project: a log factor more comparisons, not 20x the work (a full rebuild would be ≥ 40,000).
    expect(large).toBeLessThan(small * 2);
    expect(large).toBeLessThan(500);
  });

  it("an index updated change by change equals one built from scratch", () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    let files: TreeNode[] = [folder("d0", "d0"), folder("d1", "d1", "d0")];
    let index = buildIndex(files);
    for (let step = 0; step < 300; step++) {
      const folders = files.filter((f) => f.type === "folder").map((f) => f._id as string);
      const parent = () => (random(3) === 0 ? undefined : (folders[random(folders.length)] as TreeNode["parentId"]));
      const next = files.slice();
      for (let k = random(4); k >= 0; k--) {
        const op = random(5);
        const at = random(next.length);
        if (op === 0 && next.length > 2) next.splice(at, 1);
        else if (op === 1) next[at] = { ...next[at], name: `n${random(30)}` };
        else if (op === 2 && next[at].type === "file") next[at] = { ...next[at], parentId: parent() };
        else if (op === 3) next[at] = { ...next[at] };
        else if (random(4) === 0) next.push(folder(`d${step}_${k}`, `n${random(30)}`, parent()));
        else next.splice(random(next.length + 1), 0, file(`f${step}_${k}`, `n${random(30)}`, parent()));
      }
      files = next;
      index = buildIndex(files, index);
      const fresh = buildIndex(files);
      expect(index.size).toBe(fresh.size);
      // Check some folders only, so others stay unsorted across versions (the lazy path).
      for (const key of [ROOT, ...folders.filter(() => random(2) === 0)]) {
        expect(index.children(key).map((n) => n._id)).toEqual(fresh.children(key).map((n) => n._id));
        expect(new Set(index.unsortedChildren(key).map((n) => n._id))).toEqual(new Set(fresh.unsortedChildren(key).map((n) => n._id)));
      }
      for (const node of files) expect(index.byId.get(node._id)).toEqual(node);
    }
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
