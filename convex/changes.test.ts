import { describe, expect, it, vi } from "vitest";
import { seedReview } from "../tests/functions/cases/changes";
import { uploadAs } from "../tests/functions/cases/helpers";
import { convexTestHarness, makeConvexTestInstance } from "../tests/functions/convexTest";
import { expectConvexError } from "../tests/functions/harness";
import { listed } from "../tests/listing";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";

// The assistant's change sets on convex-test, where a case needs rows and storage directly: every tool's change is
// recorded and undone exactly (moved, deleted, binary), keep drops the undo data, nothing switches while an answer
// runs, another user sees nothing, and deleting the conversation deletes it. The cases a client can drive (wait for
// review, undo refused after a later edit, restore to a checkpoint and back) run on both backends:
// tests/functions/cases/changes.ts.

/** The shared changes cases' project (src/a.ts, src/b.ts, old.md, a conversation) with a binary src/logo.png. */
async function seed() {
  const t = makeConvexTestInstance();
  const h = convexTestHarness(t);
  const { alice, projectId, src, conversationId } = await seedReview(h);
  const bob = h.as("bob");
  const storageId = await uploadAs(h, alice, projectId, new Uint8Array([1, 2, 3]), "image/png");
  await alice.mutation(api.files.createBinaryFile, { projectId, parentId: src, name: "logo.png", storageId });
  /** A new assistant turn (message in `processing`), as messages.send would leave it, without the action. */
  const turn = () =>
    t.run(async (ctx) => {
      for (const m of await ctx.db.query("messages").withIndex("by_project_status", (q) => q.eq("projectId", projectId).eq("status", "processing")).collect()) {
        await ctx.db.patch("messages", m._id, { status: "completed" });
      }
      return ctx.db.insert("messages", { conversationId, projectId, role: "assistant", content: "", status: "processing" });
    });
  const finish = (messageId: Id<"messages">) => t.run((ctx) => ctx.db.patch("messages", messageId, { status: "completed" }));
  const tool = (messageId: Id<"messages">, name: string, args: Record<string, unknown>) =>
    t.mutation(internal.ai.tools.apply, { messageId, name, arguments: JSON.stringify(args) });
  /** path → text ("<binary>" for a blob), the whole live project. */
  const files = async () => {
    const tree = await listed(alice, projectId);
    const out: Record<string, string> = {};
    const byId = new Map(tree.map((f) => [f._id, f]));
    const pathOf = (id: Id<"files">): string => {
      const f = byId.get(id)!;
      return f.parentId === undefined ? f.name : `${pathOf(f.parentId)}/${f.name}`;
    };
    for (const f of tree) {
      if (f.type === "folder") {
        out[`${pathOf(f._id)}/`] = "";
        continue;
      }
      const full = await alice.query(api.files.get, { fileId: f._id });
      out[pathOf(f._id)] = full.url !== undefined ? "<binary>" : (full.content ?? "");
    }
    return out;
  };
  return { t, alice, bob, projectId, conversationId, storageId, turn, finish, tool, files };
}

describe("change sets", () => {
  it("a turn's creates, edits, moves and deletes (binary too) are one change set, undone exactly", async () => {
    const s = await seed();
    const before = await s.files();
    const m = await s.turn();
    await s.tool(m, "create_file", { path: "lib/new/util.ts", content: "export {};\n" });
    await s.tool(m, "edit_file", { path: "src/a.ts", old_text: "two", new_text: "2\n2b" });
    await s.tool(m, "write_file", { path: "src/a.ts", content: "one\n2\n2b\nthree\nfour\n" });
    await s.tool(m, "move_file", { from: "src/b.ts", to: "lib/b2.ts" });
    await s.tool(m, "delete_file", { path: "old.md" });
    await s.tool(m, "write_file", { path: "src/logo.png", content: "now text" });
    await s.tool(m, "delete_file", { path: "src" });
    await s.finish(m);

    const set = await s.alice.query(api.changes.forMessage, { messageId: m });
    const byPath = Object.fromEntries(set.lines.map((l) => [l.path, [l.kind, l.added, l.removed, l.fromPath]]));
    expect(byPath).toEqual({
      "lib": ["created", 0, 0, undefined],
      "lib/new": ["created", 0, 0, undefined],
      "lib/new/util.ts": ["created", 1, 0, undefined],
      "src/a.ts": ["deleted", 0, 3, undefined],
      "lib/b2.ts": ["moved", 0, 0, "src/b.ts"],
      "old.md": ["deleted", 0, 1, undefined],
      "src/logo.png": ["deleted", 0, 0, undefined],
      "src": ["deleted", 0, 0, undefined],
    });
    expect((await s.files())["lib/b2.ts"]).toBe("b\n");

    await s.alice.mutation(api.changes.undo, { messageId: m });
    expect(await s.files()).toEqual(before);
    const undone = await s.alice.query(api.changes.forMessage, { messageId: m });
    expect(new Set(undone.lines.map((l) => l.state))).toEqual(new Set(["undone"]));
    // The binary came back on its own blob, which the change set had kept alive.
    const tree = await listed(s.alice, s.projectId);
    const logo = tree.find((f) => f.name === "logo.png")!;
    expect((await s.alice.query(api.files.get, { fileId: logo._id })).url).toBeTypeOf("string");
  }, 30_000);

  it("keep drops the undo data", async () => {
    const s = await seed();
    const m = await s.turn();
    await s.tool(m, "edit_file", { path: "src/a.ts", old_text: "two", new_text: "dos" });
    await s.tool(m, "delete_file", { path: "old.md" });
    await s.finish(m);
    await s.alice.mutation(api.changes.keep, { messageId: m });
    const kept = await s.alice.query(api.changes.forMessage, { messageId: m });
    expect(new Set(kept.lines.map((l) => l.state))).toEqual(new Set(["kept"]));
    const rows = await s.t.run((ctx) => ctx.db.query("fileChanges").collect());
    expect(rows.filter((r) => r.messageId === m)).toHaveLength(2);
    expect(rows.every((r) => r.beforeTextId === undefined && r.afterTextId === undefined && r.textBytes === undefined)).toBe(true);
    expect(await s.t.run((ctx) => ctx.db.query("changeTexts").collect())).toEqual([]);
  });

  it("rows of the old shape (texts inline) still diff and undo, and the start-up migration moves their texts out", async () => {
    const s = await seed();
    const m = await s.turn();
    await s.tool(m, "edit_file", { path: "src/a.ts", old_text: "one", new_text: "uno" });
    await s.tool(m, "edit_file", { path: "old.md", old_text: "old", new_text: "new" });
    await s.finish(m);
    // The rows as the old shape wrote them.
    await s.t.run(async (ctx) => {
      for (const row of await ctx.db.query("fileChanges").collect()) {
        const { text } = (await ctx.db.get("changeTexts", row.beforeTextId!))!;
        await ctx.db.delete("changeTexts", row.beforeTextId!);
        await ctx.db.patch("fileChanges", row._id, { beforeTextId: undefined, textBytes: undefined, beforeContent: text });
      }
    });
    const { lines } = await s.alice.query(api.changes.forMessage, { messageId: m });
    const a = lines.find((l) => l.path === "src/a.ts")!;
    expect((await s.alice.query(api.changes.texts, { changeId: a._id })).before).toBe("one\ntwo\nthree\n");
    await s.alice.mutation(api.changes.undo, { messageId: m, changeId: a._id });
    expect((await s.files())["src/a.ts"]).toBe("one\ntwo\nthree\n");

    expect(await s.t.mutation(internal.migrations.moveChangeTexts, { chain: false })).toEqual({ done: true });
    const rows = await s.t.run((ctx) => ctx.db.query("fileChanges").collect());
    expect(rows.map((r) => [r.beforePath, r.beforeContent, r.afterContent, r.textBytes])).toEqual([
      ["src/a.ts", undefined, undefined, "uno\ntwo\nthree\n".length],
      ["old.md", undefined, undefined, "# old\n".length],
    ]);
    expect(await s.t.run((ctx) => ctx.db.query("changeTexts").collect())).toHaveLength(2);
    await s.alice.mutation(api.changes.undo, { messageId: m });
    expect(await s.files()).toMatchObject({ "src/a.ts": "one\ntwo\nthree\n", "old.md": "# old\n" });
  });

  it("a whole-answer undo too large for one transaction: the card shows its progress, and nothing else switches until its steps end", async () => {
    const s = await seed();
    const big = (tag: string) => (`// ${tag}\n` + "x".repeat(99) + "\n").repeat(9000);
    const paths = [0, 1, 2, 3, 4].map((i) => `f${i}.txt`);
    for (const name of paths) await s.alice.mutation(api.files.createFile, { projectId: s.projectId, name, content: big("start") });
    const m = await s.turn();
    for (const path of paths) await s.tool(m, "write_file", { path, content: big("turn") });
    await s.finish(m);
    // Scheduled steps wait for the faked timers, so the state between steps can be read.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      await s.alice.mutation(api.changes.undo, { messageId: m });
      const { operation, lines } = await s.alice.query(api.changes.forMessage, { messageId: m });
      expect(operation).toMatchObject({ kind: "undo", status: "running", total: 5 });
      expect(operation!.done).toBeGreaterThan(0);
      expect(operation!.done).toBeLessThan(5);
      expect(lines.filter((l) => l.state === "undone")).toHaveLength(operation!.done);
      const refused = await expectConvexError(s.alice.mutation(api.changes.keep, { messageId: m }), "CONFLICT");
      expect(refused.message).toContain(`An undo is still running in this project (${operation!.done} of 5 changes)`);
      await expectConvexError(s.alice.mutation(api.changes.restore, { messageId: m }), "CONFLICT");
      await s.t.finishAllScheduledFunctions(() => vi.runAllTimers());
    } finally {
      vi.useRealTimers();
    }
    const after = await s.alice.query(api.changes.forMessage, { messageId: m });
    expect(after.operation).toBeUndefined();
    expect(after.lines.map((l) => l.state)).toEqual(paths.map(() => "undone"));
    expect(await s.files()).toMatchObject(Object.fromEntries(paths.map((p) => [p, big("start")])));
    expect(await s.t.run((ctx) => ctx.db.query("changeOps").collect())).toEqual([]);
  }, 120_000);

  it("refuses while the answer is running, and a created file edited later cannot be undone", async () => {
    const s = await seed();
    const m = await s.turn();
    await s.tool(m, "create_file", { path: "x.ts", content: "x\n" });
    await expectConvexError(s.alice.mutation(api.changes.undo, { messageId: m }), "CONFLICT");
    await s.finish(m);
    const line = (await s.alice.query(api.changes.forMessage, { messageId: m })).lines[0];
    await s.alice.mutation(api.files.updateContent, { fileId: line.fileId, content: "mine\n" });
    const refused = await expectConvexError(s.alice.mutation(api.changes.undo, { messageId: m }), "CONFLICT");
    expect(refused).toMatchObject({ path: "x.ts", canKeepBoth: false });
  });

  it("another user can neither read nor undo a change set; deleting the conversation deletes it and frees kept blobs", async () => {
    const s = await seed();
    const m = await s.turn();
    await s.tool(m, "delete_file", { path: "src/logo.png" });
    await s.tool(m, "edit_file", { path: "old.md", old_text: "old", new_text: "new" });
    await s.finish(m);
    const { lines } = await s.alice.query(api.changes.forMessage, { messageId: m });
    expect(await s.t.run((ctx) => ctx.db.query("changeTexts").collect())).toHaveLength(1);
    await expectConvexError(s.bob.query(api.changes.forMessage, { messageId: m }), "NOT_FOUND");
    await expectConvexError(s.bob.query(api.changes.texts, { changeId: lines[0]._id }), "NOT_FOUND");
    await expectConvexError(s.bob.mutation(api.changes.undo, { messageId: m }), "NOT_FOUND");
    await expectConvexError(s.bob.mutation(api.changes.restore, { messageId: m }), "NOT_FOUND");
    expect(await s.t.run(async (ctx) => (await ctx.db.system.get("_storage", s.storageId)) !== null)).toBe(true);

    await s.alice.mutation(api.conversations.remove, { conversationId: s.conversationId });
    expect(await s.t.run((ctx) => ctx.db.query("fileChanges").collect())).toEqual([]);
    expect(await s.t.run((ctx) => ctx.db.query("changeTexts").collect())).toEqual([]);
    // The deleted file is in the trash, which still holds the blob until the sweep destroys it.
    expect(await s.t.run(async (ctx) => (await ctx.db.system.get("_storage", s.storageId)) !== null)).toBe(true);
    await s.t.mutation(internal.trash.sweep, { before: Date.now() + 1, chain: false });
    expect(await s.t.run(async (ctx) => (await ctx.db.system.get("_storage", s.storageId)) !== null)).toBe(false);
  });

  it("deleting the project deletes its change sets and the blobs they hold", async () => {
    const s = await seed();
    const m = await s.turn();
    await s.tool(m, "delete_file", { path: "src/logo.png" });
    await s.tool(m, "edit_file", { path: "src/a.ts", old_text: "one", new_text: "uno" });
    await s.finish(m);
    expect(await s.t.run((ctx) => ctx.db.query("fileChanges").collect())).toHaveLength(2);
    await s.alice.mutation(api.projects.remove, { projectId: s.projectId });
    await s.t.finishAllScheduledFunctions(() => {}, 10_000);
    expect(await s.t.run((ctx) => ctx.db.query("fileChanges").collect())).toEqual([]);
    expect(await s.t.run((ctx) => ctx.db.query("changeTexts").collect())).toEqual([]);
    expect(await s.t.run(async (ctx) => (await ctx.db.system.get("_storage", s.storageId)) !== null)).toBe(false);
  });
});
