import { describe, expect, it } from "vitest";
import { CommitHistory } from "../src/server/commitHistory.js";
import type { ReadSet, WriteSet } from "../src/engine/types.js";

// The rule behind /api/query_at_ts, with read and write sets reduced to table names.
const reads = (...tables: string[]) => new Set(tables) as unknown as ReadSet;
const writes = (...tables: string[]) => new Set(tables) as unknown as WriteSet;
const hits = (r: ReadSet, w: WriteSet) => [...(w as unknown as Set<string>)].some((t) => (r as unknown as Set<string>).has(t));

describe("CommitHistory", () => {
  it("answers 'same' only when no commit in (ts, ranAt] wrote what was read", () => {
    const h = new CommitHistory(10n);
    h.record({ ts: 11n, writes: writes("a") });
    h.record({ ts: 12n, writes: writes("b") });
    expect(h.verdict(12n, 12n, null, hits)).toBe("same");
    expect(h.verdict(11n, 12n, reads("a"), hits)).toBe("same");
    expect(h.verdict(11n, 12n, reads("b"), hits)).toBe("changed");
    expect(h.verdict(10n, 12n, reads("a"), hits)).toBe("changed");
    // A commit after the snapshot the query ran at does not count.
    expect(h.verdict(11n, 11n, reads("b"), hits)).toBe("same");
    expect(h.verdict(10n, 11n, reads("b"), hits)).toBe("same");
    expect(h.verdict(13n, 12n, reads("a"), hits)).toBe("future");
    // Unknown reads cannot be checked.
    expect(h.verdict(11n, 12n, null, hits)).toBe("changed");
  });

  it("refuses a ts older than the commits it still holds, and holds at most max", () => {
    const h = new CommitHistory(0n, 2);
    for (let ts = 1n; ts <= 5n; ts++) h.record({ ts, writes: writes("x") });
    expect(h.verdict(2n, 5n, reads("y"), hits)).toBe("too-old");
    expect(h.verdict(3n, 5n, reads("y"), hits)).toBe("same");
    expect(h.verdict(3n, 5n, reads("x"), hits)).toBe("changed");
    const fresh = new CommitHistory(7n);
    expect(fresh.verdict(6n, 7n, reads("x"), hits)).toBe("too-old");
  });
});
