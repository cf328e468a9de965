import { describe, expect, it } from "vitest";
import { api, internal } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { ActionCtx } from "../../../convex/_generated/server";
import { MAX_LIST_LINES, listFiles } from "../../../convex/ai/listFiles";
import { LISTING_BUCKET_SIZE } from "../../../convex/lib/limits";
import { entryPaths, visibleEntries } from "../../../convex/lib/listing";
import { MAX_CREATE_MANY } from "../../../convex/model/createMany";
import fuzzysort from "fuzzysort";
import { matchPaths, quickOpenPaths } from "../../../src/features/quick-open/match";
import { type Caller, type CaseSuite, type Harness, expectConvexError } from "../harness";
import type { ListingEntry } from "../../../convex/lib/validators";
import { readListing, uploadAs } from "./helpers";

// A project past Convex's per-function read limits (32,000 documents, 16 MiB), the same size on both backends
// (harness.ts SCALE_FILES; the local backend is the one that counts every document scanned): the listing and quick open see every
// path; a folder holding almost all of it is renamed and moved in one step, deleted into the trash and restored in
// one step each, deleted again and swept from the trash with the tree right throughout while its purge runs in batches, which end exactly once even when the backend restarts mid-way (or,
// on convex-test, when a purge batch runs twice); then the project is deleted with everything in it.

export const TEXT = "export const value = 1; // ".padEnd(520, "x"); // 520 bytes: 40,000 files hold 20.8 MB

export interface BigProject {
  projectId: Id<"projects">;
  bigId: Id<"files">;
  deepFileId: Id<"files">;
  storageId: Id<"_storage">;
  /** Every path of the project, folders included. */
  paths: Set<string>;
  /** The paths outside big/. */
  others: Set<string>;
}

const partName = (p: number) => `part-${String(p).padStart(2, "0")}`;
const fileName = (i: number) => `file-${String(i).padStart(5, "0")}.ts`;

export async function seedBigProject(h: Harness, caller: Caller, files: number): Promise<BigProject> {
  const projectId = await caller.mutation(api.projects.create, { name: "Big" });
  const srcId = await caller.mutation(api.files.createFolder, { projectId, name: "src" });
  await caller.mutation(api.files.createMany, {
    projectId,
    parentId: srcId,
    items: [{ name: "app.ts", content: "app" }, { name: "lib", type: "folder" }],
  });
  await caller.mutation(api.files.createFile, { projectId, name: "README.md", content: "# big" });
  const others = new Set(["src", "src/app.ts", "src/lib", "README.md"]);

  const bigId = await caller.mutation(api.files.createFolder, { projectId, name: "big" });
  const paths = new Set([...others, "big"]);
  // Each part is filled by one createMany into the empty folder it has just created, as an import does: one index
  // range checks the names (model/createMany.ts), where a group into a folder that has rows looks up each name.
  const parts = Math.max(2, Math.ceil(files / MAX_CREATE_MANY));
  const perPart = Math.ceil(files / parts);
  let deepFileId: Id<"files"> | null = null;
  for (let p = 0; p < parts; p++) {
    const partId = await caller.mutation(api.files.createFolder, { projectId, parentId: bigId, name: partName(p) });
    paths.add(`big/${partName(p)}`);
    const names = Array.from({ length: perPart }, (_, k) => fileName(k));
    const ids = await caller.mutation(api.files.createMany, {
      projectId,
      parentId: partId,
      items: names.map((name) => ({ name, content: TEXT })),
    });
    deepFileId ??= ids[0];
    for (const name of names) paths.add(`big/${partName(p)}/${name}`);
  }
  const storageId = await uploadAs(h, caller, projectId, new Uint8Array([1, 2, 3]), "image/png");
  await caller.mutation(api.files.createBinaryFile, { projectId, parentId: bigId, name: "logo.png", storageId });
  paths.add("big/logo.png");
  return { projectId, bigId, deepFileId: deepFileId!, storageId, paths, others };
}

/** The visible paths of the listing as quick open builds them: every bucket, hidden entries left out. */
async function listedPaths(caller: Caller, projectId: Id<"projects">): Promise<Set<string>> {
  const { entries } = await readListing(caller, projectId);
  return new Set(entryPaths(entries!).values());
}

/**
 * What the assistant's list_files tool answers for `path` in a turn of the project: the tool's own code
 * (ai/listFiles.ts listFiles) with the action's runQuery going to the deployment's internal queries, the only part
 * of the action it uses. The turn is recorded without an answering action and cancelled afterwards.
 */
async function listFilesTool(h: Harness, caller: Caller, projectId: Id<"projects">, path?: string) {
  const conversationId = await caller.mutation(api.conversations.create, { projectId });
  const { assistantMessageId } = await h.admin.mutation(internal.messages.sendUnanswered, { conversationId, content: "What is in here?" });
  const ctx = { runQuery: (ref: never, args: never) => h.admin.query(ref, args) } as unknown as ActionCtx;
  try {
    return await listFiles(ctx, assistantMessageId, path === undefined ? {} : { path });
  } finally {
    await caller.mutation(api.messages.cancel, { messageId: assistantMessageId });
  }
}

/** The lines list_files shows of `paths` (folders ending in "/"), sorted. */
function toolLines(paths: Iterable<string>, isFolder: (path: string) => boolean) {
  return [...paths].map((p) => (isFolder(p) ? `${p}/` : p)).sort();
}

/** Every page of `read`, in order, concatenated. */
async function readPages<T>(read: (cursor: string | null) => Promise<{ items: T[]; cursor: string | null }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const page = await read(cursor);
    all.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== null);
  return all;
}

/**
 * Rows of the project's `files` (trashed ones, which have no entry by design, left out), and how many lack their
 * entry or disagree with it (project, parent, name, type, binary), as audit.verifyListing answers, but read as two
 * passes of pages (audit.listingRowsPage, audit.listingEntriesPage) compared here, instead of one lookup per row:
 * on convex-test each lookup scans the whole database, so that check cost (files)². Two entries for one file fail
 * it, as verifyListing's `.unique()` does.
 */
async function verify(h: Harness, projectId: Id<"projects">) {
  const rows = await readPages(async (cursor) => {
    const page = await h.admin.query(internal.audit.listingRowsPage, { projectId, cursor });
    return { items: page.rows, cursor: page.cursor };
  });
  const entries = await readPages(async (cursor) => {
    const page = await h.admin.query(internal.audit.listingEntriesPage, { projectId, cursor });
    return { items: page.entries, cursor: page.cursor };
  });
  const byFile = new Map<string, (typeof entries)[number]>();
  for (const entry of entries) {
    if (byFile.has(entry.fileId)) throw new Error(`two listing entries for file ${entry.fileId}`);
    byFile.set(entry.fileId, entry);
  }
  let missing = 0;
  let mismatched = 0;
  for (const row of rows) {
    const entry = byFile.get(row.fileId);
    if (entry === undefined) missing += 1;
    else if (
      entry.projectId !== row.projectId ||
      entry.parentId !== row.parentId ||
      entry.name !== row.name ||
      entry.type !== row.type ||
      entry.isBinary !== row.isBinary
    ) {
      mismatched += 1;
    }
  }
  return { rows: rows.length, missing, mismatched };
}

/** Checks that every bucket holds at most LISTING_BUCKET_SIZE entries and exactly its stored count. */
async function expectBucketsConsistent(h: Harness, caller: Caller, projectId: Id<"projects">) {
  const { buckets } = await readListing(caller, projectId);
  const counts = await h.admin.query(internal.audit.listingCounts, { projectId });
  expect(counts.buckets).toEqual(buckets.map((b) => b!.length));
  for (const bucket of buckets) expect(bucket!.length).toBeLessThanOrEqual(LISTING_BUCKET_SIZE);
  return buckets.reduce((n, b) => n + b!.length, 0);
}

/** What Go to File (src/features/quick-open/match.ts) offers first for `query` over the project's listing. */
async function quickOpen(caller: Caller, projectId: Id<"projects">, query: string) {
  const { entries } = await readListing(caller, projectId);
  const paths = quickOpenPaths(visibleEntries(entries!));
  return { offered: paths.length, first: matchPaths(fuzzysort, query, paths)[0]?.file.path };
}

/** The listing's buckets as a purge check last read them (bucket number → its entries). */
type ReadBuckets = Map<number, ListingEntry[]>;

/**
 * While a deleted folder's purge runs: the listing is the rest of the project (`others`), each path once and under
 * a listed folder, nothing of the deleted folder visible and nothing else lost, every bucket's stored count equal
 * to the entries it holds, and a file of the deleted folder not found. Returns how many entries are left and
 * how many folder purges are pending.
 *
 * It reads the listing's head and stored counts each time, but re-reads only the buckets that may have changed since
 * `read` saw them: every bucket whose stored count changed (a batch counts down each bucket it deletes from) and
 * every bucket holding a path of the rest (so a path lost is seen at once); the first call reads them all. A batch
 * reads about a bucket's worth of entries, so this is a few buckets a batch instead of the whole listing, whose
 * cost on convex-test is what capped the case's size there. Not seen until the full checks after the purge: an
 * entry of the deleted folder deleted without its bucket's count going down (they compare every bucket).
 */
async function expectTreeDuringPurge(
  h: Harness,
  caller: Caller,
  projectId: Id<"projects">,
  others: Set<string>,
  goneFileId: Id<"files">,
  read: ReadBuckets,
) {
  const head = await caller.query(api.files.listing, { projectId });
  const counts = await h.admin.query(internal.audit.listingCounts, { projectId });
  expect(head.ready).toBe(true);
  expect(counts.buckets).toHaveLength(head.buckets);
  for (const bucket of read.keys()) if (bucket >= head.buckets) read.delete(bucket);
  const holdingRest = new Set<number>();
  if (read.size > 0) {
    const paths = entryPaths([...read.values()].flat());
    for (const [bucket, entries] of read) if (entries.some((e) => others.has(paths.get(e._id)!))) holdingRest.add(bucket);
  }
  const stale = Array.from({ length: head.buckets }, (_, b) => b).filter(
    (b) => read.get(b)?.length !== counts.buckets[b] || holdingRest.has(b),
  );
  const fresh = await Promise.all(stale.map((bucket) => caller.query(api.files.listingBucket, { projectId, bucket })));
  stale.forEach((bucket, i) => read.set(bucket, fresh[i]!));
  const entries = [...read.values()].flat();
  const paths = [...entryPaths(entries).values()];
  expect(new Set(paths)).toEqual(others);
  expect(paths).toHaveLength(others.size);
  for (const p of paths) if (p.includes("/")) expect(others).toContain(p.slice(0, p.lastIndexOf("/")));
  for (const bucket of stale) expect(read.get(bucket)!.length).toBe(counts.buckets[bucket]);
  await expectConvexError(caller.query(api.files.get, { fileId: goneFileId }), "NOT_FOUND");
  return { left: entries.length, pendingPurges: counts.pendingPurges, reread: stale.length };
}

export const scaleCases: CaseSuite = (makeHarness) => {
  describe("a project past the per-function limits", () => {
    it(
      "lists and quick-opens every path, renames, moves and deletes its biggest folder in batches, then is deleted",
      async () => {
        const h = await makeHarness();
        const alice = h.as("alice");
        const big = await seedBigProject(h, alice, h.scaleFiles);
        const { projectId } = big;

        // The listing: a small head, then buckets of at most LISTING_BUCKET_SIZE; every path reachable.
        const listing = await readListing(alice, projectId);
        expect(listing.head).toEqual({ ready: true, buckets: Math.ceil(big.paths.size / LISTING_BUCKET_SIZE) });
        expect(listing.entries).toHaveLength(big.paths.size);
        expect(await listedPaths(alice, projectId)).toEqual(big.paths);
        expect(await expectBucketsConsistent(h, alice, projectId)).toBe(big.paths.size);
        expect(await verify(h, projectId)).toEqual({ rows: big.paths.size, missing: 0, mismatched: 0 });
        // The root level, which the SPA shows first, is one small read whatever the project's size.
        const top = await alice.query(api.files.listingTop, { projectId });
        expect(top!.complete).toBe(true);
        expect(top!.entries.map((t) => t.entry.name).sort()).toEqual(["README.md", "big", "src"]);

        // Quick open: Go to File's own matcher over every listed path finds one file among all the others from a
        // part of its path, as typed.
        const needle = [...big.paths].filter((p) => p.endsWith(".ts") && p.startsWith("big/")).sort().at(-1)!;
        const typed = needle.slice("big/".length, -".ts".length);
        const fileCount = [...big.paths].filter((p) => /\.(ts|md|png)$/.test(p)).length;
        expect(await quickOpen(alice, projectId, typed)).toEqual({ offered: fileCount, first: needle });

        // The assistant's list_files sees every path: the first MAX_LIST_LINES, sorted, then how many more.
        const isFolder = (p: string) => p === "src" || p === "src/lib" || p === "big" || /^big\/part-\d+$/.test(p);
        const all = toolLines(big.paths, isFolder);
        const whole = await listFilesTool(h, alice, projectId);
        expect(whole).toMatchObject({ target: "/", detail: `${all.length} items` });
        expect(whole!.output.split("\n")).toEqual([
          ...all.slice(0, MAX_LIST_LINES),
          `… and ${all.length - MAX_LIST_LINES} more not shown (${all.length} in all). Pass a folder path to list part of the project.`,
        ]);
        // A folder deep in it: only its paths, every one of them counted.
        const lastPart = all.filter((p) => /^big\/part-\d+\/$/.test(p)).at(-1)!.slice(0, -1);
        const inPart = all.filter((p) => p.startsWith(`${lastPart}/`) && p !== `${lastPart}/`);
        expect(inPart.length).toBeGreaterThan(0);
        const part = await listFilesTool(h, alice, projectId, lastPart);
        expect(part).toMatchObject({ target: lastPart, detail: `${inPart.length} items` });
        expect(part!.output.split("\n").slice(0, MAX_LIST_LINES)).toEqual(inPart.slice(0, MAX_LIST_LINES));

        // Rename and move: one entry changes, every path below follows.
        const srcId = listing.entries!.find((e) => e.name === "src" && e.parentId === undefined)!._id;
        await alice.mutation(api.files.rename, { fileId: big.bigId, name: "huge" });
        await alice.mutation(api.files.move, { fileId: big.bigId, parentId: srcId });
        const moved = new Set([...big.paths].map((p) => (p === "big" || p.startsWith("big/") ? `src/huge${p.slice(3)}` : p)));
        expect(await listedPaths(alice, projectId)).toEqual(moved);
        expect((await alice.query(api.files.get, { fileId: big.deepFileId })).content).toBe(TEXT);
        expect(await quickOpen(alice, projectId, `huge/${typed}`)).toEqual({ offered: fileCount, first: `src/huge${needle.slice(3)}` });

        // Delete: into the trash, gone for every reader at once, the rest intact.
        await alice.mutation(api.files.remove, { fileId: big.bigId });
        await expectConvexError(alice.query(api.files.get, { fileId: big.deepFileId }), "NOT_FOUND");
        expect(await listedPaths(alice, projectId)).toEqual(big.others);
        // Undo: the whole folder is back at once, every path and its content, the blob kept.
        expect(await alice.mutation(api.trash.restore, { fileId: big.bigId })).toBe("huge");
        expect(await listedPaths(alice, projectId)).toEqual(moved);
        expect((await alice.query(api.files.get, { fileId: big.deepFileId })).content).toBe(TEXT);
        expect(await verify(h, projectId)).toEqual({ rows: big.paths.size, missing: 0, mismatched: 0 });

        // Delete again, and let the sweep destroy it (as TRASH_RETENTION_DAYS later): the purge runs in batches. The
        // case runs them itself, one at a time, and checks the tree after each; where the harness can hold the
        // scheduled chain, no batch runs unseen (on convex-test the chain's own batches may run between these, so a
        // batch also runs twice there).
        h.holdScheduled?.(true);
        await alice.mutation(api.files.remove, { fileId: big.bigId });
        expect(await h.admin.mutation(internal.trash.sweep, { before: Date.now() + 1, chain: false })).toEqual({ done: true });
        await expectConvexError(alice.mutation(api.trash.restore, { fileId: big.bigId }), "NOT_FOUND");
        const read: ReadBuckets = new Map();
        let state = await expectTreeDuringPurge(h, alice, projectId, big.others, big.deepFileId, read);
        expect(state.left).toBeGreaterThan(big.others.size);
        expect(state.pendingPurges).toBeGreaterThan(0);
        // Each batch reads at most BATCH_DOCUMENTS (2,000) rows and entries: far fewer batches than this.
        const maxBatches = Math.ceil((2 * big.paths.size) / 1000) + 10;
        let batches = 0;
        while (state.pendingPurges > 0) {
          expect(batches).toBeLessThan(maxBatches);
          await h.admin.mutation(internal.files.purge, { projectId });
          batches += 1;
          if (batches === 2) {
            // Mid-way: the backend stops and starts again on the same data (local-backend/test/purgeCrash.test.ts
            // SIGKILLs it instead); or, with no backend to stop, the same batch runs twice, as a re-delivered job would.
            if (h.restart !== undefined) await h.restart();
            else await h.admin.mutation(internal.files.purge, { projectId });
          }
          const now = await expectTreeDuringPurge(h, alice, projectId, big.others, big.deepFileId, read);
          expect(now.left).toBeLessThanOrEqual(state.left);
          state = now;
        }
        expect(state.left).toBe(big.others.size);
        // Released, the chain's held batches find nothing left to do: the purge ended exactly once.
        h.holdScheduled?.(false);
        await h.idle();
        expect((await h.admin.query(internal.audit.listingCounts, { projectId })).pendingPurges).toBe(0);
        expect(await listedPaths(alice, projectId)).toEqual(big.others);
        expect(await expectBucketsConsistent(h, alice, projectId)).toBe(big.others.size);
        expect(await verify(h, projectId)).toEqual({ rows: big.others.size, missing: 0, mismatched: 0 });
        expect(await h.admin.query(internal.audit.blobExists, { storageId: big.storageId })).toBe(false);
        expect(visibleEntries((await readListing(alice, projectId)).entries!)).toHaveLength(big.others.size);

        // The project with everything in it: a second big folder, a conversation.
        const again = await alice.mutation(api.files.createFolder, { projectId, name: "again" });
        await alice.mutation(api.files.createMany, {
          projectId,
          parentId: again,
          items: Array.from({ length: MAX_CREATE_MANY }, (_, i) => ({ name: fileName(i), content: TEXT })),
        });
        const conversationId = await alice.mutation(api.conversations.create, { projectId });
        const sent = await alice.mutation(api.messages.send, { conversationId, content: "hello" });
        await alice.mutation(api.messages.cancel, { messageId: sent.assistantMessageId });
        await alice.mutation(api.projects.remove, { projectId });
        expect(await alice.query(api.projects.list, {})).toEqual([]);
        await expectConvexError(alice.query(api.files.listing, { projectId }), "NOT_FOUND");
        await expectConvexError(alice.query(api.files.listingBucket, { projectId, bucket: 0 }), "NOT_FOUND");
        if (h.restart !== undefined) await h.restart();
        await h.idle();
        expect(await verify(h, projectId)).toEqual({ rows: 0, missing: 0, mismatched: 0 });
        expect(await h.admin.query(internal.audit.listingCounts, { projectId })).toEqual({ head: null, buckets: [], pendingPurges: 0 });
      },
      600_000,
    );
  });
};
