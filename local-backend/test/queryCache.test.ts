import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EngineImpl } from "../src/engine/engine.js";
import { QueryCache } from "../src/engine/queryCache.js";
import { ReadIndexImpl } from "../src/engine/readIndex.js";
import { ReadSetImpl } from "../src/engine/transaction.js";
import type { Engine } from "../src/engine/types.js";
import { ok, open, removeDir, tempDir } from "./engineHarness.js";

// The engine's query cache (engine/queryCache.ts): a public query asked again is answered without running while
// nothing it read has changed, and never with an answer a fresh run would not give.

let dir: string;
let engine: Engine;
const hits = () => (engine as EngineImpl).queryCache.hits;
const ann = { tokenIdentifier: "https://issuer|ann", subject: "ann", issuer: "https://issuer" };
const bob = { tokenIdentifier: "https://issuer|bob", subject: "bob", issuer: "https://issuer" };

beforeEach(async () => {
  dir = tempDir();
  engine = await open(dir);
  for (const [author, n] of [["ann", 1], ["ann", 2], ["bob", 7]] as const) ok(await engine.runMutation("messages:send", { author, body: "b", n }, null));
});
afterEach(async () => {
  await engine.close();
  removeDir(dir);
});

describe("query cache", () => {
  it("answers the same question again from the cache, as of the latest commit", async () => {
    const first = await engine.runQuery("messages:byAuthor", { author: "ann" }, ann);
    expect(ok(first)).toEqual([1, 2]);
    expect(hits()).toBe(0);
    const second = await engine.runQuery("messages:byAuthor", { author: "ann" }, ann);
    expect(ok(second)).toEqual([1, 2]);
    expect(hits()).toBe(1);
    expect(second.ts).toBe(engine.currentTs());
    // Another identity, other arguments or another journal are other questions.
    await engine.runQuery("messages:byAuthor", { author: "ann" }, bob);
    await engine.runQuery("messages:byAuthor", { author: "ann", order: "desc" }, ann);
    await engine.runQuery("messages:byAuthor", { author: "ann" }, ann, { journal: null });
    expect(hits()).toBe(2);
  });

  it("hands over a run's result with its JSON text, the text JSON.stringify gives for it, and a cached answer without", async () => {
    const run = await engine.runQuery("messages:byAuthor", { author: "ann" }, ann);
    if (!run.ok) throw new Error(run.error);
    // The sync server hashes this text instead of serializing the value again (server/clientSession.ts hashResult):
    // it must be exactly what a cached answer, which has no text, serializes to.
    expect(run.json).toBe(JSON.stringify(run.value));
    const cached = await engine.runQuery("messages:byAuthor", { author: "ann" }, ann);
    expect(hits()).toBe(1);
    expect(cached.ok && cached.json).toBeUndefined();
    expect(cached.ok && JSON.stringify(cached.value)).toBe(run.json);
  });

  it("runs again once a commit wrote what the answer read, and keeps it through other writes", async () => {
    expect(ok(await engine.runQuery("messages:byAuthor", { author: "ann" }, ann))).toEqual([1, 2]);
    // A write the query did not read (another author's range of the index) keeps the answer.
    ok(await engine.runMutation("messages:send", { author: "bob", body: "b", n: 8 }, null));
    const kept = await engine.runQuery("messages:byAuthor", { author: "ann" }, ann);
    expect(ok(kept)).toEqual([1, 2]);
    expect(hits()).toBe(1);
    expect(kept.ts).toBe(engine.currentTs());
    ok(await engine.runMutation("messages:send", { author: "ann", body: "b", n: 3 }, null));
    expect(ok(await engine.runQuery("messages:byAuthor", { author: "ann" }, ann))).toEqual([1, 2, 3]);
    expect(hits()).toBe(1);
    expect(ok(await engine.runQuery("messages:byAuthor", { author: "ann" }, ann))).toEqual([1, 2, 3]);
    expect(hits()).toBe(2);
  });

  it("does not keep an answer that read the clock or the random generator, a failure, or an internal query's", async () => {
    await engine.runQuery("messages:randoms", { seed: 1 }, null);
    await engine.runQuery("messages:randoms", { seed: 1 }, null);
    await engine.runQuery("messages:badReturn", {}, null);
    await engine.runQuery("messages:badReturn", {}, null);
    await engine.runAdmin("query", "messages:secret", {});
    await engine.runAdmin("query", "messages:secret", {});
    expect(hits()).toBe(0);
  });

  it("is emptied when the environment changes (a query may read it)", async () => {
    await engine.runQuery("messages:byAuthor", { author: "ann" }, ann);
    await engine.setEnv("SOME_NAME", "x");
    await engine.runQuery("messages:byAuthor", { author: "ann" }, ann);
    expect(hits()).toBe(0);
  });

  it("keeps at most its byte budget, the least recently used going first", () => {
    const cache = new QueryCache(new ReadIndexImpl(), 400);
    const keep = (key: string) => cache.set(key, { value: key, logLines: [], reads: new ReadSetImpl(), journal: null }, 90, 1n, 1n, cache.epoch);
    keep("a");
    keep("b");
    keep("c");
    keep("d");
    expect(cache.size).toBe(4);
    cache.get("a");
    keep("e");
    // 5 x 91 bytes > 400: the least recently used ("b", since "a" was just read) went.
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.value).toBe("a");
    expect(cache.size).toBe(4);
    // Larger than a quarter of the budget: not kept at all.
    cache.set("huge", { value: "x", logLines: [], reads: new ReadSetImpl(), journal: null }, 200, 1n, 1n, cache.epoch);
    expect(cache.get("huge")).toBeUndefined();
    // A result that read an older snapshot than the latest published, or from before a clear(), is not kept.
    cache.set("late", { value: "x", logLines: [], reads: new ReadSetImpl(), journal: null }, 10, 1n, 2n, cache.epoch);
    const epoch = cache.epoch;
    cache.clear();
    cache.set("stale", { value: "x", logLines: [], reads: new ReadSetImpl(), journal: null }, 10, 1n, 1n, epoch);
    expect(cache.size).toBe(0);
  });
});
