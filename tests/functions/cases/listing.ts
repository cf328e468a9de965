import { describe, expect, it } from "vitest";
import { api, internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { LISTING_BUCKET_SIZE, MAX_TEXT_BYTES } from "../../../convex/lib/limits";
import { visibleEntries } from "../../../convex/lib/listing";
import { MAX_CREATE_MANY } from "../../../convex/model/createMany";
import { type Caller, type CaseSuite, type Harness, expectConvexError } from "../harness";
import { listedIn, names, readListing, seedProject } from "./helpers";

// The listing (files.listing + files.listingBucket) against the rows it summarizes: every structural write keeps
// it equal to the rows, a save leaves it alone, and files.createMany creates all of a group or none.

type Row = { _id: string; parentId?: string; name: string; type: string; isBinary?: boolean };

const shape = (r: Row) => ({ _id: r._id, parentId: r.parentId, name: r.name, type: r.type, isBinary: r.isBinary === true });
const byId = (a: { _id: string }, b: { _id: string }) => (a._id < b._id ? -1 : 1);

/**
 * Asserts that the listing holds one entry per `files` row, agreeing with it (the audit compares each row's parent,
 * name, type and binary flag with its entry), all visible (no test here leaves a folder being purged).
 */
async function expectListingMatchesRows(h: Harness, caller: Caller, projectId: Id<"projects">) {
  const { head, buckets, entries } = await readListing(caller, projectId);
  expect(head.ready).toBe(true);
  expect(visibleEntries(entries!).map(shape).sort(byId)).toEqual(entries!.map(shape).sort(byId));
  const audit = await h.admin.query(internal.audit.verifyListing, { projectId, cursor: null });
  expect(audit).toEqual({ rows: entries!.length, missing: 0, mismatched: 0, cursor: null });
  const counts = await h.admin.query(internal.audit.listingCounts, { projectId });
  expect(counts).toEqual({ head: "ready", buckets: buckets.map((b) => b!.length), pendingPurges: 0 });
  // The root level (what the SPA shows first) is the listing's root entries, each with the bucket holding it.
  const top = await caller.query(api.files.listingTop, { projectId });
  const held = new Map(buckets.flatMap((b, bucket) => b!.map((e) => [e._id, bucket] as const)));
  expect(top!.complete).toBe(true);
  expect(top!.entries.map((t) => t.entry).sort(byId)).toEqual(entries!.filter((e) => e.parentId === undefined).sort(byId));
  for (const { entry, bucket } of top!.entries) expect(held.get(entry._id)).toBe(bucket);
}

export const listingCases: CaseSuite = (makeHarness) => {
  describe("files: the listing", () => {
    it("every structural write keeps the listing equal to the rows", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const s = await seedProject(alice, (u, b, c) => h.upload(u, b, c));
      const { projectId } = s;
      await expectListingMatchesRows(h, alice, projectId);

      await alice.mutation(api.files.createMany, {
        projectId,
        parentId: s.subfolderId,
        items: [{ name: "a.ts", content: "a" }, { name: "nested", type: "folder" }],
      });
      await alice.mutation(api.files.rename, { fileId: s.fileId, name: "README.txt" });
      await alice.mutation(api.files.move, { fileId: s.nestedFileId, parentId: undefined });
      await expectListingMatchesRows(h, alice, projectId);

      const copy = await alice.mutation(api.files.copy, { fileId: s.folderId });
      await expectListingMatchesRows(h, alice, projectId);
      // The copy of the binary shares its blob and is listed as binary too.
      const copied = (await readListing(alice, projectId)).entries!.filter((e) => e.name === "logo.png");
      expect(copied.map((e) => e.isBinary)).toEqual([true, true]);

      // A save that turns a binary into text is the one save that changes the listing.
      await alice.mutation(api.files.updateContent, { fileId: s.binaryFileId, content: "now text" });
      await expectListingMatchesRows(h, alice, projectId);
      expect((await readListing(alice, projectId)).entries!.find((e) => e._id === s.binaryFileId)).not.toHaveProperty("isBinary");

      // A delete goes to the trash: the deleted folders' entries go, what they held is hidden below them.
      await alice.mutation(api.files.remove, { fileId: s.folderId });
      await alice.mutation(api.files.remove, { fileId: copy });
      const visible = visibleEntries((await readListing(alice, projectId)).entries!);
      expect(visible.map((e) => e.name).sort()).toEqual(["README.txt", "util.ts"]);
      // Emptied from the trash (and purged), the stored rows agree again, entry for row.
      await h.admin.mutation(internal.trash.sweep, { before: Date.now() + 1, chain: false });
      await h.admin.mutation(internal.files.purge, { projectId });
      await expectListingMatchesRows(h, alice, projectId);
      expect((await readListing(alice, projectId)).entries!.map((e) => e.name).sort()).toEqual(["README.txt", "util.ts"]);
    });

    it("a content save leaves the listing as it was", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "P" });
      const fileId = await alice.mutation(api.files.createFile, { projectId, name: "a.ts", content: "1" });
      const before = await readListing(alice, projectId);
      await alice.mutation(api.files.updateContent, { fileId, content: "2", baseRevision: 1 });
      expect(await readListing(alice, projectId)).toEqual(before);
      expect(before.entries).toEqual([{ _id: fileId, name: "a.ts", type: "file" }]);
    });

    it("the root level answers at most one bucket's worth of entries and says when there are more", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Wide" });
      const items = Array.from({ length: LISTING_BUCKET_SIZE }, (_, i) => ({ name: `f${String(i).padStart(4, "0")}.ts` }));
      await alice.mutation(api.files.createMany, { projectId, items });
      const full = await alice.query(api.files.listingTop, { projectId });
      expect(full!.complete).toBe(true);
      expect(full!.entries).toHaveLength(LISTING_BUCKET_SIZE);
      const extra = await alice.mutation(api.files.createFile, { projectId, name: "zz.ts" });
      const over = await alice.query(api.files.listingTop, { projectId });
      expect(over!.complete).toBe(false);
      expect(over!.entries).toHaveLength(LISTING_BUCKET_SIZE);
      // In name order: the last name is the one left out.
      expect(over!.entries.some((t) => t.entry._id === extra)).toBe(false);
      await alice.mutation(api.files.remove, { fileId: extra });
      const back = await alice.query(api.files.listingTop, { projectId });
      expect(back!.complete).toBe(true);
      const { entries } = await readListing(alice, projectId);
      expect(back!.entries.map((t) => t.entry).sort(byId)).toEqual([...entries!].sort(byId));
    }, 120_000);

    it("createMany creates a whole group in order, or nothing when one item is refused", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "P" });
      const dir = await alice.mutation(api.files.createFolder, { projectId, name: "dir" });
      const ids = await alice.mutation(api.files.createMany, {
        projectId,
        parentId: dir,
        items: [{ name: "b.ts", content: "héllo" }, { name: "a", type: "folder" }, { name: "c.ts" }],
      });
      expect(await alice.query(api.files.get, { fileId: ids[0] })).toMatchObject({ name: "b.ts", content: "héllo", size: 6, revision: 1 });
      expect(await alice.query(api.files.get, { fileId: ids[1] })).toMatchObject({ name: "a", type: "folder" });
      expect((await alice.query(api.files.get, { fileId: ids[2] })).content).toBe("");

      const refused: [unknown, string][] = [
        [[{ name: "x.ts" }, { name: "x.ts" }], "NAME_TAKEN"],
        [[{ name: "new.ts" }, { name: "c.ts" }], "NAME_TAKEN"],
        [[{ name: "bad/name" }], "INVALID_NAME"],
        [[{ name: "f", type: "folder", content: "x" }], "INVALID_ARGUMENT"],
        [[{ name: "big.txt", content: "a".repeat(MAX_TEXT_BYTES + 1) }], "TOO_LARGE"],
        [Array.from({ length: MAX_CREATE_MANY + 1 }, (_, i) => ({ name: `n${i}` })), "TOO_LARGE"],
      ];
      for (const [items, code] of refused) {
        await expectConvexError(alice.mutation(api.files.createMany, { projectId, parentId: dir, items: items as { name: string }[] }), code);
      }
      await expectConvexError(alice.mutation(api.files.createMany, { projectId, parentId: ids[0], items: [{ name: "y" }] }), "INVALID_PARENT");
      expect(names(await listedIn(alice, projectId, dir))).toEqual(["a", "b.ts", "c.ts"]);
      await expectListingMatchesRows(h, alice, projectId);
    });
  });
};
