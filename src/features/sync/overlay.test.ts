import type { OptimisticLocalStore } from "convex/browser";
import { afterEach, describe, expect, it, vi } from "vitest";
import { opIdOfTempId, optimisticId, renderRefs } from "./ids";
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


describe("OverlayMemo scheduling", () => {
  it("runs background slices at background priority where the browser has scheduler.postTask", () => {
    const posted: { task: () => void; priority: string }[] = [];
    vi.stubGlobal("scheduler", {
      postTask: (task: () => void, options: { priority: string }) => {
        posted.push({ task, priority: options.priority });
        return Promise.resolve();
      },
    });
    try {
      const t = setup(1);
      const memo = new OverlayMemo({ syncLimit: 1, pause: () => {}, onReady: () => {} });
      const entries = ["a", "b", "c"].map(add);
      memo.over(cacheWith([]), [], entries, noResults);
      memo.over(cacheWith(["a"]), [], entries.slice(1), noResults);
      expect(posted.length).toBeGreaterThan(0);
      expect(posted.every((p) => p.priority === "background")).toBe(true);
      while (posted.length > 0) posted.shift()!.task();
      expect(listIn(memo.over(cacheWith(["a"]), [], entries.slice(1), noResults))).toEqual(["a", "b", "c"]);
      expect(t.runs).toBeGreaterThan(0);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

/** A small PRNG (mulberry32), so a failing sequence can be run again from its seed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Item = { id: string; name: string };

describe("OverlayMemo against a full recomputation, on random writes and answers", () => {
  // A listing of named items, with creates (the server's id is the result), renames and removes naming an item
  // by real id or by `$ref` to its pending create; a name taken makes a write change nothing, on both sides.
  const listToken = queryToken("test:items", {});
  function register() {
    const items = (store: OptimisticLocalStore): Item[] => (store.getQuery("test:items" as any, {}) as Item[] | undefined) ?? [];
    const put = (store: OptimisticLocalStore, value: Item[]) => store.setQuery("test:items" as any, {}, value);
    registerOptimisticUpdate("test:create", (store, args: { name: string; clientOpId: string }) => {
      const list = items(store);
      if (!list.some((i) => i.name === args.name)) put(store, [...list, { id: optimisticId(args), name: args.name }]);
    });
    registerOptimisticUpdate("test:rename", (store, args: { id: string; name: string }) => {
      const list = items(store);
      if (list.some((i) => i.name === args.name)) return;
      put(store, list.map((i) => (i.id === args.id ? { ...i, name: args.name } : i)));
    });
    registerOptimisticUpdate("test:remove", (store, args: { id: string }) => {
      put(store, items(store).filter((i) => i.id !== args.id));
    });
  }

  /** What the server does with one write (the same rules), returning its result. */
  function serverApply(list: Item[], entry: OutboxEntry, results: Map<string, { result: unknown }>): { list: Item[]; result: unknown } {
    const args = renderRefs(entry.args, (opId) => results.get(opId)) as Record<string, string>;
    if (entry.path === "test:create") {
      if (list.some((i) => i.name === args.name)) return { list, result: null };
      const id = `real-${entry.opId}`;
      return { list: [...list, { id, name: args.name }], result: id };
    }
    if (entry.path === "test:rename") {
      if (list.some((i) => i.name === args.name)) return { list, result: null };
      return { list: list.map((i) => (i.id === args.id ? { ...i, name: args.name } : i)), result: null };
    }
    return { list: list.filter((i) => i.id !== args.id), result: null };
  }

  const baseOf = (cache: ReadonlyMap<string, CachedQuery>, overrides: readonly CachedQuery[]) => {
    const base = new Map(cache);
    for (const q of overrides) base.set(q.token, q);
    return base;
  };
  const itemsIn = (out: ReadonlyMap<string, CachedQuery>) => out.get(listToken)?.value;

  for (let seed = 1; seed <= 150; seed++) {
    it(`agrees on sequence ${seed}`, () => {
      register();
      const rand = random(seed);
      const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
      // Slices end after random numbers of entries: every read of the clock moves it 0-6 ms (SLICE_MS is 8).
      let clock = 0;
      vi.spyOn(performance, "now").mockImplementation(() => (clock += rand() * 6));
      const tasks: (() => void)[] = [];
      const memo = new OverlayMemo({
        syncLimit: 1 + Math.floor(rand() * 4),
        schedule: (task) => tasks.push(task),
        pause: (task) => tasks.push(task),
      });
      const cacheOf = (list: Item[]): ReadonlyMap<string, CachedQuery> =>
        new Map([[listToken, { token: listToken, path: "test:items", args: {}, value: list, updatedAt: 0 }]]);
      let server: Item[] = [{ id: "real-seed", name: "seed" }];
      let cache = cacheOf(server);
      let overrides: CachedQuery[] = [];
      let entries: OutboxEntry[] = [];
      let results = new Map<string, { result: unknown }>();
      let n = 0;
      /** Every input the memo was given, with its full recomputation: what a reader sees must be one of them. */
      const seen: { entries: readonly OutboxEntry[]; whole: ReadonlyMap<string, CachedQuery> }[] = [];
      const read = () => {
        const lookup = (opId: string) => results.get(opId);
        const whole = applyPending(baseOf(cache, overrides), entries, lookup);
        seen.push({ entries, whole });
        const shown = itemsIn(memo.over(cache, overrides, entries, results));
        // The last whole overlay of some earlier inputs, with the writes made since applied on top of it.
        const candidates = seen.map((s) => {
          const known = new Set(s.entries.map((e) => e.opId));
          const since = entries.filter((e) => !known.has(e.opId));
          return itemsIn(applyPending(s.whole, since, lookup));
        });
        expect(candidates).toContainEqual(shown);
      };
      for (let step = 0; step < 60; step++) {
        const r = rand();
        if (r < 0.35) {
          // A write: a create, or a rename / remove of an item shown now (named by $ref while its create is pending).
          const shown = (itemsIn(memo.over(cache, overrides, entries, results)) as Item[] | undefined) ?? [];
          const opId = `op${n++}`;
          const target = shown.length > 0 && rand() < 0.6 ? pick(shown) : undefined;
          const pendingCreate = target && opIdOfTempId(target.id);
          const id = pendingCreate ? { $ref: pendingCreate } : target?.id;
          const name = `n${Math.floor(rand() * 8)}`;
          const entry: OutboxEntry =
            !target || rand() < 0.4
              ? { opId, path: "test:create", args: { name }, createdAt: 0, userKey: "u" }
              : rand() < 0.7
                ? { opId, path: "test:rename", args: { id, name }, createdAt: 0, userKey: "u" }
                : { opId, path: "test:remove", args: { id }, createdAt: 0, userKey: "u" };
          entries = [...entries, entry];
        } else if (r < 0.55 && entries.length > 0) {
          // Answers: the first few writes confirmed, the live result (the server's new listing) laid over the cache.
          const k = 1 + Math.floor(rand() * Math.min(entries.length, 4));
          results = new Map(results);
          for (const entry of entries.slice(0, k)) {
            const applied = serverApply(server, entry, results);
            server = applied.list;
            results.set(entry.opId, { result: applied.result });
          }
          entries = entries.slice(k);
          overrides = [{ token: listToken, path: "test:items", args: {}, value: server, updatedAt: 0 }];
        } else if (r < 0.7) {
          // The cache catches up with the live result.
          cache = cacheOf(server);
          overrides = [];
        } else {
          for (let i = Math.floor(rand() * 4); i > 0 && tasks.length > 0; i--) tasks.shift()!();
        }
        read();
      }
      while (tasks.length > 0) {
        tasks.shift()!();
        read();
      }
      const whole = applyPending(baseOf(cache, overrides), entries, (opId) => results.get(opId));
      expect(itemsIn(memo.over(cache, overrides, entries, results))).toEqual(itemsIn(whole));
    });
  }
});
