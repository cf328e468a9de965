import { describe, expect, it } from "vitest";
import { api } from "../../../convex/_generated/api";
import { type CaseSuite, expectConvexError } from "../harness";
import { nextMillisecond, seedProject } from "./helpers";

export const projectCases: CaseSuite = (makeHarness) => {
  describe("projects", () => {
    it("creates, lists newest first, gets, renames and updates settings", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      expect(await alice.query(api.projects.list, {})).toEqual([]);
      const a = await alice.mutation(api.projects.create, { name: "  Alpha  " });
      await nextMillisecond();
      const b = await alice.mutation(api.projects.create, { name: "Beta" });
      expect((await alice.query(api.projects.list, {})).map((p) => p._id)).toEqual([b, a]);

      const alpha = await alice.query(api.projects.get, { projectId: a });
      expect(alpha.name).toBe("Alpha");
      expect(alpha.settings).toBeUndefined();

      await nextMillisecond(alpha.updatedAt);
      await alice.mutation(api.projects.rename, { projectId: a, name: "Alpha 2" });
      const renamed = await alice.query(api.projects.get, { projectId: a });
      expect(renamed.name).toBe("Alpha 2");
      expect(renamed.updatedAt).toBeGreaterThan(alpha.updatedAt);
      expect((await alice.query(api.projects.list, {})).map((p) => p._id)).toEqual([a, b]);

      await alice.mutation(api.projects.updateSettings, {
        projectId: a,
        settings: { installCommand: "npm ci", devCommand: "npm run dev" },
      });
      expect((await alice.query(api.projects.get, { projectId: a })).settings).toEqual({
        installCommand: "npm ci",
        devCommand: "npm run dev",
      });
      await alice.mutation(api.projects.updateSettings, { projectId: a, settings: { devCommand: "vite" } });
      expect((await alice.query(api.projects.get, { projectId: a })).settings).toEqual({
        installCommand: "npm ci",
        devCommand: "vite",
      });
      await alice.mutation(api.projects.updateSettings, { projectId: a, settings: { installCommand: "" } });
      expect((await alice.query(api.projects.get, { projectId: a })).settings).toEqual({ devCommand: "vite" });
    });

    it("a file change moves its project to the top of the list", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const a = await alice.mutation(api.projects.create, { name: "A" });
      await nextMillisecond();
      const b = await alice.mutation(api.projects.create, { name: "B" });
      await nextMillisecond();
      await alice.mutation(api.files.createFile, { projectId: a, name: "x.ts" });
      expect((await alice.query(api.projects.list, {})).map((p) => p._id)).toEqual([a, b]);
    });

    it("rejects invalid project names with INVALID_NAME", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      for (const name of ["", "   ", "x".repeat(256), "bad\u0007name", "tab\tname"]) {
        const error = await expectConvexError(alice.mutation(api.projects.create, { name }), "INVALID_NAME");
        expect(error.message.length).toBeGreaterThan(10);
      }
      const id = await alice.mutation(api.projects.create, { name: "x".repeat(255) });
      expect((await alice.query(api.projects.get, { projectId: id })).name).toHaveLength(255);
      await expectConvexError(alice.mutation(api.projects.rename, { projectId: id, name: " " }), "INVALID_NAME");
      expect((await alice.query(api.projects.get, { projectId: id })).name).toHaveLength(255);
    });

    it("rejects overlong settings", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const id = await alice.mutation(api.projects.create, { name: "P" });
      await expectConvexError(
        alice.mutation(api.projects.updateSettings, { projectId: id, settings: { devCommand: "x".repeat(1001) } }),
        "INVALID_ARGUMENT",
      );
    });

    it("remove cascades to files, blobs, conversations and messages", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const seeded = await seedProject(alice, (u, b, t) => h.upload(u, b, t));
      const other = await alice.mutation(api.projects.create, { name: "Other" });
      const keptFile = await alice.mutation(api.files.createFile, { projectId: other, name: "keep.ts", content: "k" });

      await alice.mutation(api.projects.remove, { projectId: seeded.projectId });

      expect((await alice.query(api.projects.list, {})).map((p) => p._id)).toEqual([other]);
      await expectConvexError(alice.query(api.projects.get, { projectId: seeded.projectId }), "NOT_FOUND");
      await expectConvexError(alice.query(api.files.listing, { projectId: seeded.projectId }), "NOT_FOUND");
      for (const fileId of [seeded.fileId, seeded.folderId, seeded.nestedFileId, seeded.binaryFileId]) {
        await expectConvexError(alice.query(api.files.get, { fileId }), "NOT_FOUND");
      }
      await expectConvexError(alice.query(api.conversations.list, { projectId: seeded.projectId }), "NOT_FOUND");
      await expectConvexError(
        alice.query(api.messages.list, { conversationId: seeded.conversationId, paginationOpts: { numItems: 10, cursor: null } }),
        "NOT_FOUND",
      );
      // The blob went with its file: a new file cannot be made from it.
      await expectConvexError(
        alice.mutation(api.files.createBinaryFile, { projectId: other, name: "again.png", storageId: seeded.storageId }),
        "NOT_FOUND",
      );
      expect((await alice.query(api.files.get, { fileId: keptFile })).content).toBe("k");
    });
  });
};
