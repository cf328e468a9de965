import { getConvexSize, jsonToConvex, type JSONValue } from "convex/values";
import { afterEach, describe, expect, it, vi } from "vitest";
import { nestingDepth } from "../src/engine/documents.js";
import { plainJsonStats } from "../src/engine/size.js";
import { seededRandom } from "../src/engine/runtime.js";
import { Doc } from "../src/engine/store.js";
import type { Engine } from "../src/engine/types.js";
import { err, ok, open, removeDir, tempDir } from "./engineHarness.js";

// A write is measured (Convex's size, nesting depth) and validated against the schema in its JSON form when the
// JSON is plain, without decoding it into a copy (documents.ts plainJsonStats, schema.ts check): on the insert path
// that decoding was a share of every write's CPU. The figures must be exactly Convex's for the decoded value, and
// anything not plain must still be decoded (which gives Convex's verdict and message).

function randomJson(rand: () => number, depth: number): JSONValue {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const r = rand();
  if (depth > 4 || r < 0.5) {
    return pick<JSONValue>([null, true, false, 0, -1.5, 1e300, "", "ascii", "é", "€uro", "😀", "\ud800x", "x\udc00", "é".repeat(400), "😀".repeat(300), "a".repeat(501)]);
  }
  if (r < 0.65) return Array.from({ length: Math.floor(rand() * 4) }, () => randomJson(rand, depth + 1));
  if (r < 0.7) return pick<JSONValue>([{ $integer: "AQAAAAAAAAA=" }, { $bytes: "AAE=" }, { $float: "AAAAAAAA+H8=" }]);
  const out: Record<string, JSONValue> = {};
  for (const k of ["a", "bb", "", "with space", pick(["z", "ü", "$d", "c\u0001", "k".repeat(1025)])]) if (rand() < 0.4) out[k] = randomJson(rand, depth + 1);
  return out;
}

/** Whether some object key is one Convex decodes specially or refuses ($-prefixed, too long, not printable ASCII). */
function hasSpecialKey(json: JSONValue): boolean {
  if (Array.isArray(json)) return json.some(hasSpecialKey);
  if (json === null || typeof json !== "object") return false;
  return Object.entries(json).some(([k, v]) => k.startsWith("$") || k.length > 1024 || /[^\x20-\x7e]/.test(k) || hasSpecialKey(v));
}

describe("plainJsonStats", () => {
  it("gives getConvexSize and the nesting depth of the decoded value, and null only where decoding may differ (50,000 random values)", () => {
    const rand = seededRandom(7);
    let plain = 0;
    for (let i = 0; i < 50_000; i++) {
      const json = randomJson(rand, 0);
      const stats = plainJsonStats(json);
      const text = JSON.stringify(json);
      if (stats === null) {
        expect(hasSpecialKey(json), text).toBe(true);
        continue;
      }
      plain++;
      const decoded = jsonToConvex(json);
      expect(stats.size, text).toBe(getConvexSize(decoded));
      expect(stats.depth, text).toBe(nestingDepth(decoded));
    }
    expect(plain).toBeGreaterThan(25_000);
  });
});

describe("a write measured in its JSON form", () => {
  let engine: Engine | null = null;
  let dir = "";
  afterEach(async () => {
    vi.restoreAllMocks();
    await engine?.close();
    engine = null;
    removeDir(dir);
  });

  it("is stored without being decoded, and the limits and the schema still hold", async () => {
    dir = tempDir();
    engine = await open(dir);
    const decodes = vi.spyOn(Doc.prototype, "value", "get");
    const id = ok<string>(await engine.runMutation("messages:send", { author: "ann", body: "héllo 😀", n: 1, tag: "t" }, null));
    ok(await engine.runMutation("messages:rename", { id, body: "bye", tag: null }, null));
    expect(decodes).not.toHaveBeenCalled();
    decodes.mockRestore();
    expect(ok(await engine.runQuery("messages:get", { id }, null))).toMatchObject({ author: "ann", body: "bye", n: 1 });
    // Not plain, over the limits, or against the schema: refused as before.
    expect(err(await engine.runMutation("messages:badSchema", {}, null))).toMatch(/does not match the schema/);
    expect(err(await engine.runMutation("messages:big", { size: 1_100_000 }, null))).toMatch(/Value is too large/);
    expect(err(await engine.runMutation("messages:deep", { depth: 70 }, null))).toMatch(/too deeply nested/);
    ok(await engine.runMutation("messages:deep", { depth: 20 }, null));
  });

  it("is read after a restart without being decoded: its size comes from its JSON", async () => {
    dir = tempDir();
    engine = await open(dir);
    for (let n = 0; n < 3; n++) ok(await engine.runMutation("messages:send", { author: "ann", body: `b${n} é`, n }, null));
    await engine.close();
    engine = await open(dir);
    const decodes = vi.spyOn(Doc.prototype, "value", "get");
    expect(ok(await engine.runQuery("messages:byAuthor", { author: "ann" }, null))).toEqual([0, 1, 2]);
    expect(decodes).not.toHaveBeenCalled();
  });
});
