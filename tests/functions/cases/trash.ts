import { describe, expect, it } from "vitest";
import { api, internal } from "../../../convex/_generated/api";
import { type CaseSuite, type Harness, expectConvexError } from "../harness";
import { listed, listedIn, names, nextMillisecond, uploadAs } from "./helpers";

// The trash (convex/model/trash.ts): a delete can be taken back with everything it held, binaries included; a
// name taken meanwhile gets "(restored)"; the sweep destroys what is old enough, exactly once. Name keys: names
// differing only in case are refused on every path that names a file.

async function newProject(h: Harness) {
  const caller = h.as("alice");
  const projectId = await caller.mutation(api.projects.create, { name: "Trash" });
  return { caller, projectId };
}

export const trashCases: CaseSuite = (makeHarness) => {
  describe("trash: deleting and restoring", () => {
    it("restores a deleted folder with its text and binary files, in the same place and with the same ids", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const src = await caller.mutation(api.files.createFolder, { projectId, name: "src" });
      const lib = await caller.mutation(api.files.createFolder, { projectId, parentId: src, name: "lib" });
      const text = await caller.mutation(api.files.createFile, { projectId, parentId: lib, name: "a.ts", content: "A" });
      const storageId = await uploadAs(h, caller, projectId, new Uint8Array([7, 8, 9]), "image/png");
      const image = await caller.mutation(api.files.createBinaryFile, { projectId, parentId: src, name: "i.png", storageId });

      await caller.mutation(api.files.remove, { fileId: src });
      expect(await listed(caller, projectId)).toEqual([]);
      for (const fileId of [src, lib, text, image]) await expectConvexError(caller.query(api.files.get, { fileId }), "NOT_FOUND");
      // Deleted, the item no longer holds its name, and nothing can be written into it.
      await expectConvexError(caller.mutation(api.files.createFile, { projectId, parentId: src, name: "b.ts" }), "NOT_FOUND");

      expect(await caller.mutation(api.trash.restore, { fileId: src })).toBe("src");
      expect(names(await listed(caller, projectId))).toEqual(["a.ts", "i.png", "lib", "src"]);
      expect((await caller.query(api.files.get, { fileId: text })).content).toBe("A");
      const restoredImage = await caller.query(api.files.get, { fileId: image });
      expect(restoredImage).toMatchObject({ isBinary: true, size: 3, parentId: src });
      expect(typeof restoredImage.url).toBe("string");
      // Restored once: a second restore (an Undo sent twice) is refused and changes nothing.
      await expectConvexError(caller.mutation(api.trash.restore, { fileId: src }), "NOT_FOUND");
      await expectConvexError(caller.mutation(api.trash.restore, { fileId: text }), "NOT_FOUND");
    });

    it("a name taken since the delete gives the restored item a clear name beside it", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const first = await caller.mutation(api.files.createFile, { projectId, name: "notes.md", content: "old" });
      await caller.mutation(api.files.remove, { fileId: first });
      const second = await caller.mutation(api.files.createFile, { projectId, name: "notes.md", content: "new" });
      expect(await caller.mutation(api.trash.restore, { fileId: first })).toBe("notes (restored).md");
      await caller.mutation(api.files.remove, { fileId: second });
      // Taken again by a name differing only in case: the same clash.
      await caller.mutation(api.files.createFile, { projectId, name: "Notes.md", content: "newest" });
      expect(await caller.mutation(api.trash.restore, { fileId: second })).toBe("notes (restored 2).md");
      expect(names(await listed(caller, projectId))).toEqual(["Notes.md", "notes (restored 2).md", "notes (restored).md"]);
      expect((await caller.query(api.files.get, { fileId: first })).content).toBe("old");
    });

    it("an item whose folder was deleted after it waits until that folder is restored", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const dir = await caller.mutation(api.files.createFolder, { projectId, name: "dir" });
      const inner = await caller.mutation(api.files.createFile, { projectId, parentId: dir, name: "x.ts" });
      await caller.mutation(api.files.remove, { fileId: inner });
      await caller.mutation(api.files.remove, { fileId: dir });
      const refusal = await expectConvexError(caller.mutation(api.trash.restore, { fileId: inner }), "NOT_FOUND");
      expect(refusal.message).toContain("Undo that delete first");
      await caller.mutation(api.trash.restore, { fileId: dir });
      expect(names(await listed(caller, projectId))).toEqual(["dir"]);
      await caller.mutation(api.trash.restore, { fileId: inner });
      expect(names(await listed(caller, projectId))).toEqual(["dir", "x.ts"]);
    });

    it("the sweep destroys what is older than its cutoff, once, releasing blobs, and keeps the rest", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const old = await caller.mutation(api.files.createFolder, { projectId, name: "old" });
      const storageId = await uploadAs(h, caller, projectId, new Uint8Array([1]), "image/png");
      await caller.mutation(api.files.createBinaryFile, { projectId, parentId: old, name: "o.png", storageId });
      await caller.mutation(api.files.remove, { fileId: old });
      const cutoff = Date.now() + 1;
      // Deleted after the cutoff: stays in the trash.
      const recent = await caller.mutation(api.files.createFile, { projectId, name: "recent.ts", content: "R" });
      await nextMillisecond(cutoff);
      await caller.mutation(api.files.remove, { fileId: recent });

      expect(await h.admin.mutation(internal.trash.sweep, { before: cutoff, chain: false })).toEqual({ done: true });
      expect(await h.admin.mutation(internal.trash.sweep, { before: cutoff, chain: false })).toEqual({ done: true });
      await expectConvexError(caller.mutation(api.trash.restore, { fileId: old }), "NOT_FOUND");
      // The folder's purge (run here directly; its scheduled chain may run it too) deletes the blob once unreferenced.
      await h.admin.mutation(internal.files.purge, { projectId });
      expect(await h.admin.query(internal.audit.blobExists, { storageId })).toBe(false);
      expect(await h.admin.query(internal.audit.listingCounts, { projectId })).toMatchObject({ pendingPurges: 0 });
      expect(await listed(caller, projectId)).toEqual([]);
      expect(await caller.mutation(api.trash.restore, { fileId: recent })).toBe("recent.ts");
      expect((await caller.query(api.files.get, { fileId: recent })).content).toBe("R");
    });
  });

  describe("name keys: names differing only in case", () => {
    it("are refused on create, rename, move, createMany, and within one createMany", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const readme = await caller.mutation(api.files.createFile, { projectId, name: "README.md" });
      const dir = await caller.mutation(api.files.createFolder, { projectId, name: "dir" });
      const other = await caller.mutation(api.files.createFile, { projectId, parentId: dir, name: "Readme.md" });
      const clash = /only in upper and lower case/;
      expect((await expectConvexError(caller.mutation(api.files.createFile, { projectId, name: "readme.md" }), "NAME_TAKEN")).message).toMatch(clash);
      await expectConvexError(caller.mutation(api.files.createFolder, { projectId, name: "DIR" }), "NAME_TAKEN");
      await expectConvexError(caller.mutation(api.files.move, { fileId: other, parentId: undefined }), "NAME_TAKEN");
      await expectConvexError(caller.mutation(api.files.createMany, { projectId, items: [{ name: "readME.md" }] }), "NAME_TAKEN");
      await expectConvexError(caller.mutation(api.files.createMany, { projectId, parentId: dir, items: [{ name: "b.ts" }, { name: "README.MD" }] }), "NAME_TAKEN");
      // A folder whose only row is in the trash: the name is free again, for createMany as for createFile.
      const emptied = await caller.mutation(api.files.createFolder, { projectId, parentId: dir, name: "emptied" });
      await caller.mutation(api.files.remove, { fileId: await caller.mutation(api.files.createFile, { projectId, parentId: emptied, name: "x.ts" }) });
      await caller.mutation(api.files.createMany, { projectId, parentId: emptied, items: [{ name: "X.ts" }] });
      await expectConvexError(caller.mutation(api.files.createMany, { projectId, parentId: emptied, items: [{ name: "x.TS" }] }), "NAME_TAKEN");
      const inGroup = await expectConvexError(
        caller.mutation(api.files.createMany, { projectId, parentId: dir, items: [{ name: "a.ts" }, { name: "A.ts" }] }),
        "NAME_TAKEN",
      );
      expect(inGroup.message).toMatch(clash);
      // Composed and decomposed é are one name too.
      await caller.mutation(api.files.createFile, { projectId, name: "caf\u00e9.txt" });
      await expectConvexError(caller.mutation(api.files.createFile, { projectId, name: "cafe\u0301.txt" }), "NAME_TAKEN");
      // Changing only the case of an item's own name is a rename, not a clash.
      await caller.mutation(api.files.rename, { fileId: readme, name: "readme.md" });
      expect(names(await listedIn(caller, projectId))).toEqual(["café.txt", "dir", "readme.md"]);
      // A copy into a folder holding a case variant gets a copy name.
      const copy = await caller.mutation(api.files.copy, { fileId: other });
      expect((await caller.query(api.files.get, { fileId: copy })).name).toBe("Readme copy.md");
    });
  });
};
