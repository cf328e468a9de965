import { ConvexError } from "convex/values";
import { describe, expect, it } from "vitest";
import { makeConvexTestInstance } from "../../tests/functions/convexTest";
import { api, internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { MAX_LIST_LINES } from "./listFiles";
import { runToolCall } from "./tools";

// The assistant's tools in one deployment: a refused call must leave the project exactly as it was, and
// move_file must move and rename in one step.

const OWNER = "issuer|alice";

async function seed() {
  const t = makeConvexTestInstance();
  const ids = await t.run(async (ctx) => {
    const projectId = await ctx.db.insert("projects", { name: "P", ownerId: OWNER, updatedAt: 0 });
    const conversationId = await ctx.db.insert("conversations", { projectId, title: "New conversation", updatedAt: 0 });
    const messageId = await ctx.db.insert("messages", { conversationId, projectId, role: "assistant", content: "", status: "processing" });
    const node = (name: string, type: "file" | "folder", parentId?: Id<"files">) =>
      ctx.db.insert("files", { projectId, parentId, name, type, content: type === "file" ? `${name} text` : undefined, size: 0, revision: 1, updatedAt: 0 });
    const dst = await node("dst", "folder");
    const a = await node("a.txt", "file");
    const b = await node("b.txt", "file");
    await node("taken.txt", "file", dst);
    const dstB = await node("b.txt", "file", dst);
    const inner = await node("inner", "folder", dst);
    return { projectId, messageId, dst, a, b, dstB, inner };
  });
  return { t, ...ids };
}

type Seeded = Awaited<ReturnType<typeof seed>>;

/** Every node as [path, id], sorted by path: a before/after picture of the whole project. */
async function snapshot({ t, projectId }: Seeded): Promise<[string, string][]> {
  const rows = await t.run((ctx) => ctx.db.query("files").withIndex("by_project", (q) => q.eq("projectId", projectId)).collect());
  const byId = new Map(rows.map((r) => [r._id, r]));
  const pathOf = (id: Id<"files">): string => {
    const row = byId.get(id)!;
    return row.parentId === undefined ? row.name : `${pathOf(row.parentId)}/${row.name}`;
  };
  return rows.map((r): [string, string] => [pathOf(r._id), r._id]).sort(([x], [y]) => (x < y ? -1 : 1));
}

function apply(s: Seeded, name: string, args: Record<string, unknown> | string) {
  return s.t.mutation(internal.ai.tools.apply, {
    messageId: s.messageId,
    name,
    arguments: typeof args === "string" ? args : JSON.stringify(args),
  });
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error: unknown = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConvexError);
  return (error as ConvexError<{ code: string; message: string }>).data;
}

describe("move_file", () => {
  it("moves and renames at once, even into a folder that holds a file with the old name", async () => {
    const s = await seed();
    const result = await apply(s, "move_file", { from: "b.txt", to: "dst/free.txt" });
    expect(result).toEqual({ output: "Moved.", target: "b.txt → dst/free.txt", detail: "moved" });
    const after = new Map(await snapshot(s));
    expect(after.get("dst/free.txt")).toBe(s.b);
    expect(after.get("dst/b.txt")).toBe(s.dstB);
    expect(after.has("b.txt")).toBe(false);
  });

  it("renames in place and moves without renaming", async () => {
    const s = await seed();
    await apply(s, "move_file", { from: "a.txt", to: "renamed.txt" });
    await apply(s, "move_file", { from: "renamed.txt", to: "dst/inner/renamed.txt" });
    expect(new Map(await snapshot(s)).get("dst/inner/renamed.txt")).toBe(s.a);
  });

  it("refuses a taken destination name and changes nothing", async () => {
    const s = await seed();
    const before = await snapshot(s);
    const data = await refusal(apply(s, "move_file", { from: "a.txt", to: "dst/taken.txt" }));
    expect(data.code).toBe("NAME_TAKEN");
    expect(data.message).toContain('"taken.txt" already exists');
    expect(await snapshot(s)).toEqual(before);
  });

  it("refuses moving a folder into itself and an invalid new name, changing nothing", async () => {
    const s = await seed();
    const before = await snapshot(s);
    expect((await refusal(apply(s, "move_file", { from: "dst", to: "dst/inner/dst" }))).code).toBe("MOVE_CYCLE");
    expect((await refusal(apply(s, "move_file", { from: "a.txt", to: "dst/bad\u0001name" }))).code).toBe("INVALID_NAME");
    expect(await snapshot(s)).toEqual(before);
  });
});

describe("a refused tool call changes nothing", () => {
  it("create_file rolls back the parent folders it made when the file is refused", async () => {
    const s = await seed();
    const before = await snapshot(s);
    const data = await refusal(apply(s, "create_file", { path: "fresh/deep/bad\u0001.txt", content: "x" }));
    expect(data.code).toBe("INVALID_NAME");
    expect(await snapshot(s)).toEqual(before);
  });

  it("arguments that are not a JSON object are refused with a clear message", async () => {
    const s = await seed();
    expect((await refusal(apply(s, "read_file", "{not json"))).message).toBe("The arguments were not valid JSON.");
    expect((await refusal(apply(s, "read_file", "[1]"))).message).toBe("The arguments must be a JSON object.");
  });

  it("from the action, a refused call is reported ✗ to the model and the activity line, and leaves no change", async () => {
    const s = await seed();
    const before = await snapshot(s);
    const refused = await s.t.action((ctx) =>
      runToolCall(ctx, s.messageId, { name: "move_file", arguments: JSON.stringify({ from: "a.txt", to: "dst/taken.txt" }) }, 7),
    );
    expect(refused.ok).toBe(false);
    expect(refused.output).toContain('Error: "taken.txt" already exists');
    expect(await snapshot(s)).toEqual(before);

    const moved = await s.t.action((ctx) =>
      runToolCall(ctx, s.messageId, { name: "move_file", arguments: JSON.stringify({ from: "b.txt", to: "dst/free.txt" }) }, 9),
    );
    expect(moved).toEqual({ ok: true, output: "Moved." });
    const message = await s.t.run((ctx) => ctx.db.get("messages", s.messageId));
    expect(message?.activity).toEqual([
      { tool: "move_file", target: "a.txt", detail: expect.stringContaining("already exists") as string, ok: false, offset: 7 },
      { tool: "move_file", target: "b.txt → dst/free.txt", detail: "moved", ok: true, offset: 9 },
    ]);
  });

  it("a cancelled answer gets no change and no activity line", async () => {
    const s = await seed();
    await s.t.run((ctx) => ctx.db.patch("messages", s.messageId, { status: "cancelled" }));
    const before = await snapshot(s);
    const result = await s.t.action((ctx) =>
      runToolCall(ctx, s.messageId, { name: "delete_file", arguments: JSON.stringify({ path: "dst" }) }, 0),
    );
    expect(result.ok).toBe(false);
    expect(await snapshot(s)).toEqual(before);
    expect((await s.t.run((ctx) => ctx.db.get("messages", s.messageId)))?.activity).toBeUndefined();
  });
});

describe("list_files", () => {
  async function seedListed() {
    const t = makeConvexTestInstance();
    const alice = t.withIdentity({ subject: "alice", name: "alice" });
    const projectId = await alice.mutation(api.projects.create, { name: "Listed" });
    const many = await alice.mutation(api.files.createFolder, { projectId, name: "many" });
    await alice.mutation(api.files.createMany, {
      projectId,
      parentId: many,
      items: Array.from({ length: 1000 }, (_, i) => ({ name: `f${String(i).padStart(4, "0")}.ts` })),
    });
    const small = await alice.mutation(api.files.createFolder, { projectId, name: "small" });
    await alice.mutation(api.files.createMany, { projectId, parentId: small, items: [{ name: "a.ts" }, { name: "sub", type: "folder" }] });
    const messageId = await t.run(async (ctx) => {
      const conversationId = await ctx.db.insert("conversations", { projectId, title: "New conversation", updatedAt: 0 });
      return ctx.db.insert("messages", { conversationId, projectId, role: "assistant", content: "", status: "processing" });
    });
    const list = (args: object) =>
      t.action((ctx) => runToolCall(ctx, messageId, { name: "list_files", arguments: JSON.stringify(args) }, 0));
    return { t, messageId, list };
  }

  it("reads every bucket and shows at most 1,000 paths, saying how many more there are", async () => {
    const { list } = await seedListed();
    const whole = await list({});
    expect(whole.ok).toBe(true);
    const lines = whole.output.split("\n");
    expect(lines.slice(0, 3)).toEqual(["many/", "many/f0000.ts", "many/f0001.ts"]);
    expect(lines).toHaveLength(MAX_LIST_LINES + 1);
    // 1,000 files, 3 folders and 1 more file: 1,004 paths in all.
    expect(lines.at(-1)).toBe("… and 4 more not shown (1004 in all). Pass a folder path to list part of the project.");

    expect(await list({ path: "small" })).toEqual({ ok: true, output: "small/a.ts\nsmall/sub/" });
  });

  it("says the list is not ready for a project whose listing is not backfilled, and nothing once cancelled", async () => {
    const s = await seed();
    const notReady = await s.t.action((ctx) => runToolCall(ctx, s.messageId, { name: "list_files", arguments: "{}" }, 0));
    expect(notReady.output).toContain("still being prepared");
    await s.t.run((ctx) => ctx.db.patch("messages", s.messageId, { status: "cancelled" }));
    const cancelled = await s.t.action((ctx) => runToolCall(ctx, s.messageId, { name: "list_files", arguments: "{}" }, 0));
    expect(cancelled).toEqual({ ok: false, output: "The answer was cancelled; no change was made." });
  });
});

describe("search_files", () => {
  async function seedSearched() {
    const t = makeConvexTestInstance();
    const alice = t.withIdentity({ subject: "alice", name: "alice" });
    const projectId = await alice.mutation(api.projects.create, { name: "Searched" });
    const src = await alice.mutation(api.files.createFolder, { projectId, name: "src" });
    await alice.mutation(api.files.createMany, {
      projectId,
      parentId: src,
      items: [
        { name: "a.ts", content: "const needle = 1;\nneedle += 2;\n" },
        { name: "many.ts", content: "needle\n".repeat(150) },
      ],
    });
    await alice.mutation(api.files.createFile, { projectId, name: "README.md", content: "No NEEDLE here? Needle!\n" });
    const messageId = await t.run(async (ctx) => {
      const conversationId = await ctx.db.insert("conversations", { projectId, title: "New conversation", updatedAt: 0 });
      return ctx.db.insert("messages", { conversationId, projectId, role: "assistant", content: "", status: "processing" });
    });
    const search = (args: object) =>
      t.action((ctx) => runToolCall(ctx, messageId, { name: "search_files", arguments: JSON.stringify(args) }, 0));
    return { t, messageId, search };
  }

  it("returns path:line: text for matches, bounded, and records an activity line", async () => {
    const { t, messageId, search } = await seedSearched();
    expect(await search({ query: "needle", match_case: true, include: "*.ts", exclude: "many.ts" })).toEqual({
      ok: true,
      output: "src/a.ts:1: const needle = 1;\nsrc/a.ts:2: needle += 2;",
    });
    expect(await search({ query: "ne+dle!", regex: true })).toEqual({ ok: true, output: "README.md:1: No NEEDLE here? Needle!" });
    const bounded = await search({ query: "needle" });
    const lines = bounded.output.split("\n");
    // 3 lines of README.md and a.ts, then 20 of many.ts (the page lists its first 100 of 150 lines): one file cannot fill the answer.
    expect(lines.filter((l) => l.startsWith("src/many.ts:"))).toHaveLength(20);
    expect(lines.at(-1)).toBe("… and more matches not shown (104+ matches in 3 files). Narrow the search to see them.");
    expect(await search({ query: "absent" })).toEqual({ ok: true, output: "No matches in 3 files searched." });
    const activity = (await t.run((ctx) => ctx.db.get("messages", messageId)))!.activity!;
    expect(activity.map((a) => [a.tool, a.target, a.detail, a.ok])).toEqual([
      ["search_files", "needle", "2 matches in 1 file", true],
      ["search_files", "ne+dle!", "1 match in 1 file", true],
      ["search_files", "needle", "104+ matches in 3 files", true],
      ["search_files", "absent", "no matches", true],
    ]);
  });

  it("refuses a bad pattern or a missing query with the reason, and answers nothing once cancelled", async () => {
    const { t, messageId, search } = await seedSearched();
    const bad = await search({ query: "(x", regex: true });
    expect(bad.ok).toBe(false);
    expect(bad.output).toContain("The regular expression is not valid");
    expect((await search({})).output).toBe('Error: Argument "query" must be a non-empty string.');
    await t.run((ctx) => ctx.db.patch("messages", messageId, { status: "cancelled" }));
    expect(await search({ query: "needle" })).toEqual({ ok: false, output: "The answer was cancelled; no change was made." });
  });
});
