import { afterEach, describe, expect, it, vi } from "vitest";
import { IdbSyncStorage, seqRanges } from "./storage";
import type { OutboxEntry } from "./types";

const opened: IdbSyncStorage[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const storage of opened.splice(0)) storage.close();
});

async function storageWith(count: number) {
  const userKey = `storage-${Math.random().toString(36).slice(2)}`;
  const storage = await IdbSyncStorage.open(userKey);
  opened.push(storage);
  const stored: OutboxEntry[] = [];
  for (let i = 0; i < count; i++) {
    stored.push(await storage.append({ opId: `op-${i}`, path: "files:rename", args: { fileId: `f${i}`, name: `n${i}` }, createdAt: 1, userKey }));
  }
  return { storage, stored };
}

describe("seqRanges", () => {
  it("groups consecutive seqs into ranges, in order, whatever order they come in", () => {
    expect(seqRanges([])).toEqual([]);
    expect(seqRanges([4])).toEqual([[4, 4]]);
    expect(seqRanges([3, 1, 2, 7, 5, 8])).toEqual([
      [1, 3],
      [5, 5],
      [7, 8],
    ]);
    expect(seqRanges([2, 2, 3])).toEqual([[2, 3]]);
  });
});

describe("IdbSyncStorage.removeAnsweredMany", () => {
  it("removes exactly the answered entries and records their results, one delete per run of consecutive seqs", async () => {
    const { storage, stored } = await storageWith(10);
    const answered = stored.filter((_, i) => i !== 3 && i !== 6);
    const deletes = vi.spyOn(IDBObjectStore.prototype, "delete");
    const puts = vi.spyOn(IDBObjectStore.prototype, "put");
    await storage.removeAnsweredMany(answered.map((e) => ({ seq: e.seq!, result: { opId: e.opId, result: `r-${e.opId}`, at: 5 } })));
    // Seqs 1-3, 5-6 and 8-10 (entries 3 and 6 stay): three range deletes for eight entries.
    expect(deletes).toHaveBeenCalledTimes(3);
    expect(puts).toHaveBeenCalledTimes(answered.length);
    expect((await storage.list()).map((e) => e.opId)).toEqual(["op-3", "op-6"]);
    const results = await storage.results();
    expect(results.map((r) => r.opId).sort()).toEqual(answered.map((e) => e.opId).sort());
    expect(results.find((r) => r.opId === "op-0")).toEqual({ opId: "op-0", result: "r-op-0", at: 5 });
  });

  it("rejects and changes nothing when the transaction fails", async () => {
    const { storage, stored } = await storageWith(3);
    // A result without its key path: the put throws, and nothing of the batch is kept.
    const bad = { opId: undefined, result: null, at: 1 } as unknown as { opId: string; result: unknown; at: number };
    await expect(storage.removeAnsweredMany([{ seq: stored[0].seq! }, { seq: stored[1].seq!, result: bad }])).rejects.toThrow();
    expect((await storage.list()).map((e) => e.opId)).toEqual(["op-0", "op-1", "op-2"]);
  });
});
