import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import crons from "../../convex/crons";
import { CLIENT_OP_RETENTION_MS, CLIENT_OP_SWEEP_BATCH } from "../../convex/model/idempotency";
import { DEAD_TRANSFER_MESSAGE, TRANSFER_DEAD_AFTER_MS } from "../../convex/model/transfers";
import { seedProject } from "./cases/helpers";
import { expectConvexError } from "./harness";
import { type ConvexTestInstance, convexTestHarness, makeConvexTestInstance } from "./convexTest";

// Checks that need the raw rows, which only convex-test exposes (t.run). setTimeout is faked so scheduled
// functions (the AI action, purge continuations) run only when a test advances the timers.

let t: ConvexTestInstance;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  t = makeConvexTestInstance();
});
afterEach(() => {
  vi.useRealTimers();
});

const alice = () => t.withIdentity({ subject: "alice", name: "alice" });

async function scheduled() {
  return t.run((ctx) => ctx.db.system.query("_scheduled_functions").collect());
}

describe("messages.send rows and scheduling", () => {
  it("stores a processing placeholder, schedules the AI action for it, and cancels the previous answer", async () => {
    const projectId = await alice().mutation(api.projects.create, { name: "P" });
    const conversationId = await alice().mutation(api.conversations.create, { projectId });
    const first = await alice().mutation(api.messages.send, { conversationId, content: "one" });

    const { page } = await alice().query(api.messages.list, { conversationId, paginationOpts: { numItems: 10, cursor: null } });
    const rows = page.reverse();
    expect(rows.map((m) => [m.role, m.content, m.status])).toEqual([
      ["user", "one", "completed"],
      ["assistant", "", "processing"],
    ]);
    const jobs = await scheduled();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ name: "ai/chat:respond", args: [{ assistantMessageId: first.assistantMessageId }] });

    const other = await alice().mutation(api.conversations.create, { projectId });
    const elsewhere = await alice().mutation(api.messages.send, { conversationId: other, content: "x" });
    const second = await alice().mutation(api.messages.send, { conversationId, content: "two" });
    const status = async (id: Id<"messages">) => (await t.run((ctx) => ctx.db.get("messages", id)))!.status;
    expect(await status(first.assistantMessageId)).toBe("cancelled");
    expect(await status(second.assistantMessageId)).toBe("processing");
    expect(await status(elsewhere.assistantMessageId)).toBe("processing");
    expect(await scheduled()).toHaveLength(3);

    await alice().mutation(api.messages.cancel, { messageId: second.assistantMessageId });
    expect(await status(second.assistantMessageId)).toBe("cancelled");
    await t.run((ctx) => ctx.db.patch("messages", elsewhere.assistantMessageId, { status: "completed", content: "done" }));
    await alice().mutation(api.messages.cancel, { messageId: elsewhere.assistantMessageId });
    expect(await status(elsewhere.assistantMessageId)).toBe("completed");
  });
});

describe("cascading deletes leave no rows or blobs behind", () => {
  async function counts(projectId: Id<"projects">) {
    return t.run(async (ctx) => ({
      files: (await ctx.db.query("files").withIndex("by_project", (q) => q.eq("projectId", projectId)).collect()).length,
      conversations: (
        await ctx.db.query("conversations").withIndex("by_project", (q) => q.eq("projectId", projectId)).collect()
      ).length,
      messages: (
        await ctx.db.query("messages").withIndex("by_project_status", (q) => q.eq("projectId", projectId)).collect()
      ).length,
      blobs: (await ctx.db.system.query("_storage").collect()).length,
    }));
  }

  it("project removal deletes files, blobs, conversations, messages, chunks, shared context and import/export state", async () => {
    const h = convexTestHarness(t);
    const seeded = await seedProject(h.as("alice"), (u, b, c) => h.upload(u, b, c));
    await t.run(async (ctx) => {
      await ctx.db.insert("messageChunks", { messageId: seeded.assistantMessageId, seq: 0, text: "partial" });
      await ctx.db.insert("chatContext", { conversationId: seeded.conversationId, fileId: seeded.fileId });
      // A ZIP built on the server and the Git remote of an earlier export.
      const zipStorageId = await ctx.storage.store(new Blob(["PK"]));
      const fields = { projectId: seeded.projectId, ownerId: "alice", status: "completed" as const, done: 1, total: 1, updatedAt: 0 };
      await ctx.db.insert("transfers", { ...fields, kind: "zip", source: "P.zip", zipStorageId });
      await ctx.db.insert("gitRemotes", { projectId: seeded.projectId, url: "https://git.example/p.git", branch: "main", commit: "0".repeat(40), updatedAt: 0 });
    });
    expect(await counts(seeded.projectId)).toEqual({ files: 5, conversations: 1, messages: 2, blobs: 2 });
    await alice().mutation(api.projects.remove, { projectId: seeded.projectId });
    expect(await counts(seeded.projectId)).toEqual({ files: 0, conversations: 0, messages: 0, blobs: 0 });
    expect(await t.run((ctx) => ctx.db.query("messageChunks").collect())).toEqual([]);
    expect(await t.run((ctx) => ctx.db.query("chatContext").collect())).toEqual([]);
    expect(await t.run((ctx) => ctx.db.query("transfers").collect())).toEqual([]);
    expect(await t.run((ctx) => ctx.db.query("gitRemotes").collect())).toEqual([]);
  });

  it("a project too large for one transaction is purged by scheduled batches", async () => {
    const projectId = await alice().mutation(api.projects.create, { name: "Big" });
    const big = "x".repeat(1_000_000);
    await t.run(async (ctx) => {
      for (let i = 0; i < 12; i++) {
        await ctx.db.insert("files", { projectId, name: `f${i}`, type: "file", content: big, updatedAt: 0, size: big.length });
      }
    });
    await alice().mutation(api.projects.remove, { projectId });
    expect(await alice().query(api.projects.list, {})).toEqual([]);
    const left = (await counts(projectId)).files;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThan(12);
    await t.finishAllScheduledFunctions(() => vi.runAllTimers());
    expect((await counts(projectId)).files).toBe(0);
  });

  it("folder removal deletes descendants; a blob shared by a copy survives until the last file goes", async () => {
    const h = convexTestHarness(t);
    const seeded = await seedProject(h.as("alice"), (u, b, c) => h.upload(u, b, c));
    const copy = await alice().mutation(api.files.copy, { fileId: seeded.binaryFileId });
    await alice().mutation(api.files.remove, { fileId: seeded.folderId });
    // In the trash, everything stays until the sweep destroys it.
    expect((await counts(seeded.projectId)).files).toBe(6);
    await t.mutation(internal.trash.sweep, { before: Date.now() + 1, chain: false });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect((await counts(seeded.projectId)).files).toBe(2);
    expect((await counts(seeded.projectId)).blobs).toBe(1);
    await alice().mutation(api.files.remove, { fileId: copy });
    expect((await counts(seeded.projectId)).blobs).toBe(1);
    await t.mutation(internal.trash.sweep, { before: Date.now() + 1, chain: false });
    expect((await counts(seeded.projectId)).blobs).toBe(0);
  });
});

describe("listing backfill of projects written by the original schema", () => {
  it("says not ready until backfilled, keeps writes made meanwhile, and ends equal to the rows", async () => {
    const h = convexTestHarness(t);
    const owner = `${(await alice().run((ctx) => ctx.auth.getUserIdentity()))!.tokenIdentifier}`;
    // 550 rows: more than one backfill page (500).
    const legacy = await t.run(async (ctx) => {
      const projectId = await ctx.db.insert("projects", { name: "Old", ownerId: owner, updatedAt: 0 });
      const dir = await ctx.db.insert("files", { projectId, name: "dir", type: "folder", updatedAt: 0 });
      const files: Id<"files">[] = [];
      for (let i = 0; i < 549; i++) {
        files.push(await ctx.db.insert("files", { projectId, parentId: dir, name: `f${i}.ts`, type: "file", content: "x", updatedAt: 0 }));
      }
      return { projectId, dir, files };
    });
    const { projectId } = legacy;
    expect(await alice().query(api.files.listing, { projectId })).toEqual({ ready: false, buckets: 0 });
    expect(await alice().query(api.files.listingBucket, { projectId, bucket: 0 })).toBeNull();
    expect(await alice().query(api.files.listingTop, { projectId })).toBeNull();

    // The first step pages in 500 rows; then the user renames, moves, creates and deletes, before and after the cursor.
    expect(await t.mutation(internal.migrations.backfillListings, { chain: false })).toMatchObject({ done: false });
    expect(await alice().query(api.files.listing, { projectId })).toEqual({ ready: false, buckets: 0 });
    await alice().mutation(api.files.rename, { fileId: legacy.files[3], name: "renamed-early.ts" });
    await alice().mutation(api.files.rename, { fileId: legacy.files[540], name: "renamed-late.ts" });
    await alice().mutation(api.files.move, { fileId: legacy.files[545], parentId: undefined });
    await alice().mutation(api.files.remove, { fileId: legacy.files[10] });
    await alice().mutation(api.files.remove, { fileId: legacy.files[546] });
    await alice().mutation(api.files.createFile, { projectId, parentId: legacy.dir, name: "new.ts" });

    await t.mutation(internal.migrations.backfillListings, {});
    await t.finishAllScheduledFunctions(() => vi.runAllTimers());
    expect(await t.mutation(internal.migrations.backfillListings, {})).toEqual({ done: true });

    const head = await alice().query(api.files.listing, { projectId });
    expect(head).toEqual({ ready: true, buckets: 1 });
    const entries = (await alice().query(api.files.listingBucket, { projectId, bucket: 0 }))!;
    // The rows themselves, those not in the trash.
    const rows = await t.run(async (ctx) =>
      (await ctx.db.query("files").withIndex("by_project", (q) => q.eq("projectId", projectId)).collect()).filter((r) => r.trashedAt === undefined),
    );
    const shape = (r: { _id: string; parentId?: string; name: string }) => `${r._id} ${r.parentId ?? "-"} ${r.name}`;
    expect(entries.map(shape).sort()).toEqual(rows.map(shape).sort());
    expect(entries).toHaveLength(549);
    expect(await h.admin.query(internal.audit.verifyListing, { projectId, cursor: null })).toEqual({ rows: 549, missing: 0, mismatched: 0, cursor: null });
    expect(await h.admin.query(internal.audit.listingCounts, { projectId })).toEqual({ head: "ready", buckets: [549], pendingPurges: 0 });
    expect(await h.admin.query(internal.migrations.listingStatus, {})).toEqual({ checked: 1, notReady: 0 });
  }, 120_000);
});

describe("clientOps sweep", () => {
  it("deletes records older than the retention window in batches and keeps newer ones", async () => {
    const now = Date.now();
    await t.run(async (ctx) => {
      for (let i = 0; i < CLIENT_OP_SWEEP_BATCH + 5; i++) {
        await ctx.db.insert("clientOps", { userId: "u", opId: `old${i}`, result: null, createdAt: now - CLIENT_OP_RETENTION_MS - 1000 });
      }
      await ctx.db.insert("clientOps", { userId: "u", opId: "fresh", result: null, createdAt: now - 1000 });
    });
    expect(await t.mutation(internal.clientOps.sweep, {})).toBe(CLIENT_OP_SWEEP_BATCH);
    await t.finishAllScheduledFunctions(() => vi.runAllTimers());
    const left = await t.run((ctx) => ctx.db.query("clientOps").collect());
    expect(left.map((r) => r.opId)).toEqual(["fresh"]);
  });

  it("is scheduled by the cron table, as are the other sweeps", () => {
    const jobs = Object.values((crons as unknown as { crons: Record<string, { name: string; schedule: { type: string } }> }).crons);
    expect(jobs.map((job) => [job.name, job.schedule.type])).toEqual([
      ["clientOps:sweep", "daily"],
      ["trash:sweep", "daily"],
      ["uploads:sweepGrants", "hourly"],
      ["transfers:sweepDead", "interval"],
    ]);
  });
});

describe("a transfer whose action died", () => {
  it("Cancel ends it (an import after its files are removed) instead of waiting for the action forever", async () => {
    const h = convexTestHarness(t);
    const seeded = await seedProject(h.as("alice"), (u, b, c) => h.upload(u, b, c));
    const { projectId } = seeded;
    // What the project's tree shows: the entries at its root (a removed folder takes its contents with it).
    const files = () =>
      t.run(async (ctx) => (await ctx.db.query("fileEntries").withIndex("by_project_parent_name", (q) => q.eq("projectId", projectId).eq("parentId", undefined)).collect()).length);
    const row = (kind: "import" | "export") =>
      t.run(async (ctx) => ctx.db.query("transfers").withIndex("by_project_kind", (q) => q.eq("projectId", projectId).eq("kind", kind)).unique());
    const running = (kind: "import" | "export", updatedAt: number) =>
      t.run(async (ctx) => {
        const old = await ctx.db.query("transfers").withIndex("by_project_kind", (q) => q.eq("projectId", projectId).eq("kind", kind)).unique();
        if (old !== null) await ctx.db.delete(old._id);
        const ownerId = (await ctx.db.get(projectId))!.ownerId;
        await ctx.db.insert("transfers", { projectId, ownerId, kind, status: "running", source: "x", phase: "writing", done: 1, total: 5, updatedAt });
      });
    expect(await files()).toBeGreaterThan(0);

    // Still within what a live action could take: Cancel only asks it to stop.
    await running("import", Date.now());
    expect(await alice().mutation(api.transfers.cancel, { projectId, kind: "import" })).toBe(true);
    expect(await row("import")).toEqual(expect.objectContaining({ status: "running", cancelRequested: true }));

    // Quiet for longer than any action lives: Cancel ends it, and what it wrote goes (to the trash, as with any
    // cancelled import) in scheduled batches.
    await running("import", Date.now() - TRANSFER_DEAD_AFTER_MS - 1);
    expect(await alice().mutation(api.transfers.cancel, { projectId, kind: "import" })).toBe(true);
    await t.finishAllScheduledFunctions(() => vi.runAllTimers());
    expect(await row("import")).toEqual(expect.objectContaining({ status: "failed", message: DEAD_TRANSFER_MESSAGE.import }));
    expect(await files()).toBe(0);
    expect((await alice().query(api.projects.get, { projectId })).importStatus).toBe("failed");

    // A dead export wrote nothing into the project: Cancel fails it at once.
    await running("export", Date.now() - TRANSFER_DEAD_AFTER_MS - 1);
    expect(await alice().mutation(api.transfers.cancel, { projectId, kind: "export" })).toBe(true);
    expect(await row("export")).toEqual(expect.objectContaining({ status: "failed", message: DEAD_TRANSFER_MESSAGE.export }));
    // Someone else's Cancel is refused and changes nothing.
    await running("export", Date.now() - TRANSFER_DEAD_AFTER_MS - 1);
    await expect(t.withIdentity({ subject: "bob", name: "bob" }).mutation(api.transfers.cancel, { projectId, kind: "export" })).rejects.toThrow();
    expect(await row("export")).toEqual(expect.objectContaining({ status: "running" }));
  });

  it("a new export replaces a dead one; a new import while a dead one holds files says to Cancel it", async () => {
    const projectId = await alice().mutation(api.projects.create, { name: "P" });
    const dead = (kind: "import" | "export") =>
      t.run(async (ctx) => {
        const ownerId = (await ctx.db.get(projectId))!.ownerId;
        await ctx.db.insert("transfers", { projectId, ownerId, kind, status: "running", source: "old", phase: "writing", done: 1, total: 5, updatedAt: Date.now() - TRANSFER_DEAD_AFTER_MS - 1 });
      });
    const row = (kind: "import" | "export") =>
      t.run(async (ctx) => ctx.db.query("transfers").withIndex("by_project_kind", (q) => q.eq("projectId", projectId).eq("kind", kind)).unique());

    await dead("export");
    await alice().mutation(api.transfers.exportGit, { projectId, url: "https://git.example/p.git" });
    expect(await row("export")).toEqual(expect.objectContaining({ status: "running", source: "https://git.example/p.git", done: 0 }));

    await dead("import");
    const error = await expectConvexError(alice().mutation(api.transfers.importGit, { projectId, url: "https://git.example/p.git" }), "BUSY");
    expect(error.message).toBe("The last import of this project stopped unexpectedly. Cancel it (that removes what it wrote), then try again.");
    expect(await row("import")).toEqual(expect.objectContaining({ status: "running", source: "old" }));
  });
});
