import { type TestConvex, convexTest } from "convex-test";
import { type DataModelFromSchemaDefinition, defineSchema, defineTable, type GenericDatabaseReader } from "convex/server";
import { v } from "convex/values";
import { describe, expect, it } from "vitest";
import { fileCases } from "./cases/files";
import { listingCases } from "./cases/listing";
import { scaleCases } from "./cases/scale";
import { trashCases } from "./cases/trash";
import { convexModules, convexTestHarness, makeConvexTestInstance } from "./convexTest";
import { withIndexedQueries } from "./convexTestIndexes";

// The index lookups of convexTestIndexes.ts checked against convex-test's own full scans: `verify` answers every
// query and page both ways and throws on any difference.

const schema = defineSchema({
  things: defineTable({
    group: v.optional(v.union(v.string(), v.number(), v.null())),
    rank: v.optional(v.number()),
    name: v.string(),
    meta: v.optional(v.object({ tag: v.optional(v.string()) })),
  })
    .index("by_group", ["group"])
    .index("by_group_rank_name", ["group", "rank", "name"])
    .index("by_tag", ["meta.tag"]),
});

type Reader = GenericDatabaseReader<DataModelFromSchemaDefinition<typeof schema>>;

/** A small deterministic generator (mulberry32), so a failure is reproducible. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GROUPS = [undefined, null, "a", "b", "", 0, -0, 1, 2.5];
const TAGS = [undefined, "x", "y"];

type Thing = { group?: string | number | null; rank?: number; name: string; meta?: { tag?: string } };

function randomThing(next: () => number): Thing {
  const pick = <T,>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  const thing: Thing = { name: `n${Math.floor(next() * 5)}` };
  const group = pick(GROUPS);
  if (group !== undefined) thing.group = group;
  if (next() < 0.8) thing.rank = Math.floor(next() * 4);
  const tag = pick(TAGS);
  if (next() < 0.7) thing.meta = tag === undefined ? {} : { tag };
  return thing;
}

/** Every kind of read convex-test answers from an index: eq prefixes, ranges, both orders, limits, filters, pages. */
async function readAll(db: Reader, next: () => number) {
  const pick = <T,>(xs: T[]) => xs[Math.floor(next() * xs.length)];
  const group = pick(GROUPS);
  const rank = Math.floor(next() * 4);
  const q = () => db.query("things");
  await q().withIndex("by_group", (r) => r.eq("group", group)).collect();
  await q().withIndex("by_group", (r) => r.eq("group", group)).order("desc").take(2);
  await q().withIndex("by_group_rank_name", (r) => r.eq("group", group).eq("rank", rank)).collect();
  await q().withIndex("by_group_rank_name", (r) => r.eq("group", group).gt("rank", rank)).first();
  await q().withIndex("by_group_rank_name", (r) => r.eq("group", group).eq("rank", rank).eq("name", "n1")).unique().catch(() => null);
  await q().withIndex("by_group_rank_name", (r) => r.gte("group", "a")).collect();
  await q().withIndex("by_tag", (r) => r.eq("meta.tag", pick(TAGS))).collect();
  await q().withIndex("by_group").collect();
  await q().withIndex("by_group", (r) => r.eq("group", group)).filter((f) => f.eq(f.field("rank"), rank)).collect();
  await q().withIndex("by_creation_time").order("desc").first();
  return [group, rank] as const;
}

type Instance = TestConvex<typeof schema>;

/** Every page of a group, each in its own transaction (Convex allows one `.paginate()` per function). */
async function pages(t: Instance, group: Thing["group"], numItems: number, order: "asc" | "desc") {
  const ids: string[] = [];
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page = await t.run((ctx) =>
      ctx.db
        .query("things")
        .withIndex("by_group_rank_name", (r) => r.eq("group", group))
        .order(order)
        .paginate({ numItems, cursor }),
    );
    ids.push(...page.page.map((d) => d._id));
    if (page.isDone) return { ids, cursors };
    cursor = page.continueCursor;
    cursors.push(cursor);
  }
}

describe("convex-test with index lookups", () => {
  it("answers every read as the full scan does, before and after writes, inside the writing transaction too", async () => {
    const t = withIndexedQueries(convexTest({ schema, modules: convexModules }), { verify: true });
    const next = random(11);
    const ids: string[] = [];
    let cursors: string[] = [];
    for (let round = 0; round < 40; round++) {
      const cursor = cursors.length === 0 ? null : cursors[Math.floor(next() * cursors.length)];
      await t.run(async (ctx) => {
        for (let i = 0; i < 8; i++) {
          const roll = next();
          if (roll < 0.5 || ids.length === 0) ids.push(await ctx.db.insert("things", randomThing(next)));
          else if (roll < 0.8) await ctx.db.patch(ids[Math.floor(next() * ids.length)] as never, randomThing(next));
          else {
            const [id] = ids.splice(Math.floor(next() * ids.length), 1);
            await ctx.db.delete(id as never);
          }
          // Reads between the transaction's own writes see them.
          await readAll(ctx.db, next);
        }
        // A page after a cursor of an earlier transaction, over documents this one has written.
        const group = GROUPS[Math.floor(next() * GROUPS.length)];
        await ctx.db
          .query("things")
          .withIndex("by_group_rank_name", (r) => r.eq("group", group))
          .paginate({ numItems: 1 + Math.floor(next() * 3), cursor });
      });
      const group = await t.run(async (ctx) => (await readAll(ctx.db, next))[0]);
      // Pages of every size, both orders, a page at a time as a client pages.
      for (const numItems of [1, 2, 5]) {
        const asc = await pages(t, group, numItems, "asc");
        const desc = await pages(t, group, numItems, "desc");
        expect(desc.ids).toEqual([...asc.ids].reverse());
        if (asc.cursors.length > 0) cursors = asc.cursors;
      }
    }
    // The generator did reach the interesting parts: deleted, patched and live documents, groups of several.
    expect(ids.length).toBeGreaterThan(20);
  }, 120_000);

  it("refuses a convex-test whose database it does not know", () => {
    const t = convexTest({ schema, modules: convexModules });
    const stub = { ...t, finishInProgressScheduledFunctions: () => Promise.resolve() };
    expect(() => withIndexedQueries(stub)).toThrow(/convexTestIndexes/);
  });
});

// The shared cases whose reads cover the listing, the tree operations, the trash and its batched purge, each read
// checked against the full scan (the scale case at its small size: the full scans cost (files)²).
const verified = () => Promise.resolve({ ...convexTestHarness(makeConvexTestInstance({ verify: true })), scaleFiles: 2000 });
describe("verified convex-test: files", () => fileCases(verified));
describe("verified convex-test: listing", () => listingCases(verified));
describe("verified convex-test: trash", () => trashCases(verified));
describe("verified convex-test: scale", () => scaleCases(verified));
