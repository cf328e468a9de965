import { jsonToConvex, type Value } from "convex/values";
import { describe, expect, it } from "vitest";
import { newId } from "../src/engine/ids.js";
import { seededRandom } from "../src/engine/runtime.js";
import { matchesJson, validateValue, type VJson } from "../src/engine/validate.js";

// matchesJson, the fast check of a value in its JSON form, may only say "valid" where validateValue (after
// Convex's jsonToConvex) says so too; everything else goes to validateValue. Checked on random validators and
// values built to hit the edges (ids of the wrong table, $-keys, extra and missing fields, unions, literals).

const FILES = 3;
const OTHER = 4;
const tables = new Map([
  [FILES, "files"],
  [OTHER, "projects"],
]);
const resolve = (id: string) => {
  for (const [num, name] of tables) if (id === ids[num]?.find((x) => x === id)) return name;
  return null;
};
const ids: Record<number, string[]> = { [FILES]: [newId(FILES), newId(FILES)], [OTHER]: [newId(OTHER)] };

/** What validateValue says of a JSON value: null when valid; a message otherwise (also when it cannot decode). */
function slowVerdict(v: VJson, json: unknown): string | null {
  let value: Value;
  try {
    value = jsonToConvex(json as never);
  } catch (e) {
    return String(e);
  }
  return validateValue(v, value, resolve);
}

function randomValidator(rand: () => number, depth: number): VJson {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const r = rand();
  if (depth > 2 || r < 0.4) {
    return pick<VJson>([
      { type: "any" },
      { type: "null" },
      { type: "number" },
      { type: "boolean" },
      { type: "string" },
      { type: "bigint" },
      { type: "bytes" },
      { type: "id", tableName: "files" },
      { type: "id", tableName: "projects" },
      { type: "literal", value: "file" },
      { type: "literal", value: 3 },
      { type: "literal", value: { $integer: "AQAAAAAAAAA=" } },
    ]);
  }
  if (r < 0.55) return { type: "array", value: randomValidator(rand, depth + 1) };
  if (r < 0.65) return { type: "union", value: [randomValidator(rand, depth + 1), randomValidator(rand, depth + 1)] };
  if (r < 0.7) return { type: "record", keys: { type: "string" }, values: { fieldType: randomValidator(rand, depth + 1), optional: false } };
  const value: Record<string, { fieldType: VJson; optional: boolean }> = {};
  for (const k of ["a", "b", pick(["c", "$d", "toString", "e\u0001"])]) {
    if (rand() < 0.7) value[k] = { fieldType: randomValidator(rand, depth + 1), optional: rand() < 0.4 };
  }
  return { type: "object", value };
}

function randomJson(rand: () => number, depth: number): unknown {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const r = rand();
  if (depth > 3 || r < 0.45) {
    return pick<unknown>([null, true, false, 0, 3, -1.5, "", "file", "x", ids[FILES][0], ids[FILES][1], ids[OTHER][0], "notanid"]);
  }
  if (r < 0.6) return Array.from({ length: Math.floor(rand() * 3) }, () => randomJson(rand, depth + 1));
  if (r < 0.7) {
    return pick<unknown>([{ $integer: "AQAAAAAAAAA=" }, { $bytes: "AAE=" }, { $float: "AAAAAAAA+H8=" }, { $integer: 5 }, { $set: [] }]);
  }
  const out: Record<string, unknown> = {};
  for (const k of ["a", "b", "c", "$d", "toString", "e\u0001", "z"]) if (rand() < 0.35) out[k] = randomJson(rand, depth + 1);
  return out;
}

describe("validateValue", () => {
  it("lets an optional field named like an Object.prototype member be absent", () => {
    const v: VJson = { type: "object", value: Object.fromEntries([["toString", { fieldType: { type: "string" as const }, optional: true }]]) };
    expect(validateValue(v, {}, resolve)).toBeNull();
    expect(validateValue(v, Object.fromEntries([["toString", 1]]), resolve)).toMatch(/does not match validator/);
  });
});

describe("matchesJson", () => {
  it("says valid only where validateValue after jsonToConvex does (200,000 random pairs)", () => {
    const rand = seededRandom(11);
    let shownValid = 0;
    let valid = 0;
    for (let i = 0; i < 200_000; i++) {
      const v = randomValidator(rand, 0);
      // Half the values are made to fit the validator's shape more often: drawn until one is valid, up to 5 tries.
      let json = randomJson(rand, 0);
      for (let t = 0; t < 5 && rand() < 0.5 && slowVerdict(v, json) !== null; t++) json = randomJson(rand, 0);
      const slow = slowVerdict(v, json);
      const fast = matchesJson(v, json, resolve);
      if (fast && slow !== null) throw new Error(`matchesJson said valid, validateValue: ${slow}\n${JSON.stringify(v)}\n${JSON.stringify(json)}`);
      if (fast) shownValid++;
      if (slow === null) valid++;
    }
    // The fast path must carry most valid values, or it spares nothing.
    expect(valid).toBeGreaterThan(20_000);
    expect(shownValid / valid).toBeGreaterThan(0.6);
  });

  it("shows a listing bucket valid in its JSON form, and a wrong table or an extra field not", () => {
    const entry: VJson = {
      type: "object",
      value: {
        _id: { fieldType: { type: "id", tableName: "files" }, optional: false },
        parentId: { fieldType: { type: "id", tableName: "files" }, optional: true },
        name: { fieldType: { type: "string" }, optional: false },
        type: { fieldType: { type: "union", value: [{ type: "literal", value: "file" }, { type: "literal", value: "folder" }] }, optional: false },
        isBinary: { fieldType: { type: "boolean" }, optional: true },
      },
    };
    const bucket: VJson = { type: "union", value: [{ type: "array", value: entry }, { type: "null" }] };
    const rows = Array.from({ length: 1000 }, (_, i) => ({ _id: ids[FILES][i % 2], ...(i % 3 ? { parentId: ids[FILES][0] } : {}), name: `m${i}.ts`, type: i % 7 ? "file" : "folder" }));
    expect(matchesJson(bucket, rows, resolve)).toBe(true);
    expect(matchesJson(bucket, null, resolve)).toBe(true);
    const wrongTable = [...rows, { _id: ids[OTHER][0], name: "x", type: "file" }];
    expect(matchesJson(bucket, wrongTable, resolve)).toBe(false);
    expect(slowVerdict(bucket, wrongTable)).toMatch(/does not match validator/);
    const extra = [{ _id: ids[FILES][0], name: "x", type: "file", size: 1 }];
    expect(matchesJson(bucket, extra, resolve)).toBe(false);
    expect(slowVerdict(bucket, extra)).toMatch(/does not match validator/);
    const missing = [{ _id: ids[FILES][0], type: "file" }];
    expect(matchesJson(bucket, missing, resolve)).toBe(false);
    expect(slowVerdict(bucket, missing)).toMatch(/does not match validator/);
  });
});
