import { describe, expect, it } from "vitest";
import { api } from "../../../convex/_generated/api";
import { type CaseSuite, expectConvexError } from "../harness";
import { listed, names } from "./helpers";

export const idempotencyCases: CaseSuite = (makeHarness) => {
  describe("idempotency (clientOpId)", () => {
    it("a replayed create returns the first result and creates nothing more", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "P", clientOpId: "op-project" });
      expect(await alice.mutation(api.projects.create, { name: "P", clientOpId: "op-project" })).toBe(projectId);
      expect(await alice.query(api.projects.list, {})).toHaveLength(1);

      const args = { projectId, name: "a.ts", content: "1", clientOpId: "op-file" };
      const fileId = await alice.mutation(api.files.createFile, args);
      expect(await alice.mutation(api.files.createFile, args)).toBe(fileId);
      expect(await listed(alice, projectId)).toHaveLength(1);
    });

    it("a replayed content write keeps one revision bump; a replayed rename after another rename changes nothing", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "P" });
      const fileId = await alice.mutation(api.files.createFile, { projectId, name: "a.ts", content: "1" });
      const write = { fileId, content: "2", baseRevision: 1, clientOpId: "w1" };
      expect(await alice.mutation(api.files.updateContent, write)).toEqual({ revision: 2 });
      expect(await alice.mutation(api.files.updateContent, write)).toEqual({ revision: 2 });
      expect((await alice.query(api.files.get, { fileId })).revision).toBe(2);

      await alice.mutation(api.files.rename, { fileId, name: "b.ts", clientOpId: "r1" });
      await alice.mutation(api.files.rename, { fileId, name: "c.ts", clientOpId: "r2" });
      await alice.mutation(api.files.rename, { fileId, name: "b.ts", clientOpId: "r1" });
      expect(names(await listed(alice, projectId))).toEqual(["c.ts"]);

      const copy = await alice.mutation(api.files.copy, { fileId, clientOpId: "c1" });
      expect(await alice.mutation(api.files.copy, { fileId, clientOpId: "c1" })).toBe(copy);
      await alice.mutation(api.files.remove, { fileId: copy, clientOpId: "d1" });
      await alice.mutation(api.files.remove, { fileId: copy, clientOpId: "d1" });
      expect(names(await listed(alice, projectId))).toEqual(["c.ts"]);
    });

    it("a replayed send stores one exchange", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "P" });
      const conversationId = await alice.mutation(api.conversations.create, { projectId });
      const first = await alice.mutation(api.messages.send, { conversationId, content: "hi", clientOpId: "s1" });
      expect(await alice.mutation(api.messages.send, { conversationId, content: "hi", clientOpId: "s1" })).toEqual(first);
      expect((await alice.query(api.messages.list, { conversationId, paginationOpts: { numItems: 10, cursor: null } })).page).toHaveLength(2);
      await alice.mutation(api.messages.cancel, { messageId: first.assistantMessageId });
    });

    it("the same clientOpId from another user is independent", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const bob = h.as("bob");
      const a = await alice.mutation(api.projects.create, { name: "Alice's", clientOpId: "same" });
      const b = await bob.mutation(api.projects.create, { name: "Bob's", clientOpId: "same" });
      expect(b).not.toBe(a);
      expect((await alice.query(api.projects.list, {})).map((p) => p.name)).toEqual(["Alice's"]);
      expect((await bob.query(api.projects.list, {})).map((p) => p.name)).toEqual(["Bob's"]);
    });

    it("a failed write records nothing, so its retry applies; overlong ids are refused", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "P" });
      await alice.mutation(api.files.createFile, { projectId, name: "taken.ts" });
      await expectConvexError(
        alice.mutation(api.files.createFile, { projectId, name: "taken.ts", clientOpId: "retry" }),
        "NAME_TAKEN",
      );
      await alice.mutation(api.files.rename, {
        fileId: (await listed(alice, projectId))[0]._id,
        name: "other.ts",
      });
      const created = await alice.mutation(api.files.createFile, { projectId, name: "taken.ts", clientOpId: "retry" });
      expect((await alice.query(api.files.get, { fileId: created })).name).toBe("taken.ts");

      await expectConvexError(
        alice.mutation(api.projects.create, { name: "P2", clientOpId: "x".repeat(101) }),
        "INVALID_ARGUMENT",
      );
      await alice.mutation(api.projects.create, { name: "P3", clientOpId: "x".repeat(100) });
      expect(names(await alice.query(api.projects.list, {}))).toEqual(["P", "P3"]);
    });
  });
};
