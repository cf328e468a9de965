import { describe, expect, it } from "vitest";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { type CaseSuite, type Harness, expectConvexError } from "../harness";
import { CONTENTS_PAGE_BYTES, MAX_CONTENTS_PAGE_FILES, MAX_TEXT_BYTES } from "../../../convex/lib/limits";
import { uploadSha256 } from "../../../convex/lib/uploadHash";
import { caseClashMessage, nameTakenMessage } from "../../../convex/model/names";
import { listed, listedIn, names, nextMillisecond, seedProject, uploadAs } from "./helpers";

async function newProject(h: Harness, user = "alice") {
  const caller = h.as(user);
  const projectId = await caller.mutation(api.projects.create, { name: "Files" });
  return { caller, projectId };
}

export const fileCases: CaseSuite = (makeHarness) => {
  describe("files: reading and writing", () => {
    it("creates files and folders; the listing carries names and structure without content", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const src = await caller.mutation(api.files.createFolder, { projectId, name: "src" });
      const main = await caller.mutation(api.files.createFile, {
        projectId,
        parentId: src,
        name: "main.ts",
        content: "héllo", // é is two bytes in UTF-8
      });
      const empty = await caller.mutation(api.files.createFile, { projectId, name: "empty.txt" });

      const entries = await listed(caller, projectId);
      expect(entries).toHaveLength(3);
      const byId = new Map(entries.map((f) => [f._id, f]));
      expect(byId.get(main)).toEqual({ _id: main, parentId: src, name: "main.ts", type: "file" });
      expect(byId.get(src)).toEqual({ _id: src, name: "src", type: "folder" });
      expect(await caller.query(api.files.get, { fileId: main })).toMatchObject({ revision: 1, size: 6, isBinary: false, type: "file" });

      expect(names(await listedIn(caller, projectId))).toEqual(["empty.txt", "src"]);
      expect(names(await listedIn(caller, projectId, src))).toEqual(["main.ts"]);

      const file = await caller.query(api.files.get, { fileId: main });
      expect(file).toMatchObject({ content: "héllo", revision: 1, name: "main.ts" });
      expect(file.url).toBeUndefined();
      expect((await caller.query(api.files.get, { fileId: empty })).content).toBe("");
      expect((await caller.query(api.files.get, { fileId: src })).content).toBeUndefined();
    });

    it("contents reads a page of files in order with their text or storage url, leaving out folders, trashed and deleted ones", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const one = await seedProject(alice, (u, b, t) => h.upload(u, b, t));
      const gone = await alice.mutation(api.files.createFile, { projectId: one.projectId, name: "gone.ts", content: "x" });
      const trashed = await alice.mutation(api.files.createFile, { projectId: one.projectId, parentId: one.subfolderId, name: "t.ts" });
      await alice.mutation(api.files.remove, { fileId: gone });
      await alice.mutation(api.files.remove, { fileId: one.subfolderId }); // util.ts and t.ts go with their folder
      const fileIds = [one.binaryFileId, one.folderId, gone, one.nestedFileId, trashed, one.fileId];
      const page = await alice.query(api.files.contents, { projectId: one.projectId, fileIds });
      expect(page.next).toBe(fileIds.length);
      expect(page.files.map((f) => f._id)).toEqual([one.binaryFileId, one.fileId]);
      expect(page.files[0]).toMatchObject({ isBinary: true, name: "logo.png" });
      expect(typeof page.files[0].url).toBe("string");
      expect(page.files[1]).toMatchObject({ content: "# hello", revision: 1, name: "README.md" });

      // Another project's file is not found, even next to the caller's own; too many ids at once are refused.
      const own = await alice.mutation(api.projects.create, { name: "Other" });
      await expectConvexError(alice.query(api.files.contents, { projectId: own, fileIds: [one.fileId] }), "NOT_FOUND");
      const tooMany = Array.from({ length: MAX_CONTENTS_PAGE_FILES + 1 }, () => one.fileId);
      await expectConvexError(alice.query(api.files.contents, { projectId: one.projectId, fileIds: tooMany }), "INVALID_ARGUMENT");
    });

    it("contents stops within its read budget and says where to go on; a page always reads at least one file", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const big = "x".repeat(MAX_TEXT_BYTES);
      const ids: Id<"files">[] = [];
      for (let i = 0; i < 10; i++) ids.push(await caller.mutation(api.files.createFile, { projectId, name: `big${i}.txt`, content: big }));
      const read: Id<"files">[] = [];
      let from = 0;
      let pages = 0;
      while (from < ids.length) {
        const page = await caller.query(api.files.contents, { projectId, fileIds: ids.slice(from) });
        expect(page.next).toBeGreaterThan(0);
        // 8 MiB of documents read, then the page ends: never the 16 MiB a query may read.
        expect(page.files.length).toBeLessThanOrEqual(Math.floor(CONTENTS_PAGE_BYTES / MAX_TEXT_BYTES) + 1);
        for (const f of page.files) expect(f.content?.length).toBe(MAX_TEXT_BYTES);
        read.push(...page.files.map((f) => f._id));
        from += page.next;
        pages++;
      }
      expect(pages).toBe(2);
      expect(read).toEqual(ids);
    });

    it("get with the revision the caller has leaves the bytes out until the file changes", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const fileId = await caller.mutation(api.files.createFile, { projectId, name: "a.ts", content: "one" });
      const same = await caller.query(api.files.get, { fileId, knownRevision: 1 });
      expect(same).toMatchObject({ revision: 1, name: "a.ts" });
      expect(same.content).toBeUndefined();
      await caller.mutation(api.files.updateContent, { fileId, content: "two" });
      expect(await caller.query(api.files.get, { fileId, knownRevision: 1 })).toMatchObject({ revision: 2, content: "two" });
    });

    it("a file or a folder of another project is refused as a parent", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const file = await caller.mutation(api.files.createFile, { projectId, name: "a.ts" });
      const other = await caller.mutation(api.projects.create, { name: "Other" });
      const folder = await caller.mutation(api.files.createFolder, { projectId: other, name: "f" });
      await expectConvexError(caller.mutation(api.files.createFile, { projectId, parentId: folder, name: "c.ts" }), "NOT_FOUND");
      await expectConvexError(
        caller.mutation(api.files.createFile, { projectId, parentId: file, name: "b.ts" }),
        "INVALID_PARENT",
      );
    });

    it("updateContent bumps revision, size and updatedAt of the file and the project", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const fileId = await caller.mutation(api.files.createFile, { projectId, name: "a.ts", content: "a" });
      const before = await caller.query(api.files.get, { fileId });
      const projectBefore = await caller.query(api.projects.get, { projectId });
      await nextMillisecond(Math.max(before.updatedAt, projectBefore.updatedAt));

      expect(await caller.mutation(api.files.updateContent, { fileId, content: "€€", baseRevision: 1 })).toEqual({
        revision: 2,
      });
      const after = await caller.query(api.files.get, { fileId });
      expect(after).toMatchObject({ content: "€€", revision: 2, size: 6 });
      expect(after.updatedAt).toBeGreaterThan(before.updatedAt);
      expect((await caller.query(api.projects.get, { projectId })).updatedAt).toBeGreaterThan(projectBefore.updatedAt);

      expect(await caller.mutation(api.files.updateContent, { fileId, content: "last write wins" })).toEqual({
        revision: 3,
      });
    });

    it("a stale baseRevision fails with CONFLICT carrying the server's revision and content", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const fileId = await caller.mutation(api.files.createFile, { projectId, name: "a.ts", content: "v1" });
      await caller.mutation(api.files.updateContent, { fileId, content: "v2 from tab A", baseRevision: 1 });
      const error = (await expectConvexError(
        caller.mutation(api.files.updateContent, { fileId, content: "v2 from tab B", baseRevision: 1 }),
        "CONFLICT",
      )) as { code: string; message: string; revision: number; content: string };
      expect(error.revision).toBe(2);
      expect(error.content).toBe("v2 from tab A");
      expect(await caller.query(api.files.get, { fileId })).toMatchObject({ content: "v2 from tab A", revision: 2 });
      await expectConvexError(
        caller.mutation(api.files.updateContent, { fileId, content: "future", baseRevision: 7 }),
        "CONFLICT",
      );
      await expectConvexError(
        caller.mutation(api.files.updateContent, {
          fileId: await caller.mutation(api.files.createFolder, { projectId, name: "dir" }),
          content: "x",
        }),
        "INVALID_ARGUMENT",
      );
    });

    it("text up to exactly the inline limit in UTF-8 bytes is accepted, one byte more is TOO_LARGE", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const exact = await caller.mutation(api.files.createFile, {
        projectId,
        name: "max.txt",
        content: "a".repeat(MAX_TEXT_BYTES),
      });
      expect((await caller.query(api.files.get, { fileId: exact })).size).toBe(MAX_TEXT_BYTES);

      const error = await expectConvexError(
        caller.mutation(api.files.createFile, { projectId, name: "over.txt", content: "a".repeat(MAX_TEXT_BYTES + 1) }),
        "TOO_LARGE",
      );
      expect(error.message).toMatch(/upload/i);

      // Three-byte characters up to the limit: the byte count, not the character count, decides.
      const euros = Math.floor(MAX_TEXT_BYTES / 3);
      const multi = "€".repeat(euros) + "a".repeat(MAX_TEXT_BYTES - euros * 3);
      const okId = await caller.mutation(api.files.createFile, { projectId, name: "euro.txt", content: multi });
      expect((await caller.query(api.files.get, { fileId: okId })).size).toBe(MAX_TEXT_BYTES);
      await expectConvexError(
        caller.mutation(api.files.updateContent, { fileId: okId, content: `${multi}a` }),
        "TOO_LARGE",
      );
      await expectConvexError(
        caller.mutation(api.files.updateContent, { fileId: exact, content: "é".repeat(MAX_TEXT_BYTES / 2 + 1) }),
        "TOO_LARGE",
      );
      expect(names(await listed(caller, projectId))).toEqual(["euro.txt", "max.txt"]);
      expect((await caller.query(api.files.get, { fileId: okId })).revision).toBe(1);
    });

    it("binary uploads become files with a storage URL and the blob's size", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const storageId = await uploadAs(h, caller, projectId, new Uint8Array(300).fill(7), "image/png");
      const fileId = await caller.mutation(api.files.createBinaryFile, { projectId, name: "logo.png", storageId });
      const file = await caller.query(api.files.get, { fileId });
      expect(file).toMatchObject({ name: "logo.png", size: 300, isBinary: true, revision: 1 });
      expect(file.content).toBeUndefined();
      expect(typeof file.url).toBe("string");
      expect(await listed(caller, projectId)).toEqual([expect.objectContaining({ name: "logo.png", isBinary: true })]);
      // One upload, one file: the same storageId cannot be claimed twice.
      await expectConvexError(
        caller.mutation(api.files.createBinaryFile, { projectId, name: "logo2.png", storageId }),
        "NOT_FOUND",
      );
    });
  });

  describe("files: whose upload", () => {
    // model/uploads.ts: a blob is usable only by the user who declared its hash before asking for the upload URL.
    it("refuses another user's unused upload in createBinaryFile, importZip and importProject, and leaves it to its uploader", async () => {
      const h = await makeHarness();
      const alice = await newProject(h, "alice");
      const bob = await newProject(h, "bob");
      const bytes = new TextEncoder().encode("alice's secret");
      const storageId = await uploadAs(h, alice.caller, alice.projectId, bytes, "application/octet-stream");
      const b = bob.caller;
      // Bob asking for an upload URL of his own (another hash) does not make Alice's blob his.
      await uploadAs(h, b, bob.projectId, new Uint8Array([1]), "application/octet-stream");
      await expectConvexError(b.mutation(api.files.createBinaryFile, { projectId: bob.projectId, name: "stolen.bin", storageId }), "NOT_FOUND");
      await expectConvexError(b.mutation(api.transfers.importZip, { projectId: bob.projectId, storageId, fileName: "stolen.zip" }), "NOT_FOUND");
      await expectConvexError(b.mutation(api.transfers.importProject, { source: { kind: "zip", storageId, fileName: "stolen.zip" } }), "NOT_FOUND");
      expect(await listed(b, bob.projectId)).toEqual([]);
      expect((await b.query(api.projects.list, {})).length).toBe(1);
      // Alice's grant was not used up by Bob's attempts: her file is created, once.
      const fileId = await alice.caller.mutation(api.files.createBinaryFile, { projectId: alice.projectId, name: "mine.bin", storageId });
      expect((await alice.caller.query(api.files.get, { fileId })).size).toBe(bytes.length);
    });

    it("refuses a blob nobody declared, and an upload hash that is not base64 SHA-256", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const url = await caller.mutation(api.files.generateUploadUrl, { projectId, sha256: await uploadSha256(new Uint8Array([1, 2])) });
      // Uploaded bytes other than the ones declared: the blob's hash matches no grant.
      const storageId = (await h.upload(url, new Uint8Array([3, 4]), "application/octet-stream")) as Id<"_storage">;
      await expectConvexError(caller.mutation(api.files.createBinaryFile, { projectId, name: "x.bin", storageId }), "NOT_FOUND");
      await expectConvexError(caller.mutation(api.files.generateUploadUrl, { projectId, sha256: "abc" }), "INVALID_ARGUMENT");
      await expectConvexError(caller.mutation(api.transfers.archiveUploadUrl, { sha256: "f".repeat(64) }), "INVALID_ARGUMENT");
      expect(await listed(caller, projectId)).toEqual([]);
    });
  });

  describe("files: names", () => {
    it("rejects each class of invalid name with INVALID_NAME", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const invalid = ["", ".", "..", "a/b", "a\\b", "nul\u0000", "line\nbreak", "bell\u0007", "del\u007f", "x".repeat(256), "README.md ", "notes.", " lead.ts"];
      for (const name of invalid) {
        await expectConvexError(caller.mutation(api.files.createFile, { projectId, name }), "INVALID_NAME");
        await expectConvexError(caller.mutation(api.files.createFolder, { projectId, name }), "INVALID_NAME");
      }
      const ok = await caller.mutation(api.files.createFile, { projectId, name: "x".repeat(255) });
      for (const name of invalid) {
        await expectConvexError(caller.mutation(api.files.rename, { fileId: ok, name }), "INVALID_NAME");
      }
      expect(names(await listed(caller, projectId))).toEqual(["x".repeat(255)]);
    });

    it("names are unique among siblings, also when they differ only in case, and free in other folders", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      await caller.mutation(api.files.createFile, { projectId, name: "a.ts" });
      const error = await expectConvexError(
        caller.mutation(api.files.createFile, { projectId, name: "a.ts" }),
        "NAME_TAKEN",
      );
      expect(error.message).toBe(nameTakenMessage("a.ts"));
      await expectConvexError(caller.mutation(api.files.createFolder, { projectId, name: "a.ts" }), "NAME_TAKEN");
      const upper = await expectConvexError(caller.mutation(api.files.createFile, { projectId, name: "A.ts" }), "NAME_TAKEN");
      expect(upper.message).toBe(caseClashMessage("A.ts", "a.ts"));
      const b = await caller.mutation(api.files.createFile, { projectId, name: "b.ts" });
      const dir = await caller.mutation(api.files.createFolder, { projectId, name: "dir" });
      await caller.mutation(api.files.createFile, { projectId, parentId: dir, name: "A.ts" });

      await expectConvexError(caller.mutation(api.files.rename, { fileId: b, name: "A.ts" }), "NAME_TAKEN");
      await caller.mutation(api.files.rename, { fileId: b, name: "B.ts" });
      expect(names(await listedIn(caller, projectId))).toEqual(["B.ts", "a.ts", "dir"]);
    });
  });

  describe("files: move, copy, remove", () => {
    it("moves between folders and to the root", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const a = await caller.mutation(api.files.createFolder, { projectId, name: "a" });
      const b = await caller.mutation(api.files.createFolder, { projectId, name: "b" });
      const f = await caller.mutation(api.files.createFile, { projectId, parentId: a, name: "f.ts", content: "f" });
      await caller.mutation(api.files.move, { fileId: f, parentId: b });
      expect(names(await listedIn(caller, projectId, b))).toEqual(["f.ts"]);
      expect(await listedIn(caller, projectId, a)).toEqual([]);
      await caller.mutation(api.files.move, { fileId: a, parentId: b });
      await caller.mutation(api.files.move, { fileId: f });
      expect(names(await listedIn(caller, projectId))).toEqual(["b", "f.ts"]);
      expect((await caller.query(api.files.get, { fileId: f })).content).toBe("f");
    });

    it("rejects moving a folder into itself or a descendant with MOVE_CYCLE", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const top = await caller.mutation(api.files.createFolder, { projectId, name: "top" });
      const child = await caller.mutation(api.files.createFolder, { projectId, parentId: top, name: "child" });
      const grandchild = await caller.mutation(api.files.createFolder, { projectId, parentId: child, name: "gc" });
      await expectConvexError(caller.mutation(api.files.move, { fileId: top, parentId: top }), "MOVE_CYCLE");
      await expectConvexError(caller.mutation(api.files.move, { fileId: top, parentId: grandchild }), "MOVE_CYCLE");
      await expectConvexError(caller.mutation(api.files.copy, { fileId: top, parentId: child }), "MOVE_CYCLE");
      const entries = await listed(caller, projectId);
      expect(entries.find((f) => f._id === top)!.parentId).toBeUndefined();
      expect(entries).toHaveLength(3);
    });

    it("rejects a destination in another project, a file as destination, and a name clash", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const other = await caller.mutation(api.projects.create, { name: "Other" });
      const foreign = await caller.mutation(api.files.createFolder, { projectId: other, name: "foreign" });
      const f = await caller.mutation(api.files.createFile, { projectId, name: "f.ts" });
      const g = await caller.mutation(api.files.createFile, { projectId, name: "g.ts" });
      const dir = await caller.mutation(api.files.createFolder, { projectId, name: "dir" });
      await caller.mutation(api.files.createFile, { projectId, parentId: dir, name: "f.ts" });
      await expectConvexError(caller.mutation(api.files.move, { fileId: f, parentId: foreign }), "NOT_FOUND");
      await expectConvexError(caller.mutation(api.files.copy, { fileId: f, parentId: foreign }), "NOT_FOUND");
      await expectConvexError(caller.mutation(api.files.move, { fileId: f, parentId: g }), "INVALID_PARENT");
      await expectConvexError(caller.mutation(api.files.move, { fileId: f, parentId: dir }), "NAME_TAKEN");
      expect(await listed(caller, other)).toHaveLength(1);
      expect(names(await listedIn(caller, projectId))).toEqual(["dir", "f.ts", "g.ts"]);
    });

    it("copies files with ' copy', ' copy 2' … before the extension", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const a = await caller.mutation(api.files.createFile, { projectId, name: "a.ts", content: "A" });
      const dotfile = await caller.mutation(api.files.createFile, { projectId, name: ".env", content: "K=V" });
      const c1 = await caller.mutation(api.files.copy, { fileId: a });
      const c2 = await caller.mutation(api.files.copy, { fileId: a });
      const c3 = await caller.mutation(api.files.copy, { fileId: a });
      await caller.mutation(api.files.copy, { fileId: dotfile });
      expect((await caller.query(api.files.get, { fileId: c1 })).name).toBe("a copy.ts");
      expect((await caller.query(api.files.get, { fileId: c2 })).name).toBe("a copy 2.ts");
      expect((await caller.query(api.files.get, { fileId: c3 })).name).toBe("a copy 3.ts");
      expect(await caller.query(api.files.get, { fileId: c1 })).toMatchObject({ content: "A", revision: 1 });
      expect(names(await listedIn(caller, projectId))).toEqual([
        ".env",
        ".env copy",
        "a copy 2.ts",
        "a copy 3.ts",
        "a copy.ts",
        "a.ts",
      ]);
      const dir = await caller.mutation(api.files.createFolder, { projectId, name: "dir" });
      const moved = await caller.mutation(api.files.copy, { fileId: a, parentId: dir });
      expect((await caller.query(api.files.get, { fileId: moved })).name).toBe("a.ts");
      // Copies are independent: editing one leaves the other alone.
      await caller.mutation(api.files.updateContent, { fileId: c1, content: "changed" });
      expect((await caller.query(api.files.get, { fileId: a })).content).toBe("A");
    });

    it("copies a folder recursively, including binaries, and the copy survives the original's deletion", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const src = await caller.mutation(api.files.createFolder, { projectId, name: "src" });
      const lib = await caller.mutation(api.files.createFolder, { projectId, parentId: src, name: "lib" });
      await caller.mutation(api.files.createFile, { projectId, parentId: lib, name: "u.ts", content: "U" });
      const storageId = await uploadAs(h, caller, projectId, new Uint8Array([1, 2, 3]), "image/png");
      await caller.mutation(api.files.createBinaryFile, { projectId, parentId: src, name: "i.png", storageId });

      const copy = await caller.mutation(api.files.copy, { fileId: src });
      expect((await caller.query(api.files.get, { fileId: copy })).name).toBe("src copy");
      const copied = await listedIn(caller, projectId, copy);
      expect(names(copied)).toEqual(["i.png", "lib"]);
      const copiedLib = copied.find((f) => f.name === "lib")!;
      const [u] = await listedIn(caller, projectId, copiedLib._id);
      expect(await caller.query(api.files.get, { fileId: u._id })).toMatchObject({ name: "u.ts", content: "U" });
      expect(await listed(caller, projectId)).toHaveLength(8);

      await caller.mutation(api.files.remove, { fileId: src });
      const image = copied.find((f) => f.name === "i.png")!;
      const kept = await caller.query(api.files.get, { fileId: image._id });
      expect(kept).toMatchObject({ isBinary: true, size: 3 });
      expect(typeof kept.url).toBe("string");
    });

    it("remove deletes a folder with all its descendants and leaves the rest", async () => {
      const h = await makeHarness();
      const { caller, projectId } = await newProject(h);
      const top = await caller.mutation(api.files.createFolder, { projectId, name: "top" });
      const mid = await caller.mutation(api.files.createFolder, { projectId, parentId: top, name: "mid" });
      const leaf = await caller.mutation(api.files.createFile, { projectId, parentId: mid, name: "leaf.ts" });
      const storageId = await uploadAs(h, caller, projectId, new Uint8Array([9]), "image/png");
      const bin = await caller.mutation(api.files.createBinaryFile, { projectId, parentId: mid, name: "b.png", storageId });
      const keep = await caller.mutation(api.files.createFile, { projectId, name: "keep.ts" });

      await caller.mutation(api.files.remove, { fileId: top });
      expect((await listed(caller, projectId)).map((f) => f._id)).toEqual([keep]);
      for (const fileId of [top, mid, leaf, bin]) {
        await expectConvexError(caller.query(api.files.get, { fileId }), "NOT_FOUND");
      }
      await expectConvexError(caller.mutation(api.files.remove, { fileId: top }), "NOT_FOUND");
      await caller.mutation(api.files.remove, { fileId: keep });
      expect(await listed(caller, projectId)).toEqual([]);
    });
  });
};
