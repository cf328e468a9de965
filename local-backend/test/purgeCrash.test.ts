import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { getFunctionName, type FunctionReference } from "convex/server";
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import { afterEach, describe, expect, it } from "vitest";
import { api, internal } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { entryPaths } from "../../convex/lib/listing";
import type { EngineImpl } from "../src/engine/engine.js";
import { PROJECT_CONVEX_DIR, startTestBackend, type TestBackend } from "./helpers/backend.js";

// A folder of 40,000 files is deleted and the trash emptied, and the backend process is SIGKILLed while its purge runs in scheduled
// batches (after at least one batch beyond the delete's own, before the last). Started again on the same data
// dir, the pending purge resumes and ends exactly once: every entry, row and bucket count of what was deleted is
// gone, nothing else is touched, and each bucket's stored count equals the entries it holds.

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "purgeCrashChild.ts");
const PARTS = 20;
const PER_PART = 2000;

let backend: TestBackend | null = null;
let dataDir: string | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = null;
});

/** Runs the child until it reports the purge mid-way, then SIGKILLs it. */
function runUntilMidway(dir: string): Promise<{ projectId: Id<"projects">; afterDelete: number; killedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, dir, String(PARTS), String(PER_PART)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let projectId: Id<"projects"> | undefined;
    let afterDelete = 0;
    let killedAt = -1;
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const lines = out.split("\n");
      out = lines.pop()!;
      for (const line of lines) {
        const [word, a, b] = line.split(" ");
        if (word === "deleted") {
          projectId = a as Id<"projects">;
          afterDelete = Number(b);
        }
        if (word === "midway" && killedAt === -1) {
          killedAt = Number(a);
          child.kill("SIGKILL");
        }
      }
    });
    child.on("exit", (code, signal) => {
      if (signal === "SIGKILL" && projectId) resolve({ projectId, afterDelete, killedAt });
      else reject(new Error(`the child ended (${code ?? signal}) without being killed mid-way: ${err.slice(-2000)}`));
    });
  });
}

describe("a purge killed mid-way", () => {
  it("resumes after a restart and ends exactly once", async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "polaris-purge-crash-"));
    const run = await runUntilMidway(dataDir);
    // Killed after a scheduled batch deleted entries and before the purge was done.
    expect(run.killedAt).toBeLessThan(run.afterDelete);
    // A delete into the trash removes the deleted folder's own entry (model/files.ts) and nothing below it (the
    // purge's batches do): every other entry made is still listed, each once. The keep folder and its two files,
    // the big folder's parts and their files.
    expect(run.afterDelete).toBe(3 + PARTS + PARTS * PER_PART);

    backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR, dataDir, durable: true });
    const admin = async <T>(ref: FunctionReference<"query", "internal">, args: Record<string, unknown>): Promise<T> => {
      const result = await backend!.engine.runAdmin("query", getFunctionName(ref), convexToJson(args as Value));
      if (!result.ok) throw new Error(result.error);
      return jsonToConvex(result.value) as T;
    };
    const { projectId } = run;
    type Counts = { head: string | null; buckets: number[]; pendingPurges: number };
    // The resumed purge's batches are scheduled jobs, each due at once: the engine is idle when the last has run.
    await (backend.engine as EngineImpl).idle();
    const counts = await admin<Counts>(internal.audit.listingCounts, { projectId });
    expect(counts.pendingPurges).toBe(0);

    const client = backend.client({ token: (await backend.signIn("alice")).token });
    const head = await client.query(api.files.listing, { projectId });
    const buckets = await Promise.all(Array.from({ length: head.buckets }, (_, bucket) => client.query(api.files.listingBucket, { projectId, bucket })));
    // Each bucket's stored count is the entries it holds: no batch was counted twice or lost.
    expect(counts.buckets).toEqual(buckets.map((b) => b!.length));
    const entries = buckets.flatMap((b) => b!);
    expect([...entryPaths(entries).values()].sort()).toEqual(["keep", "keep/a.ts", "keep/b.ts"]);
    expect(entries).toHaveLength(3);
    const audit = await admin<{ rows: number; missing: number; mismatched: number; cursor: string | null }>(internal.audit.verifyListing, { projectId, cursor: null });
    expect(audit).toEqual({ rows: 3, missing: 0, mismatched: 0, cursor: null });
  }, 600_000);
});
