/// <reference types="node" />
import { closeSync, fdatasyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ConvexClient } from "convex/browser";
import type WebSocket from "ws";
import { api } from "../../convex/_generated/api.js";
import { SNAPSHOT_FILE, WAL_FILE, decodeLog, encodeRecord } from "../../local-backend/src/engine/wal.js";
import { freePort } from "../serve.js";
import { listed } from "../../tests/listing.js";
import {
  convexClient,
  killChildren,
  now,
  openSocket,
  percentile,
  serverStats,
  signIn,
  spawnChild,
  withTimeout,
  type Child,
} from "./lib.js";
import type { ServerArgs, ServerReady } from "./server.js";
import type { StartupArgs, StartupResult } from "./startup.js";
import { writeDocsSection } from "./docs.js";
import { START_DATA, compactDataDir, populate, storedDocuments, type StartData } from "./startData.js";
import { MAX_CREATE_MANY } from "../../convex/lib/limits.js";

// Benchmarks of the embedded local backend (engine + server) through the stock Convex clients, each beside a
// reference measured in the same run. Bounded in time (a watchdog ends the run), loopback only, temp dirs removed.
// Run: npx tsx bench/backend/run.ts [--quick] [--only=start] [--only=import] [--inserts]   (--quick: smaller counts, for
// checking the script itself; --only=start: the start rows alone, printed; --only=import: the import row alone, printed;
// --inserts: only the insert rows, for working on the write path. Each leaves docs/benchmarks.md as it was.)

const QUICK = process.argv.includes("--quick");
const START_ONLY = process.argv.includes("--only=start");
const IMPORT_ONLY = process.argv.includes("--only=import");
const INSERTS_ONLY = process.argv.includes("--inserts");
// A safety bound, not the expected time: on a machine shared with other work (load 25-30), seeding alone took two
// minutes and the whole run went past 8.
const SUITE_LIMIT_MS = 900_000;
const USER = START_DATA.user;
const SMALL_CONTENT = START_DATA.content;

const N_ROUND_TRIPS = QUICK ? 100 : 1000;
const INSERT_CLIENTS = 8;
/** More clients, each with one insert in flight: enough concurrent commits for group commit to fill its batches. */
const INSERT_CLIENTS_MANY = 64;
const INSERT_SECONDS = QUICK ? 2 : 10;
const INSERT_SECONDS_NO_FSYNC = QUICK ? 1 : 5;
const PIPELINE_WINDOW = 64;
/** An import: files.createMany calls of MAX_CREATE_MANY files each (one folder's worth), this many in flight. */
const IMPORT_IN_FLIGHT = 4;
const IMPORT_FILES = QUICK ? 4 * MAX_CREATE_MANY : 40 * MAX_CREATE_MANY;
const FAN_SUBSCRIBERS = 50;
const FAN_WRITES = QUICK ? 20 : 100;
const SEED: StartData = QUICK ? { ...START_DATA, filesPerProject: 100 } : START_DATA;
const START_RUNS = 5;
const FSYNC_REF_MS = QUICK ? 1000 : 3000;

const DOCS_FILE = fileURLToPath(new URL("../../docs/benchmarks.md", import.meta.url));

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + " ms";
const usPer = (x: number) => `${Math.round(x)} µs`;
const perSec = (x: number) => `${Math.round(x).toLocaleString("en-US")}/s`;
const median = (xs: number[]) => percentile(xs, 0.5);

interface Row {
  measure: string;
  /** Name of the measure in the targets summary. */
  short?: string;
  polaris: string;
  reference: string;
  target: string;
  met: "yes" | "no" | "";
}
const rows: Row[] = [];
const notes: string[] = [];
const verdict = (ok: boolean) => (ok ? "yes" : "no");

function progress(line: string) {
  process.stderr.write(`[bench/backend] ${line}\n`);
}

// ------------------------------------------------------------------------------------------------- helpers

/** Resolves with the subscription's first value. */
function firstValue<T>(subscribe: (cb: (value: T) => void, onError: (e: Error) => void) => unknown, what: string) {
  return withTimeout(
    new Promise<T>((resolve, reject) => {
      subscribe(resolve, reject);
    }),
    15_000,
    what,
  );
}

async function newProjectWithFile(client: ConvexClient, name: string) {
  const projectId = await client.mutation(api.projects.create, { name });
  const fileId = await client.mutation(api.files.createFile, { projectId, name: "main.ts", content: SMALL_CONTENT });
  return { projectId, fileId };
}

async function closeAll(clients: ConvexClient[]) {
  await Promise.all(clients.map((c) => c.close()));
}


// ------------------------------------------------------------------------------------------------- 1. round trip

/**
 * Sends `count` small mutations (files.updateContent, the editor's save) one after another and times each until
 * the stock client's promise resolves: that happens only once a Transition carrying the mutation's timestamp has
 * been applied, so the subscribed files.get of the same client already shows the new content.
 */
async function mutationRoundTrip(url: string, token: string, count: number): Promise<number[]> {
  const client = convexClient(url, token);
  try {
    const { fileId } = await newProjectWithFile(client, "Round trip");
    let latest: string | undefined;
    let unsubscribe: (() => void) | undefined;
    await firstValue<unknown>((cb, onError) => {
      unsubscribe = client.onUpdate(
        api.files.get,
        { fileId },
        (file) => {
          latest = file.content;
          cb(file);
        },
        onError,
      );
    }, "the first files.get result");
    const warmup = Math.min(50, count / 10);
    const samples: number[] = [];
    for (let i = 0; i < warmup + count; i++) {
      const content = `edit ${i}`;
      const t = now();
      await client.mutation(api.files.updateContent, { fileId, content });
      const dt = now() - t;
      if (latest !== content) {
        throw new Error(`After mutation ${i} resolved, the subscribed files.get still showed ${JSON.stringify(latest)}.`);
      }
      if (i >= warmup) samples.push(dt);
    }
    unsubscribe?.();
    return samples;
  } finally {
    await client.close();
  }
}

/** Reference: the same number of round trips of a frame of the same size to a bare `ws` echo server. */
async function echoRoundTrip(refUrl: string, count: number, frameBytes: number): Promise<number[]> {
  const ws = await openSocket(`${refUrl}/echo`);
  try {
    const samples: number[] = [];
    const warmup = Math.min(50, count / 10);
    for (let i = 0; i < warmup + count; i++) {
      const frame = JSON.stringify({ type: "Mutation", requestId: i, pad: "x".repeat(Math.max(0, frameBytes - 45)) });
      const t = now();
      const echoed = new Promise<void>((resolve) => ws.once("message", () => resolve()));
      ws.send(frame);
      await withTimeout(echoed, 10_000, `echo ${i}`);
      const dt = now() - t;
      if (i >= warmup) samples.push(dt);
    }
    return samples;
  } finally {
    ws.terminate();
  }
}

// ------------------------------------------------------------------------------------------------- 2. inserts/s

/**
 * `clients` stock clients (one WebSocket each), each awaiting one files.createFile after another in its own project
 * for `seconds`. Every acknowledged insert is then counted back through the project's listing (tests/listing.ts).
 */
async function sustainedInserts(url: string, token: string, clients: number, seconds: number) {
  const cs = Array.from({ length: clients }, () => convexClient(url, token));
  try {
    const projects = await Promise.all(cs.map((c, k) => c.mutation(api.projects.create, { name: `Inserts ${k}` })));
    await Promise.all(
      cs.map((c, k) => c.mutation(api.files.createFile, { projectId: projects[k], name: "warmup.ts", content: SMALL_CONTENT })),
    );
    const latencies: number[] = [];
    const counts = new Array<number>(clients).fill(0);
    const t0 = now();
    const deadline = t0 + seconds * 1000;
    await Promise.all(
      cs.map(async (c, k) => {
        for (let i = 0; now() < deadline; i++) {
          const t = now();
          await c.mutation(api.files.createFile, { projectId: projects[k], name: `file-${i}.ts`, content: SMALL_CONTENT });
          latencies.push(now() - t);
          counts[k]++;
        }
      }),
    );
    const elapsed = (now() - t0) / 1000;
    const trees = await Promise.all(cs.map((c, k) => listed(c, projects[k])));
    trees.forEach((tree, k) => {
      if (tree.length !== counts[k] + 1) {
        throw new Error(`Client ${k} had ${counts[k]} inserts acknowledged but the listing holds ${tree.length - 1}.`);
      }
    });
    const total = counts.reduce((a, b) => a + b, 0);
    return { perSecond: total / elapsed, total, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  } finally {
    await closeAll(cs);
  }
}

/**
 * One stock client keeping `window` files.createFile calls in flight on its one WebSocket for `seconds` (as an
 * import or an offline replay sends its writes): the server pipelines runs of them, so their commits share log
 * writes. Every acknowledged insert is then counted back through the listing.
 */
async function pipelinedInserts(url: string, token: string, window: number, seconds: number) {
  const c = convexClient(url, token);
  try {
    const projectId = await c.mutation(api.projects.create, { name: "Pipelined inserts" });
    await c.mutation(api.files.createFile, { projectId, name: "warmup.ts", content: SMALL_CONTENT });
    let total = 0;
    let next = 0;
    const t0 = now();
    const deadline = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: window }, async () => {
        while (now() < deadline) {
          await c.mutation(api.files.createFile, { projectId, name: `file-${next++}.ts`, content: SMALL_CONTENT });
          total++;
        }
      }),
    );
    const elapsed = (now() - t0) / 1000;
    const files = await listed(c, projectId);
    if (files.length !== total + 1) throw new Error(`${total} pipelined inserts were acknowledged but the listing holds ${files.length - 1}.`);
    return { perSecond: total / elapsed, total };
  } finally {
    await c.close();
  }
}

/**
 * An import as the SPA's upload and transfers.writeBatch do it: one stock client creates `folders` folders in one
 * files.createMany, then fills each with one files.createMany of `perCall` files (within Convex's per-transaction
 * limits), keeping `inFlight` calls outstanding on its one WebSocket. Each call is one transaction writing a file row
 * and a listing entry per file. Every acknowledged file is then counted back through the project's listing.
 */
async function importFiles(url: string, token: string, files: number, perCall: number, inFlight: number) {
  const c = convexClient(url, token);
  try {
    const projectId = await c.mutation(api.projects.create, { name: "Import" });
    // Warm-up call (code paths, JIT), in its own folder, not counted.
    const [warm] = await c.mutation(api.files.createMany, { projectId, items: [{ name: "warmup", type: "folder" }] });
    await c.mutation(api.files.createMany, { projectId, parentId: warm, items: Array.from({ length: perCall }, (_, i) => ({ name: `w-${i}.ts`, content: SMALL_CONTENT })) });
    const calls = Math.ceil(files / perCall);
    const t0 = now();
    const folders = await c.mutation(api.files.createMany, {
      projectId,
      items: Array.from({ length: calls }, (_, k) => ({ name: `dir-${k}`, type: "folder" as const })),
    });
    let next = 0;
    let total = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        for (let k = next++; k < calls; k = next++) {
          const n = Math.min(perCall, files - k * perCall);
          const items = Array.from({ length: n }, (_, i) => ({ name: `file-${i}.ts`, content: SMALL_CONTENT }));
          const ids = await c.mutation(api.files.createMany, { projectId, parentId: folders[k], items });
          total += ids.length;
        }
      }),
    );
    const elapsed = (now() - t0) / 1000;
    const listedFiles = (await listed(c, projectId)).filter((e) => e.type === "file").length;
    if (listedFiles !== total + perCall) throw new Error(`${total} imported files were acknowledged but the listing holds ${listedFiles - perCall}.`);
    return { perSecond: total / elapsed, total, calls, seconds: elapsed };
  } finally {
    await c.close();
  }
}

/** Reference: append `recordBytes`-byte records to a file, one fdatasync per `perSync` records, for `durationMs`. */
function fsyncAppendLoop(dir: string, recordBytes: number, perSync: number, durationMs: number) {
  const file = path.join(dir, `fsync-ref-${perSync}.log`);
  const fd = openSync(file, "a");
  const record = Buffer.alloc(recordBytes, 0x61);
  const syncs: number[] = [];
  let records = 0;
  const t0 = now();
  try {
    while (now() - t0 < durationMs) {
      for (let j = 0; j < perSync; j++) writeSync(fd, record);
      const t = now();
      fdatasyncSync(fd);
      syncs.push(now() - t);
      records += perSync;
    }
  } finally {
    closeSync(fd);
    unlinkSync(file);
  }
  return { perSecond: records / ((now() - t0) / 1000), fsyncP50: percentile(syncs, 0.5), fsyncP99: percentile(syncs, 0.99) };
}

/** CPU time (µs) per insert of the server child and of this process (the stock clients) over `measure`. */
async function cpuPerInsert<T extends { total: number }>(server: Child<ServerReady>, measure: () => Promise<T>) {
  const before = await serverStats(server);
  const cpu0 = process.cpuUsage();
  const result = await measure();
  const cpu1 = process.cpuUsage(cpu0);
  const after = await serverStats(server);
  return {
    result,
    commitsPerSync: (after.records - before.records) / Math.max(1, after.batches - before.batches),
    serverMicros: (after.cpuMicros - before.cpuMicros) / result.total,
    clientMicros: (cpu1.user + cpu1.system) / result.total,
    socketWrites: (after.socketWrites - before.socketWrites) / result.total,
    zlibJobs: (after.zlibJobs - before.zlibJobs) / result.total,
  };
}

/**
 * Median size of the write-ahead-log records of a data dir whose number of written documents passes `writes` (what
 * one insert's commit appends).
 */
function medianWalRecordBytes(dataDir: string, writes: (n: number) => boolean): number {
  const { records } = decodeLog(readFileSync(path.join(dataDir, WAL_FILE)));
  const inserts = records.filter((r) => writes(r.w.length));
  return Math.round(median((inserts.length > 0 ? inserts : records).map((r) => encodeRecord(r).length)));
}

// ------------------------------------------------------------------------------------------------- 3. fan-out

/**
 * `subscribers` stock clients (one WebSocket each) subscribe to the same files.get; another client writes the file
 * `writes` times, one after another. Each sample: the write's send -> the last subscriber's onUpdate showing it.
 */
async function fanOut(url: string, token: string, subscribers: number, writes: number) {
  const writer = convexClient(url, token);
  const subs = Array.from({ length: subscribers }, () => convexClient(url, token));
  try {
    const { fileId } = await newProjectWithFile(writer, "Fan-out");
    let expected = SMALL_CONTENT;
    let seen = new Set<number>();
    let allSeen: (() => void) | null = null;
    let lastValue: unknown = null;
    const initial = subs.map((c, k) =>
      firstValue<unknown>((cb, onError) => {
        c.onUpdate(
          api.files.get,
          { fileId },
          (file) => {
            cb(file);
            if (file.content !== expected || seen.has(k)) return;
            lastValue = file;
            seen.add(k);
            if (seen.size === subscribers) allSeen?.();
          },
          onError,
        );
      }, `subscriber ${k}'s first files.get result`),
    );
    await Promise.all(initial);
    const warmup = 5;
    const samples: number[] = [];
    for (let i = 0; i < warmup + writes; i++) {
      expected = `fan-out ${i}`;
      seen = new Set();
      const everyone = new Promise<number>((resolve) => {
        allSeen = () => resolve(now());
      });
      const t = now();
      const acknowledged = writer.mutation(api.files.updateContent, { fileId, content: expected });
      const last = await withTimeout(everyone, 15_000, `all ${subscribers} subscribers to see write ${i}`);
      await acknowledged;
      if (i >= warmup) samples.push(last - t);
    }
    return { samples, transitionBytes: Buffer.byteLength(JSON.stringify(lastValue)) + 200 };
  } finally {
    await closeAll([writer, ...subs]);
  }
}

/** Reference: one frame of the same size forwarded by a bare `ws` server to `subscribers` sockets. */
async function broadcast(refUrl: string, subscribers: number, writes: number, frameBytes: number) {
  const subs: WebSocket[] = await Promise.all(Array.from({ length: subscribers }, () => openSocket(`${refUrl}/fan/sub`)));
  const pub = await openSocket(`${refUrl}/fan/pub`);
  try {
    let expected = -1;
    let seen = 0;
    let allSeen: (() => void) | null = null;
    for (const ws of subs) {
      ws.on("message", (data) => {
        // Parse like a client would: the reference pays for JSON decoding too.
        const { seq } = JSON.parse((data as Buffer).toString("utf8")) as { seq: number };
        if (seq === expected && ++seen === subscribers) allSeen?.();
      });
    }
    const warmup = 5;
    const samples: number[] = [];
    for (let i = 0; i < warmup + writes; i++) {
      expected = i;
      seen = 0;
      const everyone = new Promise<number>((resolve) => {
        allSeen = () => resolve(now());
      });
      const frame = JSON.stringify({ seq: i, pad: "x".repeat(Math.max(0, frameBytes - 25)) });
      const t = now();
      pub.send(frame);
      const last = await withTimeout(everyone, 15_000, `all ${subscribers} reference sockets to get frame ${i}`);
      if (i >= warmup) samples.push(last - t);
    }
    return samples;
  } finally {
    for (const ws of [pub, ...subs]) ws.terminate();
  }
}

// ------------------------------------------------------------------------------------------------- 4. start

async function timedStarts(args: StartupArgs): Promise<StartupResult[]> {
  const results: StartupResult[] = [];
  for (let i = 0; i < START_RUNS; i++) {
    const child = await spawnChild<StartupResult>("./startup.ts", args, 60_000);
    results.push(child.ready);
    await child.stop();
  }
  return results;
}

interface Parsed {
  ms: number;
  /** CPU time (user + system) of the parse, in this process. */
  cpuMs: number;
  docs: number;
}

/** Reference: read the data files and JSON.parse every record/line, nothing else. */
function parseDataFiles(dataDir: string): Parsed {
  const t = now();
  const cpu0 = process.cpuUsage();
  let docs = 0;
  const snapFile = path.join(dataDir, SNAPSHOT_FILE);
  const snap = statSync(snapFile, { throwIfNoEntry: false });
  if (snap) {
    for (const line of readFileSync(snapFile, "utf8").split("\n")) {
      if (line.length === 0) continue;
      const value = JSON.parse(line) as unknown;
      if (Array.isArray(value)) docs++;
    }
  }
  const buf = readFileSync(path.join(dataDir, WAL_FILE));
  for (let off = 0; off + 8 <= buf.length; ) {
    const len = buf.readUInt32LE(off);
    const record = JSON.parse(buf.toString("utf8", off + 8, off + 8 + len)) as { w: unknown[] };
    docs += record.w.length;
    off += 8 + len;
  }
  const cpu = process.cpuUsage(cpu0);
  return { ms: now() - t, cpuMs: (cpu.user + cpu.system) / 1000, docs };
}

function fileMiB(file: string) {
  return (statSync(file).size / 1024 / 1024).toFixed(1) + " MiB";
}

async function startToReady(root: string) {
  const dataDir = path.join(root, "start");
  await mkdir(dataDir);
  const port = await freePort();
  const siteUrl = `http://127.0.0.1:${port}`;
  const seedStart = now();
  const projectIds = await populate(dataDir, siteUrl, SEED);
  const stored = storedDocuments(SEED);
  progress(`seeded ${stored.toLocaleString("en-US")} documents in ${ms(now() - seedStart)}`);
  const args: StartupArgs = { dataDir, port, user: USER, projectId: projectIds[37], expectFiles: SEED.filesPerProject };

  const fromWal = await timedStarts(args);
  const walSize = fileMiB(path.join(dataDir, WAL_FILE));
  const walRef = Array.from({ length: START_RUNS }, () => parseDataFiles(dataDir));
  if (walRef[0].docs < stored) throw new Error(`The reference parsed ${walRef[0].docs} documents, expected at least ${stored}.`);

  await compactDataDir(dataDir, siteUrl, projectIds[0]);
  const fromSnapshot = await timedStarts(args);
  const snapSize = fileMiB(path.join(dataDir, SNAPSHOT_FILE));
  const snapRef = Array.from({ length: START_RUNS }, () => parseDataFiles(dataDir));
  if (snapRef[0].docs < stored) throw new Error(`The reference parsed ${snapRef[0].docs} documents, expected at least ${stored}.`);
  return { stored, fromWal, walSize, walRef, fromSnapshot, snapSize, snapRef };
}

// ------------------------------------------------------------------------------------------------- report

/** One plain sentence per target: met or not, with the measure it is about. */
function targetsSummary(): string {
  const judged = rows.filter((r) => r.met !== "");
  const name = (r: Row) => r.short ?? r.measure;
  const met = judged.filter((r) => r.met === "yes").map(name);
  const missed = judged.filter((r) => r.met === "no").map((r) => `${name(r)} (target ${r.target}, measured ${r.polaris.split(" (")[0]})`);
  return [
    `Targets met in this run (${met.length} of ${judged.length}): ${met.length > 0 ? met.join("; ") : "none"}.`,
    missed.length > 0 ? `Not met: ${missed.join("; ")}.` : "Every target was met.",
  ].join("\n");
}

function table(): string {
  const head = "| Measure | Polaris local backend | Reference (same run) | Target | Met |\n| --- | ---: | ---: | --- | --- |";
  return [head, ...rows.map((r) => `| ${r.measure} | ${r.polaris} | ${r.reference} | ${r.target} | ${r.met} |`)].join("\n");
}

const REFERENCES = `What the references are, and why:

- **Round trip and fan-out: a bare \`ws\` server** in the same child process as the backend (same library and
  options as the backend's sync socket, no compression), driven from the same benchmark process over the same
  loopback. An echo of one frame of the mutation's size, and a broadcast of one frame of the Transition's size to
  ${FAN_SUBSCRIBERS} sockets (each decodes it with JSON.parse). That is the floor any WebSocket protocol has here: the
  gap to it is the backend's own cost (running the function, committing, re-running the subscribed query,
  building the Transition) plus the stock client's. \`convex-test\` is not a server, so it cannot be the reference.
- **Inserts/s: a raw append + fdatasync loop** on the same disk, records of the size one insert's commit
  appends to the write-ahead log. "1 per fsync" is the ceiling of any design that makes each commit durable
  on its own before the next; "8 per fsync" is what committing the ${INSERT_CLIENTS} clients' inserts in groups could reach.
- **Start: reading the same data files and JSON.parse-ing every record or line**, nothing else. That is the
  floor of any start that loads every document into memory; the gap to it is building the in-memory tables and
  indexes, bundling convex/ with esbuild and opening the socket.`;

/** Figures measured in this run that the findings quote. */
interface Measured {
  commitsPerSync: number;
  insertsOn: number;
  insertP50On: number;
  insertsOff: number;
  serverMicrosOn: number;
  clientMicrosOn: number;
  /** The 1-record-per-fdatasync reference loop. */
  onePerSync: number;
  fsyncP50: number;
  fsyncP99: number;
  pipelined: number;
  pipelinedPerSync: number;
  many: number;
  manyPerSync: number;
  importRate: number;
  importPerSync: number;
  importServerMicros: number;
  importClientMicros: number;
}

const findings = (m: Measured) => `Where the time goes (figures of this run; profile the backend yourself with
\`BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx bench/backend/run.ts\`):

- Each of the ${INSERT_CLIENTS} clients has one insert in flight, so the rate is ${INSERT_CLIENTS} divided by the time one insert takes end to
  end (${ms(m.insertP50On)} p50 here). Group commit (local-backend/src/engine/wal.ts): while one batch of log records is made
  durable, the next mutations run and their records form the next batch (${m.commitsPerSync.toFixed(1)} commits per batch in this run).
  The durable log is opened with O_DSYNC, so a batch is one write that returns once it is on disk: one thread-pool
  round trip where a write and an fdatasync took two.
- The rate is bound by CPU more than by the disk: inserts reached ${perSec(m.insertsOn)} with fsync on and ${perSec(m.insertsOff)} with it
  off; the bare append loop reached ${perSec(m.onePerSync)} with one fdatasync per record (fdatasync ${ms(m.fsyncP50)} p50, ${ms(m.fsyncP99)} p99).
  One insert cost ${usPer(m.serverMicrosOn)} of backend CPU (all threads: the engine, the sync server, its socket write,
  the log's thread pool, the kernel's loopback TCP) plus ${usPer(m.clientMicrosOn)} in the stock clients' process: with ${cpus().length} cores doing
  nothing else that is a ceiling of about ${perSec((cpus().length * 1e6) / (m.serverMicrosOn + m.clientMicrosOn))}. Reaching 5,000/s here needs a whole insert,
  the stock client's share included, well under 400 µs of CPU, and the cores to itself.
- An import creates files as the SPA's upload and transfers.writeBatch do: files.createMany of up to ${MAX_CREATE_MANY.toLocaleString("en-US")} files
  in one folder per call (Convex's per-transaction limits bound a call), several calls in flight on one connection.
  Each call is one transaction and one durable log write (${m.importPerSync.toFixed(1)} commits per write in this run); per file it writes
  the file row and its listing entry, and the folder's bucket count and the project's updatedAt are written once per
  call. Into a folder that holds no rows yet (each call of this row), createMany makes no lookup per name: one
  index range shows the folder empty, and the group's own names are checked in memory. This run: ${perSec(m.importRate)} files,
  with ${usPer(m.importServerMicros)} of backend CPU and ${usPer(m.importClientMicros)} of client CPU per file; with ${cpus().length} cores doing nothing else that is a
  ceiling of about ${perSec((cpus().length * 1e6) / (m.importServerMicros + m.importClientMicros))} files (the backend's main thread does most of it, so less).
- With ${INSERT_CLIENTS_MANY} clients, each with one insert in flight, group commit has more commits to gather: ${m.manyPerSync.toFixed(1)} per durable log write
  in this run, ${perSec(m.many)} inserts. Each is still its own transaction, durable before it is answered.
- The sync socket compresses every frame (permessage-deflate, which the stock client and browsers offer). A frame
  it sends of up to 64 KiB is compressed on the main thread and joins the write of its answer (server/inflate.ts
  deflateInline; bench/backend/roundTrip.ts counts 1 write and 0 zlib jobs per save, was 2 and 2); a longer one
  costs two zlib jobs on the thread pool (the chunk and the flush) and a socket write of its own (the
  counts per insert above; \`NOSYNC=1 npx tsx bench/backend/serverInserts.ts\` prints the backend's CPU and those counts
  per insert over a fixed number of inserts, PLAIN=1 runs its clients without compression). Sending a write's short
  frames uncompressed was tried and taken back: a runner test ('runs the install and dev commands…') then hung every
  run, cause not found.
- What the clients send is compressed too: browsers and the \`ws\` client compress every frame of a connection with
  context takeover, whatever its size. \`ws\` inflated each one as three jobs on the thread pool (the data, the
  trailer, the flush); the backend now inflates them on the main thread as they are read (server/inflate.ts),
  which took a third off the backend's CPU per insert (zlib jobs per insert 3.00 -> 0.00) and let the mutations of
  the ${INSERT_CLIENTS} clients reach the log together (about 4 commits per durable log write, was under 2): A/B in
  bench/backend/serverInserts.ts, 2026-12-07.
- A client that keeps many writes in flight on one connection (an import, an offline replay; the stock client
  sends each call at once) is pipelined by the sync server (server/clientSession.ts): while the next queued
  message is another Mutation, a mutation goes to the engine without waiting for its commit to be durable, so a
  burst shares log writes (${m.pipelinedPerSync.toFixed(1)} commits per durable log write in this run, ${perSec(m.pipelined)} inserts from one client with
  ${PIPELINE_WINDOW} in flight), each still its own transaction, run in order and answered only once durable.
- What a commit costs the sync server grows with what it wrote, not with the number of subscriptions: every
  connection's subscribed read sets are filed in one index by key prefix (engine/readIndex.ts), and a commit's
  keys find the queries they hit there.
- Index maintenance does not grow with the table: each index is a list of chunks of sorted keys
  (local-backend/src/engine/indexKeys.ts), so a write moves at most one chunk's entries. A write computes a
  document's key only in the indexes already built and in those a subscribed read set checks it against (store.ts
  \`Doc.keyIn\`, \`WriteEntry.keysIn\`), and the document keeps it, so a patch, delete or rollback does not encode
  the old version's keys again. Ids draw their random bytes in blocks, are made in one piece (a flat string),
  and decoded table numbers are cached.
- What is left is spread thin (profile it as above): Convex's own function runtime, which marshals every
  \`ctx.db\` call through JSON strings (this backend cannot change that), garbage collection, AsyncLocalStorage's
  promise hooks (Node 20 runs a hook for every promise once it is used; a \`ctx.db\` call answers the runtime
  with its JSON string, not a promise of it, engine/runtime.ts), validation of arguments, index keys, the log
  record's JSON and CRC, and the sync server's socket write per mutation (the kernel's loopback TCP included).
  Documents are measured and checked against the schema in their JSON form when plain (engine/size.ts), not
  decoded into a copy first; \`npx tsx bench/backend/writePath.ts <old src> <new src>\` compares that path of two
  checkouts in one process, and bench/backend/engineInserts.ts runs createFile through the engine alone.
- The sync server answers each mutation with one socket write: the MutationResponse is held back until the
  queries re-ran, and it goes out with the Transition, in that order, with the socket corked around both
  (server/clientSession.ts \`mutation\` and \`sendTogether\`); before, each was its own \`writev\`, and together they
  were a quarter of the busy time with fsync off. Holding the response costs the client nothing: the stock
  client resolves the mutation only on the Transition. Re-runs scheduled by a commit that the mutation's own
  re-run already covered are skipped without touching the engine.
- Tried and not kept (2026-11-26): writing each batch with a synchronous write on the main thread instead of the
  thread-pool write; over three alternating quick runs no difference stood out of the machine's noise.
- Start: indexes are built when first read, not at load (a start builds only those its first queries use), and
  the bundle of convex/ is kept between starts (docs/local-backend.md "Start"). Most of what is left beyond the
  reference is importing the bundled convex/ modules and the npm packages they use (through tsx's loader hooks
  under \`npm start\`), one Doc per document, and garbage collection. The CPU figure is this process's only
  (esbuild, when it runs, is another process).`;

/** Row 2e: an import through files.createMany (fsync on), with its reference; returns the figures the findings quote. */
async function importRow(on: Child<ServerReady>, token: string, onDir: string, root: string) {
  progress(`2e. import: ${IMPORT_FILES.toLocaleString("en-US")} files by files.createMany, ${MAX_CREATE_MANY} a call, ${IMPORT_IN_FLIGHT} in flight (fsync on)`);
  const importRun = await cpuPerInsert(on, () => importFiles(on.ready.url, token, IMPORT_FILES, MAX_CREATE_MANY, IMPORT_IN_FLIGHT));
  const imp = importRun.result;
  // One createMany call of MAX_CREATE_MANY files writes a file row and a listing entry per file.
  const callRecordBytes = medianWalRecordBytes(onDir, (n) => n >= 2 * MAX_CREATE_MANY);
  const refCall = fsyncAppendLoop(root, callRecordBytes, 1, FSYNC_REF_MS);
  rows.push({
    measure:
      `Import: ${imp.total.toLocaleString("en-US")} files created by files.createMany, ${MAX_CREATE_MANY.toLocaleString("en-US")} files a call (${imp.calls} calls, one folder each), ` +
      `1 stock client with ${IMPORT_IN_FLIGHT} calls in flight, fsync on; files per second (each file is 2 documents: its row and its listing entry)`,
    short: "import (files per second created by files.createMany; 2 documents each)",
    polaris: `${Math.round(imp.perSecond).toLocaleString("en-US")} files/s (${perSec(2 * imp.perSecond)} documents; ${imp.seconds.toFixed(1)} s; ${importRun.commitsPerSync.toFixed(1)} commits per durable log write; CPU per file: backend ${usPer(importRun.serverMicros)}, client ${usPer(importRun.clientMicros)})`,
    reference: `append+fdatasync of one call's log record (${(callRecordBytes / 1024).toFixed(0)} KiB), 1 per fsync: ${Math.round(refCall.perSecond * MAX_CREATE_MANY).toLocaleString("en-US")} files/s`,
    target: "≥ 5,000/s",
    met: verdict(imp.perSecond >= 5000),
  });
  return { importRate: imp.perSecond, importPerSync: importRun.commitsPerSync, importServerMicros: importRun.serverMicros, importClientMicros: importRun.clientMicros };
}

/** --only=import: the import row alone (fsync on), printed with the load average; docs/benchmarks.md is left as it was. */
async function importOnly() {
  const root = await mkdtemp(path.join(tmpdir(), "polaris-bench-backend-"));
  const loadAtStart = loadavg()[0];
  try {
    const onDir = path.join(root, "durable");
    const on = await spawnChild<ServerReady>("./server.ts", { dataDir: onDir, durable: true } satisfies ServerArgs);
    try {
      await importRow(on, await signIn(on.ready.url, USER), onDir, root);
    } finally {
      await on.stop();
    }
  } finally {
    killChildren();
    await rm(root, { recursive: true, force: true });
  }
  console.log("\n" + table() + "\n");
  console.log(`1-minute load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end; ${cpus().length} cores.`);
  progress("import row only: docs/benchmarks.md left as it was.");
}

/** Row 4: start to the first query answered, from the write-ahead log and from a snapshot. */
async function startRows(root: string) {
  progress(`4. start-to-ready with ${storedDocuments(SEED).toLocaleString("en-US")} stored documents`);
  const st = await startToReady(root);
  const docs = st.stored.toLocaleString("en-US");
  const fmtStarts = (xs: StartupResult[]) =>
    `${ms(median(xs.map((x) => x.readyMs)))} (CPU ${ms(median(xs.map((x) => x.cpuMs)))}; listening after ${ms(median(xs.map((x) => x.listeningMs)))}; worst ${ms(Math.max(...xs.map((x) => x.readyMs)))})`;
  const fmtRef = (xs: Parsed[]) => `read + JSON.parse ${ms(median(xs.map((x) => x.ms)))} (CPU ${ms(median(xs.map((x) => x.cpuMs)))})`;
  rows.push({
    measure: `Start → first query answered, ${docs} documents in the write-ahead log (${st.walSize}), median of ${START_RUNS}`,
    short: "start from the write-ahead log",
    polaris: fmtStarts(st.fromWal),
    reference: fmtRef(st.walRef),
    target: "≤ 2 s",
    met: verdict(median(st.fromWal.map((x) => x.readyMs)) <= 2000),
  });
  rows.push({
    measure: `Start → first query answered, ${docs} documents in a snapshot (${st.snapSize}), median of ${START_RUNS}`,
    short: "start from a snapshot",
    polaris: fmtStarts(st.fromSnapshot),
    reference: fmtRef(st.snapRef),
    target: "≤ 2 s",
    met: verdict(median(st.fromSnapshot.map((x) => x.readyMs)) <= 2000),
  });
}

/** --only=start: the start rows alone, printed with the load average; docs/benchmarks.md is left as it was. */
async function startOnly() {
  const root = await mkdtemp(path.join(tmpdir(), "polaris-bench-backend-"));
  const loadAtStart = loadavg()[0];
  try {
    await startRows(root);
  } finally {
    killChildren();
    await rm(root, { recursive: true, force: true });
  }
  console.log("\n" + table() + "\n");
  console.log(`1-minute load average ${loadAtStart.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end; ${cpus().length} cores.`);
  progress("start rows only: docs/benchmarks.md left as it was.");
}

// ------------------------------------------------------------------------------------------------- main

async function main() {
  const root = await mkdtemp(path.join(tmpdir(), "polaris-bench-backend-"));
  const started = now();
  const loadAtStart = loadavg()[0];
  const loads: number[] = [loadAtStart];
  const loadSampler = setInterval(() => loads.push(loadavg()[0]), 2000);
  const measured: Measured = {
    commitsPerSync: Number.NaN,
    insertsOn: Number.NaN,
    insertP50On: Number.NaN,
    insertsOff: Number.NaN,
    serverMicrosOn: Number.NaN,
    clientMicrosOn: Number.NaN,
    onePerSync: Number.NaN,
    fsyncP50: Number.NaN,
    fsyncP99: Number.NaN,
    pipelined: Number.NaN,
    pipelinedPerSync: Number.NaN,
    many: Number.NaN,
    manyPerSync: Number.NaN,
    importRate: Number.NaN,
    importPerSync: Number.NaN,
    importServerMicros: Number.NaN,
    importClientMicros: Number.NaN,
  };
  try {
    // Durability ON: the default of `npm start`.
    const onDir = path.join(root, "durable");
    const on = await spawnChild<ServerReady>("./server.ts", { dataDir: onDir, durable: true } satisfies ServerArgs);
    let insertRecordBytes: number;
    try {
      const token = await signIn(on.ready.url, USER);
      if (!INSERTS_ONLY) {
        progress("1. mutation round trip (fsync on)");
        const rt = await mutationRoundTrip(on.ready.url, token, N_ROUND_TRIPS);
        const echo = await echoRoundTrip(on.ready.refUrl, N_ROUND_TRIPS, 160);
        rows.push({
          measure: `Mutation round trip, ${N_ROUND_TRIPS} sequential updateContent, fsync on: p50 / p99`,
          short: "mutation round trip",
          polaris: `${ms(percentile(rt, 0.5))} / ${ms(percentile(rt, 0.99))}`,
          reference: `ws echo ${ms(percentile(echo, 0.5))} / ${ms(percentile(echo, 0.99))}`,
          target: "p50 ≤ 2 ms, p99 ≤ 10 ms",
          met: verdict(percentile(rt, 0.5) <= 2 && percentile(rt, 0.99) <= 10),
        });
      }

      progress(`2. sustained inserts, ${INSERT_CLIENTS} clients, ${INSERT_SECONDS} s (fsync on)`);
      const insRun = await cpuPerInsert(on, () => sustainedInserts(on.ready.url, token, INSERT_CLIENTS, INSERT_SECONDS));
      const ins = insRun.result;
      Object.assign(measured, {
        commitsPerSync: insRun.commitsPerSync,
        insertsOn: ins.perSecond,
        insertP50On: ins.p50,
        serverMicrosOn: insRun.serverMicros,
        clientMicrosOn: insRun.clientMicros,
      });
      insertRecordBytes = medianWalRecordBytes(onDir, (n) => n === 3);
      const ref1 = fsyncAppendLoop(root, insertRecordBytes, 1, FSYNC_REF_MS);
      const ref8 = fsyncAppendLoop(root, insertRecordBytes, INSERT_CLIENTS, FSYNC_REF_MS);
      Object.assign(measured, { onePerSync: ref1.perSecond, fsyncP50: ref1.fsyncP50, fsyncP99: ref1.fsyncP99 });
      rows.push({
        measure: `Sustained inserts (createFile), ${INSERT_CLIENTS} clients, ${INSERT_SECONDS} s, fsync on`,
        short: "sustained inserts (one createFile mutation per file)",
        polaris: `${perSec(ins.perSecond)} (${ins.total.toLocaleString("en-US")} inserts; each ${ms(ins.p50)} p50, ${ms(ins.p99)} p99; ${insRun.commitsPerSync.toFixed(1)} commits per durable log write)`,
        reference: `append+fdatasync ${insertRecordBytes} B: 1 per fsync ${perSec(ref1.perSecond)}; ${INSERT_CLIENTS} per fsync ${perSec(ref8.perSecond)}`,
        target: "≥ 5,000/s",
        met: verdict(ins.perSecond >= 5000),
      });
      notes.push(
        `fdatasync on this disk: ${ms(ref1.fsyncP50)} p50, ${ms(ref1.fsyncP99)} p99 (from the 1-per-fsync reference loop).`,
        `CPU time per insert (fsync on): backend process ${usPer(insRun.serverMicros)}, benchmark process (the ${INSERT_CLIENTS} stock clients) ${usPer(insRun.clientMicros)}; ` +
          `${cpus().length} cores shared with everything else running.`,
        `Counts per insert in the backend (fsync on, ${INSERT_CLIENTS} clients; they do not depend on the load): ${insRun.socketWrites.toFixed(2)} socket writes, ` +
          `${insRun.zlibJobs.toFixed(2)} zlib jobs (permessage-deflate chunks and flushes handed to the thread pool; bench/backend/server.ts counts both).`,
      );

      progress(`2c. pipelined inserts, 1 client, ${PIPELINE_WINDOW} in flight, ${INSERT_SECONDS_NO_FSYNC} s (fsync on)`);
      const pipeRun = await cpuPerInsert(on, () => pipelinedInserts(on.ready.url, token, PIPELINE_WINDOW, INSERT_SECONDS_NO_FSYNC));
      Object.assign(measured, { pipelined: pipeRun.result.perSecond, pipelinedPerSync: pipeRun.commitsPerSync });
      rows.push({
        measure: `Pipelined inserts (createFile), 1 client with ${PIPELINE_WINDOW} in flight (an import, an offline replay), ${INSERT_SECONDS_NO_FSYNC} s, fsync on`,
        polaris: `${perSec(pipeRun.result.perSecond)} (${pipeRun.result.total.toLocaleString("en-US")} inserts; ${pipeRun.commitsPerSync.toFixed(1)} commits per durable log write; CPU per insert: backend ${usPer(pipeRun.serverMicros)}, client ${usPer(pipeRun.clientMicros)})`,
        reference: `append+fdatasync: 1 per fsync ${perSec(ref1.perSecond)}`,
        target: "(informative)",
        met: "",
      });

      Object.assign(measured, await importRow(on, token, onDir, root));

      progress(`2d. sustained inserts, ${INSERT_CLIENTS_MANY} clients, ${INSERT_SECONDS_NO_FSYNC} s (fsync on)`);
      const manyRun = await cpuPerInsert(on, () => sustainedInserts(on.ready.url, token, INSERT_CLIENTS_MANY, INSERT_SECONDS_NO_FSYNC));
      const many = manyRun.result;
      Object.assign(measured, { many: many.perSecond, manyPerSync: manyRun.commitsPerSync });
      const refMany = fsyncAppendLoop(root, insertRecordBytes, INSERT_CLIENTS_MANY, FSYNC_REF_MS);
      rows.push({
        measure: `Sustained inserts (createFile), ${INSERT_CLIENTS_MANY} clients, ${INSERT_SECONDS_NO_FSYNC} s, fsync on`,
        polaris: `${perSec(many.perSecond)} (${many.total.toLocaleString("en-US")} inserts; each ${ms(many.p50)} p50, ${ms(many.p99)} p99; ${manyRun.commitsPerSync.toFixed(1)} commits per durable log write; CPU per insert: backend ${usPer(manyRun.serverMicros)}, clients ${usPer(manyRun.clientMicros)})`,
        reference: `append+fdatasync: ${INSERT_CLIENTS_MANY} per fsync ${perSec(refMany.perSecond)}`,
        target: "(informative)",
        met: "",
      });

      if (!INSERTS_ONLY) {
        progress(`3. fan-out to ${FAN_SUBSCRIBERS} subscribers (fsync on)`);
        const fan = await fanOut(on.ready.url, token, FAN_SUBSCRIBERS, FAN_WRITES);
        const bc = await broadcast(on.ready.refUrl, FAN_SUBSCRIBERS, FAN_WRITES, fan.transitionBytes);
        rows.push({
          short: `fan-out to ${FAN_SUBSCRIBERS} clients`,
          measure: `Fan-out: one write seen by ${FAN_SUBSCRIBERS} subscribed clients, send → last onUpdate, ${FAN_WRITES} writes, fsync on: p50 / p99`,
          polaris: `${ms(percentile(fan.samples, 0.5))} / ${ms(percentile(fan.samples, 0.99))}`,
          reference: `ws broadcast ${ms(percentile(bc, 0.5))} / ${ms(percentile(bc, 0.99))}`,
          target: "p99 ≤ 50 ms",
          met: verdict(percentile(fan.samples, 0.99) <= 50),
        });
      }
    } finally {
      await on.stop();
    }

    // Durability OFF (`durable: false`): the same paths without the fsync, to show what the rest costs.
    const off = await spawnChild<ServerReady>("./server.ts", { dataDir: path.join(root, "volatile"), durable: false } satisfies ServerArgs);
    try {
      const token = await signIn(off.ready.url, USER);
      progress("1b/2b. round trip and inserts with fsync off");
      if (!INSERTS_ONLY) {
        const rt = await mutationRoundTrip(off.ready.url, token, N_ROUND_TRIPS);
        const echo = await echoRoundTrip(off.ready.refUrl, N_ROUND_TRIPS, 160);
        rows.push({
          measure: `Mutation round trip, fsync off: p50 / p99`,
          polaris: `${ms(percentile(rt, 0.5))} / ${ms(percentile(rt, 0.99))}`,
          reference: `ws echo ${ms(percentile(echo, 0.5))} / ${ms(percentile(echo, 0.99))}`,
          target: "(informative)",
          met: "",
        });
      }
      const insRun = await cpuPerInsert(off, () => sustainedInserts(off.ready.url, token, INSERT_CLIENTS, INSERT_SECONDS_NO_FSYNC));
      const ins = insRun.result;
      measured.insertsOff = ins.perSecond;
      rows.push({
        measure: `Sustained inserts, ${INSERT_CLIENTS} clients, ${INSERT_SECONDS_NO_FSYNC} s, fsync off`,
        polaris: `${perSec(ins.perSecond)} (each ${ms(ins.p50)} p50, ${ms(ins.p99)} p99; CPU per insert: backend ${usPer(insRun.serverMicros)}, clients ${usPer(insRun.clientMicros)})`,
        reference: "",
        target: "(informative)",
        met: "",
      });
    } finally {
      await off.stop();
    }

    if (!INSERTS_ONLY) await startRows(root);
  } finally {
    clearInterval(loadSampler);
    killChildren();
    await rm(root, { recursive: true, force: true });
  }
  loads.push(loadavg()[0]);

  const cpu = cpus();
  const date = new Date().toISOString().slice(0, 10);
  const section = `Run on ${date} by \`npx tsx bench/backend/run.ts\` (also part of \`npm run bench\`) in ${((now() - started) / 1000).toFixed(0)} s,
on this machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown CPU"}), Node ${process.version}, loopback only; 1-minute load
average ${loadAtStart.toFixed(1)} at the start, ${loads[loads.length - 1].toFixed(1)} at the end, ${Math.max(...loads).toFixed(1)} at most (sampled every 2 s): other work
was running on the machine throughout, and it shows in the tails and in the CPU-bound rates.
The backend (engine and server, running the project's convex/ unmodified, fsync on every commit unless stated)
runs in its own Node process; the stock clients (\`ConvexClient\` from convex/browser over \`ws\`, one WebSocket
each, and \`ConvexHttpClient\`) run in the benchmark process. A round trip ends when the stock client's mutation
promise resolves, which it does only after applying the Transition that reflects the write, so the same
client's subscribed query already shows it (the benchmark checks that it does). Start-to-ready runs in a fresh
Node process each time (median of ${START_RUNS}): \`startBackend()\` on a data dir holding ${SEED.projects} projects of
${SEED.filesPerProject.toLocaleString("en-US")} small files each, until the listing of one project (\`files.listing\` and its buckets) answers (sign-in included).
The data dir is filled through the engine in mutations of ${(SEED.projectsPerMutation * (2 * SEED.filesPerProject + 3)).toLocaleString("en-US")} documents (files and their listing).

${table()}

${targetsSummary()}

${notes.map((n) => `- ${n}`).join("\n")}

${REFERENCES}

${findings(measured)}`;

  console.log("\n" + table() + "\n");
  for (const n of notes) console.log(`- ${n}`);
  console.log(targetsSummary());
  if (QUICK || INSERTS_ONLY) return progress(`${QUICK ? "quick" : "inserts-only"} run: docs/benchmarks.md left as it was.`);
  await writeDocsSection(DOCS_FILE, section);
  progress(`wrote ${path.relative(process.cwd(), DOCS_FILE)}`);
}

const watchdog = setTimeout(() => {
  progress(`the suite ran over ${SUITE_LIMIT_MS / 1000} s: stopping.`);
  killChildren();
  process.exit(1);
}, SUITE_LIMIT_MS);

(START_ONLY ? startOnly() : IMPORT_ONLY ? importOnly() : main())
  .then(() => {
    clearTimeout(watchdog);
    // Stock clients may leave reconnect timers behind; the run is over.
    process.exit(0);
  })
  .catch((error: unknown) => {
    console.error(error);
    killChildren();
    process.exit(1);
  });
