import { describe, expect, it } from "vitest";
import { api, internal } from "../../../convex/_generated/api";
import { MAX_UNDOABLE_DELETE_ITEMS } from "../../../convex/model/changes";
import type { Id } from "../../../convex/_generated/dataModel";
import { type Caller, type CaseSuite, expectConvexError, type Harness } from "../harness";
import { applyTool, listed, seedTurn, uploadAs } from "./helpers";

// The assistant's change sets through public functions, on both backends: the turns are made by the tool calls the
// answering action makes (helpers.seedTurn). convex/changes.test.ts has the cases that need convex-test's direct
// access to rows and storage (every tool with binaries, the undo data kept, a running answer, deletion).

/** path → text of every live file of the project, as a client reads it ("<binary N bytes>" for a blob). */
async function files(caller: Caller, projectId: Id<"projects">) {
  const entries = await listed(caller, projectId);
  const byId = new Map(entries.map((e) => [e._id, e]));
  const pathOf = (id: Id<"files">): string => {
    const e = byId.get(id)!;
    return e.parentId === undefined ? e.name : `${pathOf(e.parentId)}/${e.name}`;
  };
  const out: Record<string, string> = {};
  for (const e of entries) {
    if (e.type !== "file") continue;
    const file = await caller.query(api.files.get, { fileId: e._id });
    out[pathOf(e._id)] = file.url !== undefined ? `<binary ${file.size} bytes>` : (file.content ?? "");
  }
  return out;
}

/**
 * A project with src/a.ts, src/b.ts and old.md, and a conversation, for alice. convex/changes.test.ts starts from
 * it too (on a harness over its own convex-test instance).
 */
export async function seedReview(h: Harness) {
  const alice = h.as("alice");
  const projectId = await alice.mutation(api.projects.create, { name: "Review" });
  const src = await alice.mutation(api.files.createFolder, { projectId, name: "src" });
  await alice.mutation(api.files.createFile, { projectId, parentId: src, name: "a.ts", content: "one\ntwo\nthree\n" });
  await alice.mutation(api.files.createFile, { projectId, parentId: src, name: "b.ts", content: "b\n" });
  await alice.mutation(api.files.createFile, { projectId, name: "old.md", content: "# old\n" });
  const conversationId = await alice.mutation(api.conversations.create, { projectId });
  return { h, alice, projectId, src, conversationId, files: () => files(alice, projectId) };
}

/** A text of about 0.9 MB (9,000 lines), different for each tag: a file near the editor's 1 MiB limit. */
const big = (tag: string) => (`// ${tag}\n` + "x".repeat(99) + "\n").repeat(9000);

/** The large cases move about 100 MB through the functions; the machine may be shared. */
const LARGE_TIMEOUT = 300_000;
/** Restoring 1,000 changes takes convex-test (which scans its whole database for every index query) minutes. */
const RESTORE_LIMIT_TIMEOUT = 600_000;

/** Seven such files, f0.txt … f6.txt, each holding big(tag). */
const SEVEN = [0, 1, 2, 3, 4, 5, 6].map((i) => `f${i}.txt`);
const seven = (tag: string) => Object.fromEntries(SEVEN.map((path) => [path, big(tag)]));
const writeSeven = (tag: string) => SEVEN.map((path) => ({ name: "write_file", arguments: { path, content: big(tag) } }));

/** seedReview's project plus the seven large files. */
async function seedLarge(h: Harness) {
  const s = await seedReview(h);
  for (const name of SEVEN) await s.alice.mutation(api.files.createFile, { projectId: s.projectId, name, content: big("start") });
  return s;
}

export const changeCases: CaseSuite = (makeHarness) => {
  describe("undo and checkpoints", () => {
    it("undo of one file leaves the others; a later edit refuses the undo, naming the file and changing nothing, and keep both restores beside it", async () => {
      const s = await seedReview(await makeHarness());
      const { assistantMessageId: m } = await seedTurn(s.h, s.alice, s.conversationId, [
        { name: "edit_file", arguments: { path: "src/a.ts", old_text: "one", new_text: "ONE" } },
        { name: "edit_file", arguments: { path: "src/b.ts", old_text: "b", new_text: "B" } },
      ]);
      const { lines } = await s.alice.query(api.changes.forMessage, { messageId: m });
      const a = lines.find((l) => l.path === "src/a.ts")!;
      const b = lines.find((l) => l.path === "src/b.ts")!;
      expect([a.added, a.removed]).toEqual([1, 1]);
      const texts = await s.alice.query(api.changes.texts, { changeId: a._id });
      expect([texts.before, texts.after]).toEqual(["one\ntwo\nthree\n", "ONE\ntwo\nthree\n"]);

      await s.alice.mutation(api.changes.undo, { messageId: m, changeId: b._id });
      expect(await s.files()).toMatchObject({ "src/b.ts": "b\n", "src/a.ts": "ONE\ntwo\nthree\n" });

      // The person edits a.ts after the turn: undo would lose it.
      const file = await s.alice.query(api.files.get, { fileId: a.fileId });
      await s.alice.mutation(api.files.updateContent, { fileId: a.fileId, content: "ONE\ntwo\nthree\nmine\n", baseRevision: file.revision });
      const before = await s.files();
      const refused = (await expectConvexError(s.alice.mutation(api.changes.undo, { messageId: m }), "CONFLICT")) as { message: string; path?: string; canKeepBoth?: boolean };
      expect(refused).toMatchObject({ path: "src/a.ts", canKeepBoth: true });
      expect(refused.message).toContain('"src/a.ts" was edited after this change');
      expect(await s.files()).toEqual(before);

      await s.alice.mutation(api.changes.undo, { messageId: m, changeId: a._id, keepBoth: true });
      expect(await s.files()).toMatchObject({ "src/a.ts": "ONE\ntwo\nthree\nmine\n", "src/a copy.ts": "one\ntwo\nthree\n" });
    });

    it("restore to a checkpoint undoes that turn and every later one in one step, and is undoable; a kept later edit refuses it", async () => {
      const s = await seedReview(await makeHarness());
      const start = await s.files();
      const { assistantMessageId: first } = await seedTurn(s.h, s.alice, s.conversationId, [
        { name: "create_file", arguments: { path: "one.txt", content: "1\n" } },
        { name: "edit_file", arguments: { path: "src/a.ts", old_text: "one", new_text: "uno" } },
      ]);
      const afterFirst = await s.files();
      const { assistantMessageId: second } = await seedTurn(s.h, s.alice, s.conversationId, [
        { name: "edit_file", arguments: { path: "src/a.ts", old_text: "two", new_text: "dos" } },
        { name: "delete_file", arguments: { path: "one.txt" } },
        { name: "move_file", arguments: { from: "old.md", to: "new.md" } },
      ]);
      const afterSecond = await s.files();
      expect(afterSecond).toEqual({ "src/a.ts": "uno\ndos\nthree\n", "src/b.ts": "b\n", "new.md": "# old\n" });

      await s.alice.mutation(api.changes.restore, { messageId: first });
      expect(await s.files()).toEqual(start);
      expect((await s.alice.query(api.changes.forMessage, { messageId: first })).restoredHere).toBe(true);
      await s.alice.mutation(api.changes.undoRestore, { messageId: first });
      expect(await s.files()).toEqual(afterSecond);
      expect((await s.alice.query(api.changes.forMessage, { messageId: first })).restoredHere).toBe(false);

      await s.alice.mutation(api.changes.restore, { messageId: second });
      expect(await s.files()).toEqual(afterFirst);
      await s.alice.mutation(api.changes.undoRestore, { messageId: second });

      await s.alice.mutation(api.changes.keep, { messageId: second });
      expect(new Set((await s.alice.query(api.changes.forMessage, { messageId: second })).lines.map((l) => l.state))).toEqual(new Set(["kept"]));
      // A restore to the first answer would now lose the kept edit of a.ts on top of it: refused, nothing changes.
      const refused = (await expectConvexError(s.alice.mutation(api.changes.restore, { messageId: first }), "CONFLICT")) as { path?: string };
      expect(refused.path).toBe("src/a.ts");
      expect(await s.files()).toEqual(afterSecond);
    });
  });

  describe("every tool, binaries and sizes", () => {
    it("write_file over a text, a new path and a binary is one change set with its diffs; undo brings back each, the binary on its own blob", async () => {
      const s = await seedReview(await makeHarness());
      const storageId = await uploadAs(s.h, s.alice, s.projectId, new Uint8Array([1, 2, 3, 4]), "image/png");
      await s.alice.mutation(api.files.createBinaryFile, { projectId: s.projectId, parentId: s.src, name: "logo.png", storageId });
      const before = await s.files();
      expect(before["src/logo.png"]).toBe("<binary 4 bytes>");
      const { assistantMessageId: m } = await seedTurn(s.h, s.alice, s.conversationId, [
        { name: "write_file", arguments: { path: "src/a.ts", content: "one\n2\nthree\nfour\n" } },
        { name: "write_file", arguments: { path: "docs/new.md", content: "# new\n" } },
        { name: "write_file", arguments: { path: "src/logo.png", content: "now text\n" } },
      ]);
      const { lines } = await s.alice.query(api.changes.forMessage, { messageId: m });
      const byPath = Object.fromEntries(lines.map((l) => [l.path, [l.kind, l.added, l.removed, l.binary]]));
      expect(byPath).toEqual({
        "src/a.ts": ["edited", 2, 1, undefined],
        "docs": ["created", 0, 0, undefined],
        "docs/new.md": ["created", 1, 0, undefined],
        "src/logo.png": ["edited", 1, 0, true],
      });
      const a = lines.find((l) => l.path === "src/a.ts")!;
      expect(await s.alice.query(api.changes.texts, { changeId: a._id })).toMatchObject({ before: "one\ntwo\nthree\n", after: "one\n2\nthree\nfour\n", binary: false });
      const logo = lines.find((l) => l.path === "src/logo.png")!;
      expect(await s.alice.query(api.changes.texts, { changeId: logo._id })).toMatchObject({ before: "", after: "now text\n", binary: true });
      expect(await s.files()).toMatchObject({ "src/a.ts": "one\n2\nthree\nfour\n", "docs/new.md": "# new\n", "src/logo.png": "now text\n" });

      await s.alice.mutation(api.changes.undo, { messageId: m });
      await s.h.idle();
      expect(await s.files()).toEqual(before);
      expect(new Set((await s.alice.query(api.changes.forMessage, { messageId: m })).lines.map((l) => l.state))).toEqual(new Set(["undone"]));
    });

    it("a deleted and a moved binary come back on their blobs by undo, and go again by restore and its undo", async () => {
      const s = await seedReview(await makeHarness());
      for (const [name, size] of [["logo.png", 3], ["icon.png", 5]] as const) {
        const storageId = await uploadAs(s.h, s.alice, s.projectId, new Uint8Array(size).fill(size), "image/png");
        await s.alice.mutation(api.files.createBinaryFile, { projectId: s.projectId, parentId: s.src, name, storageId });
      }
      const before = await s.files();
      const { assistantMessageId: m } = await seedTurn(s.h, s.alice, s.conversationId, [
        { name: "delete_file", arguments: { path: "src/logo.png" } },
        { name: "move_file", arguments: { from: "src/icon.png", to: "icon.png" } },
      ]);
      const after = await s.files();
      expect(after).toMatchObject({ "icon.png": "<binary 5 bytes>" });
      expect(after["src/logo.png"]).toBeUndefined();
      const { lines } = await s.alice.query(api.changes.forMessage, { messageId: m });
      expect(Object.fromEntries(lines.map((l) => [l.path, [l.kind, l.binary]]))).toEqual({
        "src/logo.png": ["deleted", true],
        "icon.png": ["moved", true],
      });

      await s.alice.mutation(api.changes.restore, { messageId: m });
      await s.h.idle();
      expect(await s.files()).toEqual(before);
      await s.alice.mutation(api.changes.undoRestore, { messageId: m });
      await s.h.idle();
      expect(await s.files()).toEqual(after);
      await s.alice.mutation(api.changes.undo, { messageId: m });
      await s.h.idle();
      expect(await s.files()).toEqual(before);
    });

    it("seven ~0.9 MB files rewritten by write_file: undo all, restore and its undo work as one operation each, and three such answers waiting for review are listed", async () => {
      const s = await seedLarge(await makeHarness());
      const start = await s.files();
      const undoAll = await seedTurn(s.h, s.alice, s.conversationId, writeSeven("first"));
      expect(await s.files()).toMatchObject(seven("first"));
      await s.alice.mutation(api.changes.undo, { messageId: undoAll.assistantMessageId });
      await s.h.idle();
      expect(await s.files()).toEqual(start);
      const undone = await s.alice.query(api.changes.forMessage, { messageId: undoAll.assistantMessageId });
      expect(undone.lines.map((l) => l.state)).toEqual(SEVEN.map(() => "undone"));
      expect(undone.operation).toBeUndefined();

      const { assistantMessageId: m } = await seedTurn(s.h, s.alice, s.conversationId, writeSeven("second"));
      const afterSecond = await s.files();
      expect(afterSecond).toMatchObject(seven("second"));
      await s.alice.mutation(api.changes.restore, { messageId: m });
      await s.h.idle();
      expect(await s.files()).toEqual(start);
      expect((await s.alice.query(api.changes.forMessage, { messageId: m })).restoredHere).toBe(true);
      await s.alice.mutation(api.changes.undoRestore, { messageId: m });
      await s.h.idle();
      expect(await s.files()).toEqual(afterSecond);
      expect((await s.alice.query(api.changes.forMessage, { messageId: m })).restoredHere).toBe(false);
      await s.alice.mutation(api.changes.keep, { messageId: m });

      await s.alice.mutation(api.projects.updateSettings, { projectId: s.projectId, settings: { assistantChanges: "review" } });
      const waiting: Id<"messages">[] = [];
      for (const tag of ["r1", "r2", "r3"]) waiting.push((await seedTurn(s.h, s.alice, s.conversationId, writeSeven(tag))).assistantMessageId);
      const pending = await s.alice.query(api.changes.pending, { projectId: s.projectId });
      expect(pending.map((p) => [p.messageId, p.line.path])).toEqual(waiting.flatMap((id) => SEVEN.map((path) => [id, path])));
      expect(await s.files()).toMatchObject(seven("r3"));
      // Taking back all three, newest first, leaves the files as the kept answer left them.
      await s.alice.mutation(api.changes.restore, { messageId: waiting[0] });
      await s.h.idle();
      expect(await s.files()).toEqual(afterSecond);
      expect(await s.alice.query(api.changes.pending, { projectId: s.projectId })).toEqual([]);
    }, LARGE_TIMEOUT);

    it("a large undo that meets a later edit part-way takes back what it had done and says which file, so nothing is lost", async () => {
      const s = await seedLarge(await makeHarness());
      const { assistantMessageId: m } = await seedTurn(s.h, s.alice, s.conversationId, writeSeven("turn"));
      // Undo goes last change first: f0.txt comes last, in a later step than the caller's transaction.
      const { lines } = await s.alice.query(api.changes.forMessage, { messageId: m });
      const f0 = lines.find((l) => l.path === "f0.txt")!;
      const file = await s.alice.query(api.files.get, { fileId: f0.fileId });
      await s.alice.mutation(api.files.updateContent, { fileId: f0.fileId, content: "mine\n", baseRevision: file.revision });
      const edited = await s.files();

      await s.alice.mutation(api.changes.undo, { messageId: m });
      await s.h.idle();
      expect(await s.files()).toEqual(edited);
      const after = await s.alice.query(api.changes.forMessage, { messageId: m });
      expect(after.lines.map((l) => l.state)).toEqual(SEVEN.map(() => "applied"));
      expect(after.operation).toMatchObject({ kind: "undo", status: "failed", done: 0, total: 7, error: { code: "CONFLICT", path: "f0.txt", canKeepBoth: true } });
      expect(after.operation?.error?.message).toContain('"f0.txt" was edited after this change');

      // Keep both then completes it: the edit stays, the earlier text comes back beside it.
      await s.alice.mutation(api.changes.undo, { messageId: m, keepBoth: true });
      await s.h.idle();
      const done = await s.alice.query(api.changes.forMessage, { messageId: m });
      expect(done.operation).toBeUndefined();
      expect(await s.files()).toMatchObject({ ...seven("start"), "f0.txt": "mine\n", "f0 copy.txt": big("start") });
    }, LARGE_TIMEOUT);
  });

  describe("limits", () => {
    it("the assistant may not delete a folder of more than 500 items (its undo data would be too large): refused, naming the folder, and nothing is deleted or recorded", async () => {
      const { h, alice, projectId, conversationId, files: read } = await seedReview(await makeHarness());
      const many = await alice.mutation(api.files.createFolder, { projectId, name: "many" });
      const items = Array.from({ length: MAX_UNDOABLE_DELETE_ITEMS + 1 }, (_, i) => ({ name: `f${i}.txt`, content: `${i}\n` }));
      await alice.mutation(api.files.createMany, { projectId, parentId: many, items });
      const before = await read();
      const { assistantMessageId } = await h.admin.mutation(internal.messages.sendUnanswered, { conversationId, content: "Delete many" });
      // The operator's call (h.admin) carries the refusal's text, not always its ConvexError data (local backend).
      await expect(
        h.admin.mutation(internal.ai.tools.apply, { messageId: assistantMessageId, name: "delete_file", arguments: JSON.stringify({ path: "many" }) }),
      ).rejects.toThrow(/many\W+ holds more than 500 items or too much text for the assistant to delete it undoably/);
      await alice.mutation(api.messages.cancel, { messageId: assistantMessageId });
      expect(await read()).toEqual(before);
      expect((await alice.query(api.changes.forMessage, { messageId: assistantMessageId })).lines).toEqual([]);
    }, LARGE_TIMEOUT);
  });

  describe("limits of one answer and of a restore", () => {
    it("an answer keeps at most 8 MiB of earlier texts to undo: the write past it is refused, naming the file and changing nothing, the earlier ones stay undoable, and a new answer may go on", async () => {
      const s = await seedReview(await makeHarness());
      // Nine files of ~0.96 MB: eight rewritten fit in 8 MiB of undo data (7.7 MB), the ninth does not (8.7 MB).
      const NINE = Array.from({ length: 9 }, (_, i) => `n${i}.txt`);
      for (const name of NINE) await s.alice.mutation(api.files.createFile, { projectId: s.projectId, name, content: big("start") });
      const start = await s.files();
      const { assistantMessageId: m } = await s.h.admin.mutation(internal.messages.sendUnanswered, { conversationId: s.conversationId, content: "Rewrite nine files" });
      for (const path of NINE.slice(0, 8)) await applyTool(s.h, m, "write_file", { path, content: big("new") });
      // Creating files keeps no earlier text: it never counts against the limit.
      await applyTool(s.h, m, "create_file", { path: "fresh.txt", content: big("fresh") });
      const beforeRefusal = await s.files();
      // The operator's call (h.admin) carries the refusal's text, not always its ConvexError data (local backend).
      await expect(applyTool(s.h, m, "write_file", { path: "n8.txt", content: big("new") })).rejects.toThrow(
        /n8\.txt\W+ was not changed: with it this answer would keep more than 8 MiB of earlier file contents to undo, the most one answer may\. Finish this answer and continue in a new message\./,
      );
      expect(await s.files()).toEqual(beforeRefusal);
      await s.alice.mutation(api.messages.cancel, { messageId: m });
      const { lines } = await s.alice.query(api.changes.forMessage, { messageId: m });
      expect(lines.map((l) => l.path)).toEqual([...NINE.slice(0, 8), "fresh.txt"]);

      // A new answer has its own 8 MiB.
      const next = await seedTurn(s.h, s.alice, s.conversationId, [{ name: "write_file", arguments: { path: "n8.txt", content: big("new") } }]);
      expect((await s.files())["n8.txt"]).toBe(big("new"));
      await s.alice.mutation(api.changes.restore, { messageId: m });
      await s.h.idle();
      expect(await s.files()).toEqual(start);
      expect((await s.alice.query(api.changes.forMessage, { messageId: next.assistantMessageId })).lines.map((l) => l.state)).toEqual(["undone"]);
    }, LARGE_TIMEOUT);

    it("an answer changes at most 1,000 files and a restore undoes at most 1,000: past either it is refused, naming the file or saying what to do, changing nothing; restoring to a later answer first, then to this one, works", async () => {
      const s = await seedReview(await makeHarness());
      // Two folders of 499 files: deleting both is 1,000 changes, the most one answer may make.
      for (const name of ["d1", "d2"]) {
        const folder = await s.alice.mutation(api.files.createFolder, { projectId: s.projectId, name });
        const items = Array.from({ length: MAX_UNDOABLE_DELETE_ITEMS - 1 }, (_, i) => ({ name: `f${i}.txt`, content: `${name} ${i}\n` }));
        await s.alice.mutation(api.files.createMany, { projectId: s.projectId, parentId: folder, items });
      }
      const start = await s.files();
      const first = await seedTurn(s.h, s.alice, s.conversationId, [{ name: "edit_file", arguments: { path: "src/a.ts", old_text: "one", new_text: "uno" } }]);
      const { assistantMessageId: second } = await s.h.admin.mutation(internal.messages.sendUnanswered, { conversationId: s.conversationId, content: "Delete both" });
      await applyTool(s.h, second, "delete_file", { path: "d1" });
      await applyTool(s.h, second, "delete_file", { path: "d2" });
      const after = await s.files();
      await expect(applyTool(s.h, second, "create_file", { path: "one-more.txt", content: "1\n" })).rejects.toThrow(
        /one-more\.txt\W+ was not changed: with it this answer would change more than 1,000 files and folders, the most one answer may\. Finish this answer and continue in a new message\./,
      );
      await s.alice.mutation(api.messages.cancel, { messageId: second });
      expect(await s.files()).toEqual(after);
      expect((await s.alice.query(api.changes.forMessage, { messageId: second })).lines).toHaveLength(1000);

      // 1 + 1,000 changes to undo: one too many.
      const refused = await expectConvexError(s.alice.mutation(api.changes.restore, { messageId: first.assistantMessageId }), "TOO_LARGE");
      expect(refused.message).toBe(
        "Restoring to here would undo more than 1,000 changes of the answers since this one, the most one restore can undo. Restore to a later answer first, then to this one.",
      );
      await s.h.idle();
      expect(await s.files()).toEqual(after);

      // The later answer's 1,000 changes are within the limit; then this answer's one change is all that is left.
      await s.alice.mutation(api.changes.restore, { messageId: second });
      await s.h.idle();
      expect((await s.alice.query(api.changes.forMessage, { messageId: second })).operation).toBeUndefined();
      await s.alice.mutation(api.changes.restore, { messageId: first.assistantMessageId });
      await s.h.idle();
      expect(await s.files()).toEqual(start);
      for (const messageId of [first.assistantMessageId, second]) {
        expect(new Set((await s.alice.query(api.changes.forMessage, { messageId })).lines.map((l) => l.state))).toEqual(new Set(["undone"]));
      }
      // Each restore is undone on its own, the latest first.
      await s.alice.mutation(api.changes.undoRestore, { messageId: first.assistantMessageId });
      await s.h.idle();
      expect((await s.files())["src/a.ts"]).toBe("uno\ntwo\nthree\n");
      await s.alice.mutation(api.changes.undoRestore, { messageId: second });
      await s.h.idle();
      expect(await s.files()).toEqual(after);
    }, RESTORE_LIMIT_TIMEOUT);
  });

  describe("wait for review", () => {
    it("a turn's changes are pending (in the project's list and on the answer's lines) until kept or undone, per file or whole; apply at once leaves none pending; another user sees none", async () => {
      const { h, alice, projectId, conversationId } = await seedReview(await makeHarness());
      const bob = h.as("bob");
      const pendingPaths = async () => (await alice.query(api.changes.pending, { projectId })).map((p) => p.line.path).sort();

      const atOnce = await seedTurn(h, alice, conversationId, [{ name: "create_file", arguments: { path: "at-once.txt", content: "1\n" } }]);
      expect(await pendingPaths()).toEqual([]);
      expect((await alice.query(api.changes.forMessage, { messageId: atOnce.assistantMessageId })).lines.map((l) => l.pending)).toEqual([undefined]);

      await alice.mutation(api.projects.updateSettings, { projectId, settings: { assistantChanges: "review" } });
      expect((await alice.query(api.projects.get, { projectId }))?.settings?.assistantChanges).toBe("review");
      const { assistantMessageId: m } = await seedTurn(h, alice, conversationId, [
        { name: "edit_file", arguments: { path: "src/a.ts", old_text: "one", new_text: "uno" } },
        { name: "create_file", arguments: { path: "new.txt", content: "n\n" } },
        { name: "delete_file", arguments: { path: "old.md" } },
      ]);
      expect(await pendingPaths()).toEqual(["new.txt", "old.md", "src/a.ts"]);
      const lines = async () => Object.fromEntries((await alice.query(api.changes.forMessage, { messageId: m })).lines.map((l) => [l.path, [l.kind, l.state, l.pending]]));
      expect(await lines()).toEqual({
        "src/a.ts": ["edited", "applied", true],
        "new.txt": ["created", "applied", true],
        "old.md": ["deleted", "applied", true],
      });
      // The changes are in the files meanwhile.
      expect(await files(alice, projectId)).toEqual({ "src/a.ts": "uno\ntwo\nthree\n", "src/b.ts": "b\n", "new.txt": "n\n", "at-once.txt": "1\n" });
      // Bob sees none of it.
      await expect(bob.query(api.changes.pending, { projectId })).rejects.toThrow();

      const byPath = Object.fromEntries((await alice.query(api.changes.pending, { projectId })).map((p) => [p.line.path, p]));
      expect(byPath["old.md"].messageId).toBe(m);
      await alice.mutation(api.changes.keep, { messageId: m, changeId: byPath["src/a.ts"].line._id });
      await alice.mutation(api.changes.undo, { messageId: m, changeId: byPath["old.md"].line._id });
      expect(await pendingPaths()).toEqual(["new.txt"]);
      expect(await lines()).toEqual({
        "src/a.ts": ["edited", "kept", undefined],
        "new.txt": ["created", "applied", true],
        "old.md": ["deleted", "undone", undefined],
      });
      expect((await files(alice, projectId))["old.md"]).toBe("# old\n");
      await alice.mutation(api.changes.keep, { messageId: m });
      expect(await pendingPaths()).toEqual([]);
      expect(await files(alice, projectId)).toEqual({ "src/a.ts": "uno\ntwo\nthree\n", "src/b.ts": "b\n", "new.txt": "n\n", "at-once.txt": "1\n", "old.md": "# old\n" });
      // The other settings stay as they were when this one changes.
      await alice.mutation(api.projects.updateSettings, { projectId, settings: { devCommand: "npm run dev" } });
      expect((await alice.query(api.projects.get, { projectId }))?.settings).toEqual({ devCommand: "npm run dev", assistantChanges: "review" });
    });
  });
};
