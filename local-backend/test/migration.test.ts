import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeFunctionReference } from "convex/server";
import { afterEach, describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { entryPaths } from "../../convex/lib/listing";
import { migrateOnStart } from "../src/server/admin.js";
import { PROJECT_CONVEX_DIR, startTestBackend, type TestBackend } from "./helpers/backend.js";

// A data dir written before the file listing existed keeps every project: `npm start` (cli.ts) backfills the
// listing after loading convex/, and the app then lists every file through it.

const LEGACY_CONVEX_DIR = fileURLToPath(new URL("./fixtures/legacy/convex", import.meta.url));

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(convexDir: string, dataDir: string): Promise<TestBackend> {
  const backend = await startTestBackend({ convexDir, dataDir });
  cleanup.push(() => backend.stop());
  return backend;
}

describe("migration on start", () => {
  it("backfills the listing of every project in a data dir written by the original schema", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "polaris-migration-"));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));

    const legacy = await start(LEGACY_CONVEX_DIR, dataDir);
    const writer = legacy.client({ token: (await legacy.signIn("alice")).token });
    const projectIds = (await writer.mutation(makeFunctionReference<"mutation">("legacy:populate"), { projects: 3, files: 700 })) as Id<"projects">[];
    await cleanup.pop()!();

    const backend = await start(PROJECT_CONVEX_DIR, dataDir);
    const alice = backend.client({ token: (await backend.signIn("alice")).token });
    // Before the migration the listing says it is not ready, rather than showing part of a project.
    expect(await alice.query(api.files.listing, { projectId: projectIds[0] })).toEqual({ ready: false, buckets: 0 });
    expect(await alice.query(api.files.listingBucket, { projectId: projectIds[0], bucket: 0 })).toBeNull();

    const logs: string[] = [];
    const batches = await migrateOnStart(backend.engine, PROJECT_CONVEX_DIR, (line) => logs.push(line));
    // 2,103 rows without a name key: three batches of up to 1,000 (NAME_KEY_BATCH); no change rows: one batch.
    expect(logs).toEqual([`migrations: file listings backfilled (${batches - 4} batches)`, "migrations: file name keys set (3 batches)"]);
    expect(batches - 4).toBeGreaterThan(3); // at least two pages for each project of 701 rows
    // Run again (every start does): nothing left to do, one batch of each migration.
    expect(await migrateOnStart(backend.engine, PROJECT_CONVEX_DIR, () => {})).toBe(3);
    // The name keys are in place: a name differing from a legacy row only in case is refused.
    await expect(alice.mutation(api.files.createFolder, { projectId: projectIds[0], name: "SRC" })).rejects.toThrow(/only in upper and lower case/);

    expect((await alice.query(api.projects.list, {})).map((p) => p._id).sort()).toEqual([...projectIds].sort());
    for (const projectId of projectIds) {
      const head = await alice.query(api.files.listing, { projectId });
      expect(head).toEqual({ ready: true, buckets: 1 });
      const entries = (await alice.query(api.files.listingBucket, { projectId, bucket: 0 }))!;
      const paths = new Set(entryPaths(entries).values());
      expect(paths.size).toBe(701);
      expect(paths.has("src/m699.ts")).toBe(true);
      const audit = await backend.engine.runAdmin("query", "audit:verifyListing", { projectId, cursor: null });
      expect(audit).toMatchObject({ ok: true, value: { rows: 701, missing: 0, mismatched: 0, cursor: null } });
    }
  });
});
