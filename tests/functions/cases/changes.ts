import { describe, expect, it } from "vitest";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { type Caller, type CaseSuite, expectConvexError, type Harness } from "../harness";
import { listed, seedTurn } from "./helpers";

// The assistant's change sets through public functions, on both backends: the turns are made by the tool calls the
// answering action makes (helpers.seedTurn). convex/changes.test.ts has the cases that need convex-test's direct
// access to rows and storage (every tool with binaries, the undo data kept, a running answer, deletion).

/** path → text of every live file of the project, as a client reads it. */
async function files(caller: Caller, projectId: Id<"projects">) {
  const entries = await listed(caller, projectId);
  const byId = new Map(entries.map((e) => [e._id, e]));
  const pathOf = (id: Id<"files">): string => {
    const e = byId.get(id)!;
    return e.parentId === undefined ? e.name : `${pathOf(e.parentId)}/${e.name}`;
  };
  const out: Record<string, string> = {};
  for (const e of entries) if (e.type === "file") out[pathOf(e._id)] = (await caller.query(api.files.get, { fileId: e._id })).content ?? "";
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
