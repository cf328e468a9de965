import { describe, expect, it } from "vitest";
import { api, internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { uploadSha256 } from "../../../convex/lib/uploadHash";
import { GRANT_SWEEP_AFTER_MS } from "../../../convex/model/uploads";
import { type CaseSuite, expectConvexError } from "../harness";
import { nextMillisecond, uploadAs } from "./helpers";

// Upload grants (docs/architecture.md "Who may use an upload"): the hourly sweep (uploads.sweepGrants) deletes
// expired grants and the uploads they allowed that were never used, in budgeted batches, and keeps every blob a
// file uses or a grant not yet expired may still claim. The sweep takes `now`, so the case moves time forward
// without waiting two hours.

const bytes = (n: number) => new Uint8Array([n, n, n, n]);
const BIN = "application/octet-stream";

export const uploadCases: CaseSuite = (makeHarness) => {
  describe("upload grants: the sweep", () => {
    it("deletes expired grants and their unused uploads in budgeted batches, keeping used blobs and ones still claimable", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const bob = h.as("bob");
      const aliceProject = await alice.mutation(api.projects.create, { name: "Uploads" });
      const bobProject = await bob.mutation(api.projects.create, { name: "Uploads" });
      const exists = (storageId: Id<"_storage">) => h.admin.query(internal.audit.blobExists, { storageId });

      // Alice: an upload never used; the same bytes twice, the first used by a file; bytes that Bob uploads later.
      const unused = await uploadAs(h, alice, aliceProject, bytes(1), BIN);
      const usedTwin = await uploadAs(h, alice, aliceProject, bytes(4), BIN);
      await alice.mutation(api.files.createBinaryFile, { projectId: aliceProject, name: "used.bin", storageId: usedTwin });
      const unusedTwin = await uploadAs(h, alice, aliceProject, bytes(4), BIN);
      const alicesFive = await uploadAs(h, alice, aliceProject, bytes(5), BIN);
      const aliceDone = Date.now();
      await nextMillisecond(aliceDone);
      // Bob's grant is made after Alice's: when hers are swept his may still claim his upload of the same bytes.
      const bobsGrantFrom = Date.now();
      const bobsFive = await uploadAs(h, bob, bobProject, bytes(5), BIN);

      // Not expired yet: nothing is swept.
      expect(await h.admin.mutation(internal.uploads.sweepGrants, { chain: false })).toEqual({ done: true, grants: 0, blobs: 0 });

      // As of the moment Alice's grants (and only hers) are past GRANT_SWEEP_AFTER_MS, one grant and two blobs
      // scanned per batch: it takes several batches, each within its budget.
      const now = bobsGrantFrom + GRANT_SWEEP_AFTER_MS;
      const results: { done: boolean; grants: number; blobs: number }[] = [];
      do {
        results.push(await h.admin.mutation(internal.uploads.sweepGrants, { now, chain: false, grants: 1, blobScan: 2 }));
      } while (!results[results.length - 1].done && results.length < 50);
      expect(results[results.length - 1].done).toBe(true);
      expect(results.length).toBeGreaterThan(3);
      expect(results.every((r) => r.grants <= 1)).toBe(true);
      // Alice's three unclaimed grants (the used one was consumed) and her three unused blobs.
      expect(results.reduce((sum, r) => sum + r.grants, 0)).toBe(3);
      expect(results.reduce((sum, r) => sum + r.blobs, 0)).toBe(3);

      expect(await exists(unused)).toBe(false);
      expect(await exists(unusedTwin)).toBe(false);
      expect(await exists(alicesFive)).toBe(false);
      expect(await exists(usedTwin)).toBe(true);
      expect(await exists(bobsFive)).toBe(true);
      // Swept again: nothing left to do.
      expect(await h.admin.mutation(internal.uploads.sweepGrants, { now, chain: false })).toEqual({ done: true, grants: 0, blobs: 0 });

      // Bob's upload is still his to use; Alice's unused one is gone.
      await bob.mutation(api.files.createBinaryFile, { projectId: bobProject, name: "five.bin", storageId: bobsFive });
      await expectConvexError(alice.mutation(api.files.createBinaryFile, { projectId: aliceProject, name: "one.bin", storageId: unused }), "NOT_FOUND");
    });

    it("a grant is accepted only for a blob uploaded after it was made", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const bob = h.as("bob");
      const aliceProject = await alice.mutation(api.projects.create, { name: "Uploads" });
      const bobProject = await bob.mutation(api.projects.create, { name: "Uploads" });
      const alicesBlob = await uploadAs(h, alice, aliceProject, bytes(9), BIN);
      // Bob declares the same bytes after Alice uploaded them: his grant does not reach back to her blob.
      await nextMillisecond();
      await bob.mutation(api.files.generateUploadUrl, { projectId: bobProject, sha256: await uploadSha256(bytes(9)) });
      await expectConvexError(bob.mutation(api.files.createBinaryFile, { projectId: bobProject, name: "nine.bin", storageId: alicesBlob }), "NOT_FOUND");
      await alice.mutation(api.files.createBinaryFile, { projectId: aliceProject, name: "nine.bin", storageId: alicesBlob });
    });
  });
};
