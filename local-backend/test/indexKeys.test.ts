import { describe, expect, it } from "vitest";
import { IndexKeys, type Pos } from "../src/engine/indexKeys.js";
import { lowerBound } from "../src/engine/keys.js";
import { seededRandom } from "../src/engine/runtime.js";

// The chunked index against the plain sorted array it replaced, through random inserts and removals that split
// and empty chunks: same order, same seeks, same steps in both directions.

function reference(keys: string[], target: string, strict: boolean): number {
  return lowerBound(keys, target, strict);
}

describe("IndexKeys", () => {
  it("matches a sorted array through inserts, removals, seeks and steps", () => {
    const random = seededRandom(7);
    const index = new IndexKeys();
    const sorted: string[] = [];
    const key = () => String(Math.floor(random() * 5000)).padStart(5, "0");
    for (let round = 0; round < 6000; round++) {
      const k = key();
      const at = lowerBound(sorted, k);
      if (sorted[at] === k || (round > 3000 && random() < 0.6 && sorted.length > 0)) {
        const victim = sorted[at] === k ? k : sorted[Math.floor(random() * sorted.length)];
        sorted.splice(lowerBound(sorted, victim), 1);
        index.remove(victim);
      } else {
        sorted.splice(at, 0, k);
        index.insert(k, `id-${k}`);
      }
      if (round % 500 !== 0) continue;
      expect(index.size).toBe(sorted.length);
      expect([...index.ids()]).toEqual(sorted.map((s) => `id-${s}`));
      for (let probe = 0; probe < 50; probe++) {
        const target = key();
        const strict = probe % 2 === 0;
        const pos: Pos = { c: 0, i: 0 };
        index.seek(pos, target, strict);
        const want = reference(sorted, target, strict);
        expect(index.keyAt(pos)).toBe(sorted[want]);
        index.step(pos, -1);
        expect(index.keyAt(pos)).toBe(want > 0 ? sorted[want - 1] : undefined);
        index.step(pos, 1);
        if (want > 0) expect(index.keyAt(pos)).toBe(sorted[want]);
      }
    }
    // Walking the whole index both ways visits every key once, in order.
    const pos: Pos = { c: 0, i: 0 };
    index.seek(pos, "");
    const forward: string[] = [];
    for (let k = index.keyAt(pos); k !== undefined; index.step(pos, 1), k = index.keyAt(pos)) forward.push(k);
    expect(forward).toEqual(sorted);
    index.seek(pos, "\uffff");
    index.step(pos, -1);
    const backward: string[] = [];
    for (let k = index.keyAt(pos); k !== undefined; index.step(pos, -1), k = index.keyAt(pos)) backward.push(k);
    expect(backward).toEqual([...sorted].reverse());
  });

  it("builds from sorted arrays and stays correct when emptied", () => {
    const keys = Array.from({ length: 2000 }, (_, i) => String(i).padStart(4, "0"));
    const index = IndexKeys.fromSorted(keys, keys.map((k) => `id-${k}`));
    expect([...index.ids()]).toHaveLength(2000);
    for (const k of keys) index.remove(k);
    expect(index.size).toBe(0);
    const pos: Pos = { c: 0, i: 0 };
    index.seek(pos, "");
    expect(index.keyAt(pos)).toBeUndefined();
    index.step(pos, -1);
    expect(index.keyAt(pos)).toBeUndefined();
    index.insert("x", "id-x");
    index.seek(pos, "");
    expect(index.keyAt(pos)).toBe("x");
    expect(index.idAt(pos)).toBe("id-x");
  });
});
