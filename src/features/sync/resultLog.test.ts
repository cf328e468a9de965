import { describe, expect, it } from "vitest";
import { ResultLog, resultsAddedSince } from "./resultLog";
import type { StoredResult } from "./types";

const stored = (opId: string, result: unknown = opId): StoredResult => ({ opId, result, at: 0 });

describe("ResultLog", () => {
  it("is a map of opId to result whose versions never change", () => {
    const first = ResultLog.of([stored("a"), stored("b")]);
    const second = first.with([stored("c"), stored("a", "again")]);
    expect([...first]).toEqual([["a", stored("a")], ["b", stored("b")]]);
    expect(first.size).toBe(2);
    expect(first.get("a")).toEqual(stored("a"));
    expect(first.has("c")).toBe(false);
    expect(second.size).toBe(3);
    expect(second.get("a")).toEqual(stored("a", "again"));
    expect(new Map(second)).toEqual(new Map([["a", stored("a", "again")], ["b", stored("b")], ["c", stored("c")]]));
  });

  it("copies when a version that is not the newest gets results, so the newer one keeps its own", () => {
    const base = ResultLog.of([stored("a")]);
    const newer = base.with([stored("b")]);
    const fork = base.with([stored("c")]);
    expect([...newer.keys()]).toEqual(["a", "b"]);
    expect([...fork.keys()]).toEqual(["a", "c"]);
    expect(fork.positionOf(newer)).toBeUndefined();
  });

  it("walks only the results added since an earlier version (resultsAddedSince)", () => {
    let log = ResultLog.of([]);
    for (let i = 0; i < 1000; i++) log = log.with([stored(`op${i}`)]);
    const before = log;
    const after = before.with([stored("new1"), stored("op5", "repeat"), stored("new2")]);
    // Counted through the log's own walk: 3 records after `before`, not 1,003.
    let walked = 0;
    const walk = after.entriesFrom.bind(after);
    after.entriesFrom = (from: number) => {
      const inner = walk(from);
      return (function* () {
        for (const item of inner) {
          walked++;
          yield item;
        }
      })();
    };
    expect([...resultsAddedSince(after, before)].map(([opId]) => opId)).toEqual(["new1", "new2"]);
    expect(walked).toBe(3);
    // From an unrelated map: everything it lacks.
    expect([...resultsAddedSince(after, new Map([["op1", stored("op1")]]))]).toHaveLength(1001);
  });
});
