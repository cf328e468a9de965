import { spawn } from "node:child_process";
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EngineImpl } from "../src/engine/engine.js";
import type { Engine } from "../src/engine/types.js";
import { err, FIXTURE_CONVEX, ok, open, removeDir, SITE_URL, tempDir } from "./engineHarness.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, "fixtures", "durabilityChild.ts");
const SYNC_CHILD = path.join(here, "fixtures", "syncDurabilityChild.ts");
const dirs: string[] = [];
const engines: Engine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const d of dirs.splice(0)) removeDir(d);
});

async function reopen(dir: string): Promise<Engine> {
  const e = await open(dir);
  engines.push(e);
  return e;
}

async function durableNumbers(engine: Engine): Promise<number[]> {
  return ok<number[]>(await engine.runQuery("messages:byAuthor", { author: "durable" }, null));
}

/**
 * Runs the child until it has acknowledged at least `minAcks` mutations, then SIGKILLs it. Returns the numbers
 * acknowledged and the numbers sent (acknowledged or not): after the kill, exactly the acknowledged ones and
 * possibly some sent ones may be present, each once. Both are read from the child's record file once it is gone
 * (childRecord.ts); its stdout only says when to kill, since lines still queued for the pipe die with it.
 */
function runAndKill(
  dir: string,
  minAcks: number,
  compactBytes?: number,
  clients = 1,
  author = "durable",
  script = CHILD,
): Promise<{ acked: number[]; tried: Set<number> }> {
  const recordDir = tempDir("polaris-durable-record-");
  dirs.push(recordDir);
  const record = path.join(recordDir, "record.log");
  return new Promise((resolve, reject) => {
    const args = ["--import", "tsx", script, dir, FIXTURE_CONVEX, String(compactBytes ?? 0), String(clients), author, record];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let seenAcks = 0;
    let buffered = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      seenAcks += lines.filter((line) => line.startsWith("ack ")).length;
      if (seenAcks >= minAcks && !child.killed) child.kill("SIGKILL");
    });
    child.on("close", (code, signal) => {
      if (signal !== "SIGKILL") return reject(new Error(`child exited with ${code}: ${stderr}`));
      const acked: number[] = [];
      const tried = new Set<number>();
      for (const line of readFileSync(record, "utf8").split("\n")) {
        if (line.startsWith("ack ")) acked.push(Number(line.slice(4)));
        if (line.startsWith("try ")) tried.add(Number(line.slice(4)));
      }
      resolve({ acked, tried });
    });
  });
}

/** What survived of one run: every acknowledged number, once; nothing that was not sent; nothing twice. */
async function expectExactlyKept(engine: Engine, author: string, run: { acked: number[]; tried: Set<number> }) {
  const present = ok<number[]>(await engine.runQuery("messages:byAuthor", { author }, null));
  const sorted = [...present].sort((a, b) => a - b);
  expect(sorted).toEqual([...new Set(sorted)]);
  const presentSet = new Set(present);
  expect(run.acked.filter((n) => !presentSet.has(n))).toEqual([]);
  expect(present.filter((n) => !run.tried.has(n))).toEqual([]);
  // Only mutations in flight at the kill (sent, not acknowledged) may be present beyond the acknowledged ones.
  const acked = new Set(run.acked);
  expect(present.filter((n) => !acked.has(n)).length).toBeLessThanOrEqual(run.tried.size - acked.size);
}

describe("durability", () => {
  it("keeps every acknowledged mutation when the process is killed mid-stream", async () => {
    const dir = tempDir("polaris-durable-");
    dirs.push(dir);
    const { acked } = await runAndKill(dir, 150);
    expect(acked.length).toBeGreaterThanOrEqual(150);
    const engine = await reopen(dir);
    const present = new Set(await durableNumbers(engine));
    for (const n of acked) expect(present.has(n)).toBe(true);
    // Nothing is invented: what is present is a prefix of the stream.
    expect([...present].sort((a, b) => a - b)).toEqual(Array.from({ length: present.size }, (_, i) => i));
  }, 60_000);

  it("keeps every acknowledged mutation of 8 concurrent callers (group commit) when killed mid-stream", async () => {
    const dir = tempDir("polaris-durable-");
    dirs.push(dir);
    const { acked } = await runAndKill(dir, 400, undefined, 8);
    const engine = await reopen(dir);
    const present = await durableNumbers(engine);
    const set = new Set(present);
    expect(set.size).toBe(present.length);
    for (const n of acked) expect(set.has(n)).toBe(true);
  }, 60_000);

  it("keeps every mutation a stock client had answered when the server pipelining its burst is killed", async () => {
    // Through the sync server: one connection with 32 mutations in flight, which the server pipelines (their
    // commits share log batches, syncWrites.test.ts); it answers each only once durable.
    const dir = tempDir("polaris-durable-");
    dirs.push(dir);
    const run = await runAndKill(dir, 300, undefined, 32, "durable", SYNC_CHILD);
    const engine = await reopen(dir);
    await expectExactlyKept(engine, "durable", run);
  }, 60_000);

  it("keeps every acknowledged mutation of concurrent callers across kills during compaction", async () => {
    const dir = tempDir("polaris-durable-");
    dirs.push(dir);
    const first = await runAndKill(dir, 300, 3000, 8, "run-1");
    const second = await runAndKill(dir, 200, 3000, 8, "run-2");
    const engine = await reopen(dir);
    await expectExactlyKept(engine, "run-1", first);
    await expectExactlyKept(engine, "run-2", second);
  }, 60_000);

  it("keeps every acknowledged mutation across kills while the log is being compacted", async () => {
    const dir = tempDir("polaris-durable-");
    dirs.push(dir);
    // Each run writes under its own author, so every number of a run must be there exactly once.
    const first = await runAndKill(dir, 120, 3000, 1, "run-1");
    const second = await runAndKill(dir, 60, 3000, 1, "run-2");
    const engine = await reopen(dir);
    await expectExactlyKept(engine, "run-1", first);
    await expectExactlyKept(engine, "run-2", second);
    // A single caller sends one at a time: at most the one in flight at the kill is present unacknowledged.
    for (const [author, run] of [["run-1", first], ["run-2", second]] as const) {
      const present = ok<number[]>(await engine.runQuery("messages:byAuthor", { author }, null));
      expect(present.sort((a, b) => a - b)).toEqual(Array.from({ length: present.length }, (_, i) => i));
      expect(present.length - run.acked.length).toBeLessThanOrEqual(1);
    }
  }, 60_000);

  it("recovers everything before a corrupt or torn log tail", async () => {
    const dir = tempDir("polaris-torn-");
    dirs.push(dir);
    let engine = await open(dir);
    for (let n = 0; n < 20; n++) ok(await engine.runMutation("messages:send", { author: "durable", body: `m${n}`, n }, null));
    await engine.close();
    const wal = path.join(dir, "wal.log");
    const goodSize = statSync(wal).size;

    appendFileSync(wal, Buffer.from([0x10, 0, 0, 0, 1, 2, 3, 4, 0x7b, 0x22]));
    engine = await reopen(dir);
    expect(await durableNumbers(engine)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(statSync(wal).size).toBe(goodSize);
    ok(await engine.runMutation("messages:send", { author: "durable", body: "m20", n: 20 }, null));
    await engines.pop()!.close();

    // Tear the last record in half: it is dropped, the rest survives, and new commits append cleanly.
    truncateSync(wal, statSync(wal).size - 7);
    engine = await reopen(dir);
    expect(await durableNumbers(engine)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    ok(await engine.runMutation("messages:send", { author: "durable", body: "m21", n: 21 }, null));
    await engines.pop()!.close();

    // Flip a byte inside the last record's payload: its checksum no longer matches.
    const bytes = readFileSync(wal);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(wal, bytes);
    engine = await reopen(dir);
    expect(await durableNumbers(engine)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  }, 60_000);
});

/** An engine whose fsyncs can be held: while `hold()` is in effect the next batch's fdatasync waits for release. */
async function engineWithHeldSync(dir: string) {
  const batches: number[] = [];
  let gate: Promise<void> | null = null;
  let release = () => {};
  let entered = () => {};
  const engine = new EngineImpl({
    dataDir: dir,
    convexDir: FIXTURE_CONVEX,
    siteUrl: SITE_URL,
    log: () => undefined,
    walHooks: {
      beforeSync: async (records) => {
        batches.push(records);
        if (gate) {
          entered();
          await gate;
        }
      },
    },
  });
  await engine.open();
  engines.push(engine);
  return {
    engine,
    batches,
    /** Holds the next fsync; resolves `syncing` once a batch is waiting on it. */
    hold: () => {
      const syncing = new Promise<void>((r) => (entered = r));
      gate = new Promise<void>((r) => (release = r));
      return {
        syncing,
        release: () => {
          gate = null;
          release();
        },
      };
    },
  };
}

const settled = (p: Promise<unknown>) => {
  const state = { done: false };
  void p.finally(() => (state.done = true));
  return state;
};

describe("group commit", () => {
  it("runs the next mutations while a batch is being synced, and publishes nothing before its fsync", async () => {
    const dir = tempDir("polaris-group-");
    dirs.push(dir);
    const { engine, batches, hold } = await engineWithHeldSync(dir);
    ok(await engine.runMutation("messages:send", { author: "g", body: "m0", n: 0 }, null));
    const tsBefore = engine.currentTs();
    const commits: bigint[] = [];
    engine.onCommit((c) => commits.push(c.ts));

    const held = hold();
    let commitsSeenByFirst = -1;
    const first = engine.runMutation("messages:send", { author: "g", body: "m1", n: 1 }, null).then((r) => {
      commitsSeenByFirst = commits.length;
      return r;
    });
    const firstState = settled(first);
    await held.syncing;
    const more = [2, 3, 4, 5].map((n) => engine.runMutation("messages:send", { author: "g", body: `m${n}`, n }, null));
    // These four execute while the first batch's fsync is held, so they queue up as the next batch.
    await vi.waitFor(() => expect(engine.walQueuedRecords()).toBe(4));
    const reader = engine.runQuery("messages:byAuthor", { author: "g" }, null);
    const readerState = settled(reader);
    // Everything that can happen without the held fsync has happened once the engine is idle: the four ran, the
    // query ran, and their results are parked with the first's until their batches are durable.
    await engine.idle();
    expect(engine.resultsAwaitingDurability()).toBe(6);
    expect(commits).toEqual([]);
    expect(firstState.done).toBe(false);
    expect(readerState.done).toBe(false);
    expect(engine.currentTs()).toBe(tsBefore);

    held.release();
    ok(await first);
    for (const r of await Promise.all(more)) ok(r);
    // The first mutation resolved only after its commit was delivered to onCommit.
    expect(commitsSeenByFirst).toBeGreaterThanOrEqual(1);
    expect(commits).toHaveLength(5);
    expect([...commits].sort((a, b) => (a < b ? -1 : 1))).toEqual(commits);
    expect(batches.slice(-2)).toEqual([1, 4]);
    const read = await reader;
    expect(ok<number[]>(read)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(read.ts).toBeLessThanOrEqual(engine.currentTs());
  });

  it("rolls back only the failing mutation's writes when it runs on top of commits not yet durable", async () => {
    const dir = tempDir("polaris-group-");
    dirs.push(dir);
    const { engine, hold } = await engineWithHeldSync(dir);
    const x = ok<string>(await engine.runMutation("messages:send", { author: "x", body: "x", n: 0 }, null));
    const held = hold();
    const z = engine.runMutation("messages:send", { author: "z", body: "z", n: 0 }, null);
    await held.syncing;
    const a = engine.runMutation("messages:send", { author: "g", body: "a", n: 1 }, null);
    const b = engine.runMutation("messages:insertThenFail", {}, null);
    const c = engine.runMutation("messages:send", { author: "g", body: "c", n: 3 }, null);
    const d = engine.runMutation("messages:rename", { id: x, body: "renamed" }, null);
    await vi.waitFor(() => expect(engine.walQueuedRecords()).toBe(3));
    held.release();
    ok(await z);
    ok(await a);
    expect(err(await b)).toContain("boom");
    ok(await c);
    ok(await d);
    const check = async (e: Engine) => {
      expect(ok<number[]>(await e.runQuery("messages:byAuthor", { author: "g" }, null))).toEqual([1, 3]);
      expect(ok<string[]>(await e.runQuery("messages:all", {}, null))).toEqual(["renamed", "z", "a", "c"]);
    };
    await check(engine);
    await engines.pop()!.close();
    await check(await reopen(dir));
  });
});
