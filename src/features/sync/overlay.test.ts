import { afterEach, describe, expect, it, vi } from "vitest";
import { applyPending, OverlayMemo } from "./overlay";
import { queryToken } from "./queryKey";
import { clearOptimisticUpdates, registerOptimisticUpdate } from "./registry";
import type { CachedQuery, OutboxEntry } from "./types";

afterEach(() => {
  clearOptimisticUpdates();
  vi.restoreAllMocks();
});

const token = queryToken("test:list", {});
const cacheWith = (names: string[]): ReadonlyMap<string, CachedQuery> =>
  new Map([[token, { token, path: "test:list", args: {}, value: names, updatedAt: 0 }]]);
const add = (name: string): OutboxEntry => ({ opId: `op-${name}`, path: "test:add", args: { name }, createdAt: 0, userKey: "u" });
const noResults = new Map<string, { result: unknown }>();

/** An overlay memo whose background slices run only when the test says so, counting the updates it runs. */
function setup(syncLimit: number) {
  let runs = 0;
  registerOptimisticUpdate("test:add", (store, args: { name: string }) => {
    runs++;
    const list = (store.getQuery("test:list" as any, {}) as string[] | undefined) ?? [];
    store.setQuery("test:list" as any, {}, [...list, args.name]);
  });
  const slices: (() => void)[] = [];
  let ready = 0;
  const memo = new OverlayMemo({ syncLimit, schedule: (task) => slices.push(task), onReady: () => ready++ });
  return {
    memo,
    get runs() {
      return runs;
    },
    get ready() {
      return ready;
    },
    slices,
    drain() {
      while (slices.length > 0) slices.shift()!();
    },
  };
}

const listIn = (out: ReadonlyMap<string, CachedQuery>) => out.get(token)?.value;

describe("OverlayMemo", () => {
  it("applies a write just made on top of the last overlay, running only that write's update", () => {
    const t = setup(2);
    const cache = cacheWith(["seed"]);
    const entries = ["a", "b", "c", "d"].map(add);
    expect(listIn(t.memo.over(cache, [], entries, noResults))).toEqual(["seed", "a", "b", "c", "d"]);
    expect(t.runs).toBe(4);
    const more = [...entries, add("e")];
    expect(listIn(t.memo.over(cache, [], more, noResults))).toEqual(["seed", "a", "b", "c", "d", "e"]);
    expect(t.runs).toBe(5);
    // The same write once durable (a new object around the same args) is not a change.
    const durable = more.map((e, i) => ({ ...e, seq: i + 1 }));
    expect(listIn(t.memo.over(cache, [], durable, noResults))).toEqual(["seed", "a", "b", "c", "d", "e"]);
    expect(t.runs).toBe(5);
    expect(t.slices).toHaveLength(0);
  });

  it("recomputes a long overlay after answers in the background, showing the last whole one until it is done", () => {
    const t = setup(1);
    const entries = ["a", "b", "c", "d"].map(add);
    const first = t.memo.over(cacheWith(["seed"]), [], entries, noResults);
    // The server applied a and b: the new base holds them, and they left the outbox.
    const answered = cacheWith(["seed", "a", "b"]);
    const left = entries.slice(2);
    const runsBefore = t.runs;
    expect(t.memo.over(answered, [], left, noResults)).toBe(first);
    expect(t.runs).toBe(runsBefore);
    // A write made meanwhile shows at once, on top of the last whole overlay.
    const typed = [...left, add("e")];
    expect(listIn(t.memo.over(answered, [], typed, noResults))).toEqual(["seed", "a", "b", "c", "d", "e"]);
    expect(t.ready).toBe(0);
    t.drain();
    // Two recomputations: the one asked for first, then the newest inputs asked for while it ran.
    expect(t.ready).toBe(2);
    expect(listIn(t.memo.over(answered, [], typed, noResults))).toEqual(listIn(applyPending(answered, typed, () => undefined)));
    expect(listIn(t.memo.over(answered, [], typed, noResults))).toEqual(["seed", "a", "b", "c", "d", "e"]);
    expect(t.slices).toHaveLength(0);
  });

  it("waits a pause after a background recomputation before starting the next", () => {
    const t = setup(1);
    const pauses: { task: () => void; ms: number }[] = [];
    const memo = new OverlayMemo({ syncLimit: 1, schedule: (task) => t.slices.push(task), pause: (task, ms) => pauses.push({ task, ms }) });
    const entries = ["a", "b", "c", "d"].map(add);
    memo.over(cacheWith([]), [], entries, noResults);
    memo.over(cacheWith(["a"]), [], entries.slice(1), noResults);
    t.drain();
    expect(pauses).toHaveLength(1);
    expect(pauses[0].ms).toBeGreaterThanOrEqual(0);
    // Answers arriving during the pause are recomputed only once it is over.
    memo.over(cacheWith(["a", "b"]), [], entries.slice(2), noResults);
    expect(t.slices).toHaveLength(0);
    pauses.shift()!.task();
    t.drain();
    expect(listIn(memo.over(cacheWith(["a", "b"]), [], entries.slice(2), noResults))).toEqual(["a", "b", "c", "d"]);
  });

  it("recomputes at once up to its limit of pending writes", () => {
    const t = setup(8);
    const entries = ["a", "b", "c"].map(add);
    t.memo.over(cacheWith([]), [], entries, noResults);
    expect(listIn(t.memo.over(cacheWith(["a"]), [], entries.slice(1), noResults))).toEqual(["a", "b", "c"]);
    expect(t.slices).toHaveLength(0);
  });

  it("abandons a background recomputation once disposed", () => {
    const t = setup(1);
    const entries = ["a", "b", "c"].map(add);
    t.memo.over(cacheWith([]), [], entries, noResults);
    t.memo.over(cacheWith(["a"]), [], entries.slice(1), noResults);
    t.memo.dispose();
    const runs = t.runs;
    t.drain();
    expect(t.runs).toBe(runs);
    expect(t.ready).toBe(0);
  });

  it("compares a background recomputation with the last overlay in slices too, keeping equal results' objects", () => {
    // Every read of the clock is a slice's worth later: each step of the work runs in a slice of its own.
    let clock = 0;
    vi.spyOn(performance, "now").mockImplementation(() => (clock += 100));
    const lists = ["l0", "l1", "l2", "l3"];
    const tokens = lists.map((name) => queryToken("test:list", { name }));
    registerOptimisticUpdate("test:touch", (store, args: { name: string }) => {
      // Writes a new object of the same value: the comparison gives the previous object back.
      const value = store.getQuery("test:list" as any, { name: args.name }) as string[];
      store.setQuery("test:list" as any, { name: args.name }, [...value]);
    });
    const slices: (() => void)[] = [];
    const memo = new OverlayMemo({ syncLimit: 1, schedule: (task) => slices.push(task), pause: () => {} });
    const cache = new Map<string, CachedQuery>(
      lists.map((name, i) => [tokens[i], { token: tokens[i], path: "test:list", args: { name }, value: [name], updatedAt: 0 }]),
    );
    const entries: OutboxEntry[] = lists.map((name) => ({ opId: `touch-${name}`, path: "test:touch", args: { name }, createdAt: 0, userKey: "u" }));
    const first = memo.over(cache, [], [add("x"), ...entries], noResults);
    // The first write answered: every other entry is applied again over the new base, in the background.
    const second = new Map(cache);
    memo.over(second, [], entries, noResults);
    let ran = 0;
    while (slices.length > 0) {
      slices.shift()!();
      ran++;
    }
    // One slice per entry applied, and one per result compared (the entries' four lists).
    expect(ran).toBe(entries.length + lists.length);
    const out = memo.over(second, [], entries, noResults);
    for (const t of tokens) expect(out.get(t)).toBe(first.get(t));
  });
});

