import { describe, expect, it } from "vitest";
import { ReadIndexImpl } from "../src/engine/readIndex.js";
import { ReadSetImpl, entryHits, type WriteSetImpl } from "../src/engine/transaction.js";
import type { WriteEntry } from "../src/engine/store.js";

// The read index (engine/readIndex.ts) against the check it replaces: for every commit, the owners it reports are
// exactly those whose read set `entryHits` says a written key falls in.

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A write that touched `key` in index `name` of `table` (and nothing in any other index). */
function entry(table: string, name: string, key: string): WriteEntry {
  return { table, keysIn: (index) => (index === name ? [key] : []) };
}

describe("ReadIndex", () => {
  it("finds exactly the read sets a commit's keys fall in, on random ranges of every width", () => {
    const random = rng(42);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
    // Keys built from a few shared prefixes (like an index key: an id, then more fields), so ranges share
    // prefixes of every length, and some ranges are wide (short or no shared prefix).
    const heads = Array.from({ length: 6 }, (_, i) => `\x06${String.fromCharCode(97 + i)}${"k".repeat(5 + 7 * i)}`);
    const key = () => pick(heads) + Math.floor(random() * 1000).toString(36).padStart(3, "0") + pick(["", "\x00", "z", "\x01m"]);
    const slots: [string, string][] = [
      ["files", "by_id"],
      ["files", "by_project"],
      ["entries", "by_project"],
    ];
    const index = new ReadIndexImpl<number>();
    const reads = new Map<number, ReadSetImpl>();
    const fileRandomly = (owner: number) => {
      const set = new ReadSetImpl();
      for (let r = 0, n = 1 + Math.floor(random() * 3); r < n; r++) {
        const [table, name] = pick(slots);
        const a = key();
        const kind = random();
        // A point-like range, a range under one prefix, or a wide range (from nothing, or across prefixes).
        const lo = kind < 0.1 ? "" : a;
        const hi = kind < 0.4 ? a + "\x00" : kind < 0.8 ? a.slice(0, Math.max(1, a.length - 2)) + "\uffff" : key();
        set.add(table, name, lo <= hi ? { lo, hi } : { lo: hi, hi: lo });
      }
      reads.set(owner, set);
      index.set(owner, set);
    };
    for (let owner = 0; owner < 300; owner++) fileRandomly(owner);
    for (let commit = 0; commit < 500; commit++) {
      const entries: WriteEntry[] = Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
        const [table, name] = pick(slots);
        return entry(table, name, key());
      });
      const writes: WriteSetImpl = { __brand: "WriteSet", entries };
      const expected = [...reads].filter(([, set]) => entries.some((e) => entryHits(set, e))).map(([owner]) => owner).sort((a, b) => a - b);
      expect([...index.hits(writes)].sort((a, b) => a - b)).toEqual(expected);
      // Owners come and go, and re-file new read sets, as subscriptions do.
      const owner = Math.floor(random() * 300);
      if (random() < 0.3) {
        index.delete(owner);
        reads.delete(owner);
      } else fileRandomly(owner);
    }
  });

  it("compares a written key with the read sets under its prefix only, however many others there are", () => {
    const index = new ReadIndexImpl<number>();
    const idOf = (i: number) => `\x06${i.toString(36).padStart(6, "0")}abcdefghjkmnpqrstvwxyz\x00`;
    for (let i = 0; i < 10_000; i++) {
      const set = new ReadSetImpl();
      set.add("files", "by_id", { lo: idOf(i), hi: idOf(i) + "\x00" });
      index.set(i, set);
    }
    const before = index.comparisons;
    const writes: WriteSetImpl = { __brand: "WriteSet", entries: [entry("files", "by_id", idOf(1234))] };
    expect([...index.hits(writes)]).toEqual([1234]);
    expect(index.comparisons - before).toBe(1);
  });
});
