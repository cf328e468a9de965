/// <reference types="node" />
// Offline replay benchmark, against Polaris as deployed (`cli.ts start`: the backend serving the production build
// of the app on its own origin, as the offline e2e project runs it).
// - 100 writes (creates, renames, content edits) made through the UI while the browser is offline, then the time
//   from going back online until the outbox has them all confirmed. Reference in the same run: the same 100
//   mutations sent by a stock ConvexClient from Node, one at a time and all at once (the protocol floor).
// - 5,000 pending writes (a day offline), put into the outbox's IndexedDB store while offline, then replayed: the
//   longest gap between animation frames and the longest task while they replay (the page must not freeze).
// Each is run BENCH_RUNS times (default 3). Prints a table and rewrites the "Offline replay" section of
// docs/benchmarks.md (not with BENCH_PROFILE=<dir>, which writes a CPU profile, a trace of the page's tasks
// (trace.json: which stretches of the profile ran as one task) and a WebSocket frame timeline of the
// first 100-write replay there instead; BENCH_PROFILE_LARGE=<dir> the same of the 5,000-write replay alone;
// BENCH_TRACE_ONLY=1 leaves the CPU profile out of either (its sampling made the tasks about twice as long), and
// bench/offline/trace-tasks.mjs <dir> sums the trace's main-thread CPU time by kind of task;
// BENCH_LARGE_ONLY=1 runs and prints only the 5,000-write replay, without profiling or writing the docs;
// BENCH_SMALL_ONLY=1 the same of the 100-write replay and its stock-client references;
// BENCH_BACKEND_PROFILE=<dir> has the backend write its CPU profile there).
// Not a test: nothing fails on slowness; the targets are shown next to the
// figures.
import { spawn, type ChildProcess } from "node:child_process";
import { machine } from "../machine.js";
import { median } from "../stats.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { chromium, type Page } from "playwright-core";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { updateSection } from "../docs.mjs";
import { freePort, waitForHttp } from "../serve.js";
import { listed } from "../../tests/listing";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");

export const CREATES = 40;
export const RENAMES = 30;
export const EDITS = 30;
/** Of the renames and edits, how many target files created in the same offline session (sent with real ids). */
const ON_NEW = 10;
const SEEDED = 20;
/** The 100 writes confirm within this factor of the stock client's time for the same writes (pipelined). */
const TARGET_RATIO = 3;
/** While 5,000 writes replay, no gap between animation frames may exceed this. */
const TARGET_GAP_MS = 100;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LARGE = { creates: 2500, renames: 1000, edits: 1500 };
/** How long the large replay may run before it is reported as unfinished (with what is still pending). */
const LARGE_LIMIT_MS = Number(process.env.BENCH_LARGE_LIMIT_S ?? 300) * 1000;
const seedText = (i: number) => `export const v${i} = ${i};\n`;


const bin = (name: string) => join(repo, "node_modules", ".bin", name);

/** The names and order of the 100 writes, shared by the browser run and the Node reference. */
export function plan() {
  const ops: ({ kind: "create"; name: string } | { kind: "rename"; target: string; name: string } | { kind: "edit"; target: string; text: string })[] = [];
  for (let i = 0; i < CREATES; i++) ops.push({ kind: "create", name: `new${i}.ts` });
  for (let i = 0; i < RENAMES; i++) {
    const target = i < ON_NEW ? `new${i}.ts` : `seed${i - ON_NEW}.ts`;
    ops.push({ kind: "rename", target, name: target.replace(".ts", "-r.ts") });
  }
  for (let i = 0; i < EDITS; i++) {
    // Edits follow the renames: a file renamed above is edited under its new name.
    const base = i < ON_NEW ? `new${ON_NEW + i}.ts` : `seed${i - ON_NEW}.ts`;
    const renamed = ops.some((o) => o.kind === "rename" && o.target === base);
    ops.push({ kind: "edit", target: renamed ? base.replace(".ts", "-r.ts") : base, text: `// edit ${i}\n` });
  }
  return ops;
}

// ---- the browser run ----

const Tree = {
  item: (page: Page, name: string) => page.getByRole("tree", { name: "Files" }).getByRole("treeitem", { name, exact: true }),
};
const syncStatus = (page: Page) => page.getByRole("button", { name: /^(Online|Offline|Syncing|Sync paused|Sync error)/ });

async function waitText(page: Page, locator: ReturnType<Page["getByRole"]>, pattern: RegExp, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const text = (await locator.textContent().catch(() => "")) ?? "";
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${pattern} (last: "${text}")`);
    await page.waitForTimeout(20);
  }
}

async function queueOffline(page: Page, ops: ReturnType<typeof plan>) {
  const saveStatus = page.getByRole("status", { name: "Save status" });
  for (const op of ops) {
    if (op.kind === "create") {
      const input = page.getByRole("textbox", { name: "New file name", exact: true });
      // The tree moves focus to the row it just created and opens it; a click landing meanwhile can lose the
      // inline name box to that focus move, so it is clicked again until the box is there.
      for (let attempt = 0; ; attempt++) {
        await page.getByRole("button", { name: "New File" }).click();
        const shown = await input.waitFor({ timeout: 2000 }).then(
          () => true,
          () => false,
        );
        if (shown) break;
        if (attempt === 5) throw new Error("The New File box did not open.");
      }
      await input.fill(op.name);
      await input.press("Enter");
      await Tree.item(page, op.name).waitFor();
      await page.getByRole("tab", { name: new RegExp(`^${op.name.replace(/\./g, "\\.")}`) }).waitFor();
    } else if (op.kind === "rename") {
      await Tree.item(page, op.target).focus();
      await page.keyboard.press("F2");
      const input = page.getByRole("textbox", { name: "Rename", exact: true });
      await input.fill(op.name);
      await input.press("Enter");
      await Tree.item(page, op.name).waitFor();
    } else {
      const tab = page.getByRole("tab", { name: new RegExp(`^${op.target.replace(/\./g, "\\.")}`), selected: true });
      // Under load a double click can land while the tree is still moving focus; it is repeated until the tab shows.
      for (let attempt = 0; ; attempt++) {
        await Tree.item(page, op.target).dblclick();
        const shown = await tab.waitFor({ timeout: 5000 }).then(
          () => true,
          () => false,
        );
        if (shown) break;
        if (attempt === 3) throw new Error(`The tab of ${op.target} did not open.`);
      }
      const editor = page.locator(".cm-content").first();
      await editor.click();
      await page.keyboard.press("ControlOrMeta+End");
      await page.keyboard.type(op.text, { delay: 0 });
      await waitText(page, saveStatus, /Saved offline/);
    }
  }
}

interface Replay {
  replayMs: number;
  /** From `online` to the first entry confirmed: reconnect, authentication, resubscription and one send. */
  firstMs: number;
  /** The longest gap between two animation frames while replaying (and the frame before the first). */
  maxGapMs: number;
  /** The longest task the page ran while replaying (Long Tasks API: only tasks over 50 ms are reported). */
  longestTaskMs: number;
}

interface BrowserResult extends Replay {
  queued: number;
  queueSeconds: number;
}

/**
 * Installed in the page while offline. Timed in the page: from the browser's `online` event (what the Convex
 * client and the outbox react to) to the sync status showing Online, which it does once the outbox is empty and
 * connected; meanwhile every animation frame's timestamp and every long task are recorded.
 * A string, not a function: tsx's transform would wrap named helpers in a `__name` call the page lacks.
 */
function monitorScript(total: number): string {
  return `(() => {
    const state = (window.__replay = { maxGap: 0, longestTask: 0 });
    new PerformanceObserver((list) => {
      if (state.online === undefined || state.done !== undefined) return;
      for (const task of list.getEntries()) state.longestTask = Math.max(state.longestTask, task.duration);
    }).observe({ type: "longtask" });
    // Frames until the first one after the replay ended (so a freeze up to the end counts too).
    const frame = (t) => {
      if (state.online !== undefined) state.maxGap = Math.max(state.maxGap, t - Math.max(state.lastFrame ?? state.online, state.online));
      state.lastFrame = t;
      if (state.done !== undefined) state.closed = true;
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    window.addEventListener("online", () => (state.online = performance.now()), { once: true });
    new MutationObserver(() => {
      if (state.online === undefined || state.done !== undefined) return;
      const button = [...document.querySelectorAll("button")].find((b) => /^(Online|Offline|Syncing)/.test(b.textContent ?? ""));
      const text = button?.textContent ?? "";
      const pending = /(\\d+) changes?\\b/.exec(text);
      if (state.first === undefined && pending && Number(pending[1]) < ${total}) state.first = performance.now();
      if (/^Online/.test(text)) state.done = performance.now();
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  })()`;
}

async function readMonitor(page: Page, timeout: number, allowUnfinished = false): Promise<Replay & { finished: boolean }> {
  const finished = await page
    .waitForFunction(() => (window as unknown as { __replay: { closed?: boolean } }).__replay.closed === true, null, {
      timeout,
      polling: 100,
    })
    .then(
      () => true,
      (error: unknown) => {
        if (allowUnfinished) return false;
        throw error;
      },
    );
  const state = await page.evaluate(
    () =>
      (window as unknown as { __replay: { online: number; first?: number; done: number; maxGap: number; longestTask: number } })
        .__replay,
  );
  // Unfinished: the frame gap still open counts too.
  if (!finished) state.maxGap = Math.max(state.maxGap, await page.evaluate(() => performance.now() - ((window as unknown as { __replay: { lastFrame?: number; online: number } }).__replay.lastFrame ?? (window as unknown as { __replay: { online: number } }).__replay.online)));
  const end = finished ? state.done : await page.evaluate(() => performance.now());
  return {
    finished,
    replayMs: end - state.online,
    firstMs: (state.first ?? end) - state.online,
    maxGapMs: state.maxGap,
    longestTaskMs: state.longestTask,
  };
}

const launch = () =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });

/** A new user signed in through the local sign-in, with a new project holding SEEDED files (created from Node). */
async function newUserAndProject(page: Page, siteUrl: string, backendUrl: string, projectName: string) {
  page.on("pageerror", (e) => console.error("page error:", e.message));
  page.on("console", (message) => {
    // The Convex client's failed reconnects while offline are expected.
    if (message.type() === "error" && !/ERR_INTERNET_DISCONNECTED/.test(message.text())) {
      console.error("page console:", message.text().slice(0, 2000));
    }
  });
  await page.goto(siteUrl);
  const name = page.getByRole("textbox", { name: "Your name" });
  await name.fill(`bench-${Date.now().toString(36)}`);
  await name.press("Enter");
  await page.getByRole("textbox", { name: "New project name" }).fill(projectName);
  await page.getByRole("textbox", { name: "New project name" }).press("Enter");
  const session = await page.evaluate(() => localStorage.getItem("polaris.localSession"));
  const token = (JSON.parse(session ?? "{}") as { token?: string }).token;
  if (!token) throw new Error("No local session after signing in.");
  const http = new ConvexHttpClient(backendUrl);
  http.setAuth(token);
  let projectId: Id<"projects"> | undefined;
  for (let i = 0; i < 100 && !projectId; i++) {
    projectId = (await http.query(api.projects.list, {})).find((p) => p.name === projectName)?._id;
    if (!projectId) await new Promise((r) => setTimeout(r, 100));
  }
  if (!projectId) throw new Error("The project was not created.");
  const seeded: Id<"files">[] = [];
  for (let i = 0; i < SEEDED; i++) {
    seeded.push(await http.mutation(api.files.createFile, { projectId, name: `seed${i}.ts`, content: seedText(i) }));
  }
  // Creating a project opens it (e2e/drivers createProject); the seeded files arrive through its live listing.
  await page.waitForURL(/\/p\/[^/]+$/);
  await Tree.item(page, `seed${SEEDED - 1}.ts`).waitFor();
  return { token, http, projectId, seeded };
}

async function browserRun(siteUrl: string, backendUrl: string): Promise<BrowserResult & { token: string }> {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 3000 } });
    const page = await context.newPage();
    const { token, http, projectId } = await newUserAndProject(page, siteUrl, backendUrl, "Replay");
    // Open the seeded files once online, so their text is cached for editing offline (as a person would have).
    for (let i = 0; i < SEEDED; i++) {
      await Tree.item(page, `seed${i}.ts`).click();
      await page.locator(".cm-content").first().waitFor();
      await waitText(page, page.getByRole("status", { name: "Save status" }), /^Saved$/);
    }
    await waitText(page, syncStatus(page), /^Online/);

    await context.setOffline(true);
    await waitText(page, syncStatus(page), /^Offline/);
    const queueStart = Date.now();
    const ops = plan();
    await queueOffline(page, ops).catch(async (error: unknown) => {
      if (process.env.BENCH_SCREENSHOT) await page.screenshot({ path: process.env.BENCH_SCREENSHOT });
      throw error;
    });
    const queueSeconds = (Date.now() - queueStart) / 1000;
    const pendingText = await waitText(page, syncStatus(page), /pending/);
    const queued = Number(/(\d+) changes? pending/.exec(pendingText)?.[1] ?? NaN);

    await page.evaluate(monitorScript(ops.length));
    const profile = process.env.BENCH_PROFILE ? await startProfile(page) : undefined;
    await context.setOffline(false);
    const replay = await readMonitor(page, 120_000);
    if (profile) await profile.stop(process.env.BENCH_PROFILE!);
    await verify(http, projectId, ops);
    return { queued, ...replay, queueSeconds, token };
  } finally {
    await browser.close();
  }
}

/**
 * The 5,000 pending writes of a day offline, as the outbox stores them (outbox.ts `enqueue`): creates, renames of
 * the created files (naming them by `$ref` to their create) and content edits of the seeded files, each chained
 * onto the previous edit of its file (`$ref` to its revision, contentWrites.ts). Returns the entries and what the
 * server must hold afterwards (name → text).
 */
function largePlan(projectId: string, seeded: string[]) {
  const entries: { opId: string; path: string; args: Record<string, unknown>; baseContent?: string }[] = [];
  const expected = new Map<string, string>();
  const createOps: string[] = [];
  for (let i = 0; i < SEEDED; i++) expected.set(`seed${i}.ts`, seedText(i));
  for (let i = 0; i < LARGE.creates; i++) {
    const opId = crypto.randomUUID();
    createOps.push(opId);
    entries.push({ opId, path: "files:createFile", args: { projectId, name: `bulk${i}.ts`, content: `// ${i}\n` } });
    expected.set(`bulk${i}.ts`, `// ${i}\n`);
  }
  for (let i = 0; i < LARGE.renames; i++) {
    entries.push({ opId: crypto.randomUUID(), path: "files:rename", args: { fileId: { $ref: createOps[i] }, name: `bulk${i}-r.ts` } });
    expected.set(`bulk${i}-r.ts`, expected.get(`bulk${i}.ts`)!);
    expected.delete(`bulk${i}.ts`);
  }
  const last = new Map<number, { opId: string; text: string }>();
  for (let i = 0; i < LARGE.edits; i++) {
    const file = i % SEEDED;
    const previous = last.get(file);
    const base = previous?.text ?? seedText(file);
    const text = `${base}// edit ${i}\n`;
    const opId = crypto.randomUUID();
    entries.push({
      opId,
      path: "files:updateContent",
      args: { fileId: seeded[file], content: text, baseRevision: previous ? { $ref: previous.opId, field: "revision" } : 1 },
      baseContent: base,
    });
    last.set(file, { opId, text });
    expected.set(`seed${file}.ts`, text);
  }
  return { entries, expected };
}

/** Puts entries into the outbox's IndexedDB store (one transaction) and tells the app's outbox, as another tab would. */
function injectScript(entries: ReturnType<typeof largePlan>["entries"]): string {
  return `(async () => {
    const entries = ${JSON.stringify(entries)};
    const name = (await indexedDB.databases()).map((d) => d.name).find((n) => n && n.startsWith("polaris-sync:"));
    if (!name) throw new Error("The outbox's database is not there.");
    const userKey = name.slice("polaris-sync:".length);
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open(name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const tx = db.transaction("outbox", "readwrite");
    const createdAt = Date.now();
    for (const entry of entries) tx.objectStore("outbox").add({ ...entry, createdAt, userKey });
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
    const channel = new BroadcastChannel("polaris-outbox-" + userKey);
    channel.postMessage({ type: "outbox" });
    channel.close();
  })()`;
}

async function largeRun(
  siteUrl: string,
  backendUrl: string,
): Promise<Replay & { queued: number; finished: boolean; left: number; receivedBytes: number; transitions: number }> {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const { http, projectId, seeded } = await newUserAndProject(page, siteUrl, backendUrl, "Day offline");
    await Tree.item(page, "seed0.ts").click();
    await page.locator(".cm-content").first().waitFor();
    await waitText(page, syncStatus(page), /^Online/);
    await context.setOffline(true);
    await waitText(page, syncStatus(page), /^Offline/);
    const { entries, expected } = largePlan(projectId, seeded);
    await page.evaluate(injectScript(entries));
    const pendingText = await waitText(page, syncStatus(page), new RegExp(`${entries.length} changes pending`), 120_000);
    const queued = Number(/(\d+) changes? pending/.exec(pendingText)?.[1] ?? NaN);
    await page.evaluate(monitorScript(entries.length));
    const profile = process.env.BENCH_PROFILE_LARGE ? await startProfile(page) : undefined;
    const received = await countReceived(page);
    await context.setOffline(false);
    const replay = await readMonitor(page, LARGE_LIMIT_MS, true);
    const counts = { receivedBytes: received.bytes, transitions: received.transitions };
    if (profile) await profile.stop(process.env.BENCH_PROFILE_LARGE!);
    if (!replay.finished) {
      const text = (await syncStatus(page).textContent()) ?? "";
      return { queued, ...replay, ...counts, left: Number(/(\d+) changes?/.exec(text)?.[1] ?? NaN) };
    }
    const tree = await listed(http, projectId);
    const names = tree.map((f) => f.name).sort();
    if (JSON.stringify(names) !== JSON.stringify([...expected.keys()].sort())) {
      throw new Error(`After the 5,000 writes the server holds ${names.length} files, not the ${expected.size} expected.`);
    }
    for (let i = 0; i < SEEDED; i++) {
      const content = (await http.query(api.files.get, { fileId: seeded[i] })).content;
      if (content !== expected.get(`seed${i}.ts`)) throw new Error(`seed${i}.ts: the server holds ${JSON.stringify(content)}.`);
    }
    return { queued, ...replay, ...counts, left: 0 };
  } finally {
    await browser.close();
  }
}

/**
 * Counts what the page receives on its WebSocket (payload characters, Transitions) from now on: the work the
 * server sends the client, which does not depend on the machine's load as the timings do.
 */
async function countReceived(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  const counts = { bytes: 0, transitions: 0 };
  cdp.on("Network.webSocketFrameReceived", (event: { response: { payloadData: string } }) => {
    counts.bytes += event.response.payloadData.length;
    if (/"type":"Transition"/.test(event.response.payloadData.slice(0, 64))) counts.transitions++;
  });
  await cdp.send("Network.enable");
  return counts;
}

/**
 * With BENCH_PROFILE=<dir>: a CPU profile of the page over the replay (open it in Chrome's Performance panel) and a
 * timeline of the WebSocket frames (when each Mutation left, when its MutationResponse and the Transition reaching
 * it arrived), summarized on the console, so the time per entry can be split into client work and waiting.
 */
async function startProfile(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  const frames: { t: number; dir: "out" | "in"; type: string; requestId?: number; size: number }[] = [];
  const onFrame = (dir: "out" | "in") => (event: { timestamp: number; response: { payloadData: string } }) => {
    const data = event.response.payloadData;
    const type = /"type":"(\w+)"/.exec(data)?.[1] ?? "?";
    const requestId = /"requestId":(\d+)/.exec(data)?.[1];
    frames.push({ t: event.timestamp * 1000, dir, type, requestId: requestId ? Number(requestId) : undefined, size: data.length });
  };
  cdp.on("Network.webSocketFrameSent", onFrame("out"));
  cdp.on("Network.webSocketFrameReceived", onFrame("in"));
  await cdp.send("Network.enable");
  // BENCH_TRACE_ONLY=1: the trace without the CPU profile, whose sampling slows the page (tasks about twice as long).
  const sampling = !process.env.BENCH_TRACE_ONLY;
  if (sampling) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
  }
  // A trace beside the profile: its tasks (RunTask) say which stretches of the profile ran as one task, unbroken.
  const { mkdir, writeFile } = await import("node:fs/promises");
  const traceDir = process.env.BENCH_PROFILE_LARGE ?? process.env.BENCH_PROFILE!;
  await mkdir(traceDir, { recursive: true });
  const browser = page.context().browser()!;
  await browser.startTracing(page, { path: join(traceDir, "trace.json"), categories: ["toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline"] });
  return {
    async stop(dir: string) {
      const profile = sampling ? (await cdp.send("Profiler.stop")).profile : undefined;
      await browser.stopTracing();
      await mkdir(dir, { recursive: true });
      if (profile) await writeFile(join(dir, "replay.cpuprofile"), JSON.stringify(profile));
      await writeFile(join(dir, "frames.json"), JSON.stringify(frames, null, 1));
      const t0 = frames[0]?.t ?? 0;
      const sent = new Map<number, number>();
      const answered = new Map<number, number>();
      for (const f of frames) {
        if (f.type === "Mutation" && f.requestId !== undefined) sent.set(f.requestId, f.t);
        if (f.type === "MutationResponse" && f.requestId !== undefined) answered.set(f.requestId, f.t);
      }
      const transitions = frames.filter((f) => f.type === "Transition");
      let rtt = 0;
      let toTransition = 0;
      let gap = 0;
      let last: number | undefined;
      for (const [id, t] of sent) {
        const answer = answered.get(id);
        if (answer !== undefined) {
          rtt += answer - t;
          const next = transitions.find((f) => f.t >= answer);
          if (next) toTransition += next.t - answer;
        }
        if (last !== undefined) gap += t - last;
        last = answered.get(id) ?? t;
      }
      const n = Math.max(1, sent.size);
      console.log(
        `profile: ${sent.size} mutations, ${transitions.length} transitions (${transitions.reduce((a, f) => a + f.size, 0)} bytes) over ${(frames.at(-1)!.t - t0).toFixed(0)} ms; ` +
          `mean send→response ${(rtt / n).toFixed(1)} ms, response→next transition ${(toTransition / n).toFixed(1)} ms, ` +
          `previous response→next send ${(gap / n).toFixed(1)} ms`,
      );
    },
  };
}

/** The server holds exactly the result of the 100 writes: names, and every edited file's text. */
async function verify(http: ConvexHttpClient, projectId: Id<"projects">, ops: ReturnType<typeof plan>) {
  const names = new Map<string, string>();
  for (let i = 0; i < SEEDED; i++) names.set(`seed${i}.ts`, seedText(i));
  for (const op of ops) {
    if (op.kind === "create") names.set(op.name, "");
    else if (op.kind === "rename") {
      names.set(op.name, names.get(op.target)!);
      names.delete(op.target);
    } else names.set(op.target, names.get(op.target)! + op.text);
  }
  const tree = await listed(http, projectId);
  const actual = tree.map((f) => f.name).sort();
  const expected = [...names.keys()].sort();
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`The server's files differ from the writes made: expected ${expected.length}, got ${actual.length}.`);
  }
  for (const file of tree) {
    const content = (await http.query(api.files.get, { fileId: file._id })).content;
    if (content !== names.get(file.name)) throw new Error(`${file.name}: the server holds ${JSON.stringify(content)}.`);
  }
}

// ---- the reference: a ConvexClient in Node ----

/**
 * The client's own notices, summarized: against the local backend every transition is logged as "took more than
 * 20s to arrive", because the client derives transit time from the server timestamps and its clock skew estimate.
 */
const slowTransitionNotices = { count: 0 };
const clientLogger = {
  log: (...args: unknown[]) => {
    if (/took more than 20s to arrive/.test(String(args[0]))) slowTransitionNotices.count++;
    else console.log(...args);
  },
  warn: (...args: unknown[]) => console.warn(...args),
  error: (...args: unknown[]) => console.error(...args),
  logVerbose: () => {},
};

async function referenceRun(backendUrl: string, token: string, pipelined: boolean): Promise<number> {
  const http = new ConvexHttpClient(backendUrl);
  http.setAuth(token);
  const projectId = await http.mutation(api.projects.create, { name: `Reference ${pipelined ? "pipelined" : "sequential"}` });
  // By current name: the id (a promise, so a write on a new file can wait for its create only) and the text.
  const ids = new Map<string, Promise<Id<"files">>>();
  const texts = new Map<string, string>();
  for (let i = 0; i < SEEDED; i++) {
    const text = seedText(i);
    ids.set(`seed${i}.ts`, Promise.resolve(await http.mutation(api.files.createFile, { projectId, name: `seed${i}.ts`, content: text })));
    texts.set(`seed${i}.ts`, text);
  }
  const client = new ConvexClient(backendUrl, {
    webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
    logger: clientLogger,
  });
  try {
    client.setAuth(() => Promise.resolve(token));
    // Warm: the connection is open and authenticated before the clock starts.
    await client.query(api.projects.list, {});
    const ops = plan();
    const start = performance.now();
    const sent: Promise<unknown>[] = [];
    for (const op of ops) {
      const clientOpId = crypto.randomUUID();
      let write: Promise<unknown>;
      if (op.kind === "create") {
        const created = client.mutation(api.files.createFile, { projectId, name: op.name, content: "", clientOpId });
        ids.set(op.name, created);
        texts.set(op.name, "");
        write = created;
      } else if (op.kind === "rename") {
        const id = ids.get(op.target)!;
        ids.delete(op.target);
        ids.set(op.name, id);
        texts.set(op.name, texts.get(op.target)!);
        texts.delete(op.target);
        write = id.then((fileId) => client.mutation(api.files.rename, { fileId, name: op.name, clientOpId }));
      } else {
        const content = texts.get(op.target)! + op.text;
        texts.set(op.target, content);
        // Every file is edited once, on top of the revision it was created with (renames keep the revision).
        write = ids.get(op.target)!.then((fileId) =>
          client.mutation(api.files.updateContent, { fileId, content, baseRevision: 1, clientOpId }),
        );
      }
      if (pipelined) sent.push(write);
      else await write;
    }
    await Promise.all(sent);
    const elapsed = performance.now() - start;
    await verify(http, projectId, ops);
    return elapsed;
  } finally {
    await client.close();
  }
}

const spread = (values: number[], digits = 0) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), "polaris-bench-offline-"));
  const port = await freePort();
  const backendUrl = `http://127.0.0.1:${port}`;
  const children: ChildProcess[] = [];
  try {
    // Polaris as deployed: the backend builds the app when its sources changed (into .polaris/site) and serves it.
    console.log("Starting the backend with the production build of the app …");
    // BENCH_BACKEND_PROFILE=<dir>: the backend writes a CPU profile (--cpu-prof) there when it stops.
    const profileDir = process.env.BENCH_BACKEND_PROFILE;
    const cli = ["local-backend/src/cli.ts", "start", "--port", String(port), "--data-dir", join(dataDir, "data")];
    const backend = spawn(profileDir ? process.execPath : bin("tsx"), profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--import", "tsx", ...cli] : cli, {
      cwd: repo,
      env: process.env,
      stdio: ["ignore", "ignore", "inherit"],
    });
    children.push(backend);
    await waitForHttp(`${backendUrl}/`, backend, 300_000);
    const siteUrl = backendUrl;

    const small: (BrowserResult & { sequentialMs: number; pipelinedMs: number })[] = [];
    const large: Awaited<ReturnType<typeof largeRun>>[] = [];
    for (let run = 1; run <= RUNS; run++) {
      if (process.env.BENCH_PROFILE_LARGE || process.env.BENCH_LARGE_ONLY) {
        const big = await largeRun(siteUrl, backendUrl);
        console.log(
          `  ${big.finished ? "replay" : `unfinished: ${big.left} of ${big.queued} still pending after`} ${(big.replayMs / 1000).toFixed(1)} s, longest frame gap ${big.maxGapMs.toFixed(0)} ms, longest task ${big.longestTaskMs.toFixed(0)} ms, received ${(big.receivedBytes / 1e6).toFixed(1)} MB in ${big.transitions} Transitions`,
        );
        if (process.env.BENCH_PROFILE_LARGE || run === RUNS) return;
        continue;
      }
      console.log(`Run ${run}/${RUNS}: queueing 100 writes offline in Chromium …`);
      const browser = await browserRun(siteUrl, backendUrl);
      const sequentialMs = await referenceRun(backendUrl, browser.token, false);
      const pipelinedMs = await referenceRun(backendUrl, browser.token, true);
      small.push({ ...browser, sequentialMs, pipelinedMs });
      console.log(
        `  replay ${browser.replayMs.toFixed(0)} ms (first ${browser.firstMs.toFixed(0)} ms, longest frame gap ${browser.maxGapMs.toFixed(0)} ms); ` +
          `stock client ${sequentialMs.toFixed(0)} ms one at a time, ${pipelinedMs.toFixed(0)} ms all at once`,
      );
      if (process.env.BENCH_PROFILE || (process.env.BENCH_SMALL_ONLY && run === RUNS)) return;
      if (process.env.BENCH_SMALL_ONLY) continue;
      console.log(`Run ${run}/${RUNS}: replaying ${(LARGE.creates + LARGE.renames + LARGE.edits).toLocaleString("en")} pending writes …`);
      const big = await largeRun(siteUrl, backendUrl);
      large.push(big);
      console.log(
        `  ${big.finished ? "replay" : `unfinished: ${big.left} of ${big.queued} still pending after`} ${(big.replayMs / 1000).toFixed(1)} s, longest frame gap ${big.maxGapMs.toFixed(0)} ms, longest task ${big.longestTaskMs.toFixed(0)} ms, received ${(big.receivedBytes / 1e6).toFixed(1)} MB in ${big.transitions} Transitions`,
      );
    }

    const ratios = small.map((r) => r.replayMs / r.pipelinedMs);
    const ms = (values: number[]) => `${spread(values)} ms`;
    const table = [
      `| 100 writes (40 creates, 30 renames, 30 content edits), ${RUNS} runs: median (min–max) | Time | Target |`,
      "| --- | ---: | --- |",
      `| App: going online → outbox empty (all confirmed) | ${ms(small.map((r) => r.replayMs))} | ≤ ${TARGET_RATIO}× the stock client (all at once) |`,
      `| … of which: going online → first entry confirmed (reconnect, auth, resubscribe, first send) | ${ms(small.map((r) => r.firstMs))} |  |`,
      `| … longest gap between animation frames during the replay | ${ms(small.map((r) => r.maxGapMs))} |  |`,
      `| Reference: stock ConvexClient (Node), one at a time, awaiting each | ${ms(small.map((r) => r.sequentialMs))} |  |`,
      `| Reference: stock ConvexClient (Node), all sent at once (protocol floor) | ${ms(small.map((r) => r.pipelinedMs))} |  |`,
      `| App ÷ stock client all at once (per run) | ${spread(ratios, 1)}× | ≤ ${TARGET_RATIO}× |`,
      `| App ÷ stock client one at a time (per run) | ${spread(small.map((r) => r.replayMs / r.sequentialMs), 1)}× |  |`,
    ].join("\n");
    const largeTotal = (LARGE.creates + LARGE.renames + LARGE.edits).toLocaleString("en");
    const largeTable = [
      `| ${largeTotal} pending writes (${LARGE.creates} creates, ${LARGE.renames} renames, ${LARGE.edits} chained content edits), ${RUNS} runs | median (min–max) | Target |`,
      "| --- | ---: | --- |",
      large.every((r) => r.finished)
        ? `| Going online → outbox empty | ${spread(large.map((r) => r.replayMs / 1000), 1)} s |  |`
        : `| Not finished within ${LARGE_LIMIT_MS / 1000} s: writes still pending at the limit, per run | ${large.map((r) => (r.finished ? "0" : String(r.left))).join(", ")} of ${large[0]?.queued ?? "?"} |  |`,
      `| Longest gap between animation frames | ${ms(large.map((r) => r.maxGapMs))} | ≤ ${TARGET_GAP_MS} ms |`,
      `| Longest task (Long Tasks API) | ${ms(large.map((r) => r.longestTaskMs))} |  |`,
      `| WebSocket payload received by the page | ${spread(large.map((r) => r.receivedBytes / 1e6), 1)} MB |  |`,
      `| … in Transitions (each re-sends the listing buckets its writes changed) | ${spread(large.map((r) => r.transitions))} |  |`,
    ].join("\n");
    console.log(`\n${table}\n\n${largeTable}\n`);
    console.log(`(Queueing the 100 writes through the UI took ${spread(small.map((r) => r.queueSeconds), 1)} s; not part of the figure.)`);
    if (slowTransitionNotices.count > 0) {
      console.log(`(The Node ConvexClient logged ${slowTransitionNotices.count} "took more than 20s to arrive" notices: its transit estimate from the local backend's timestamps, not real delays.)`);
    }
    const ratioVerdict = median(ratios) <= TARGET_RATIO ? "within" : "over";
    const worstGap = Math.max(...large.map((r) => r.maxGapMs));
    const gapVerdict = large.some((r) => !r.finished)
      ? `did not finish within ${LARGE_LIMIT_MS / 1000} s in ${large.filter((r) => !r.finished).length} of ${RUNS} runs and is over`
      : worstGap <= TARGET_GAP_MS
        ? "within"
        : "over";
    await updateSection(
      "Offline replay",
      `<!-- offline:start -->
Run on ${new Date().toISOString().slice(0, 10)} by \`node --import tsx bench/offline/run.ts\` (also part of \`npm run bench\`), ${RUNS} runs:
Polaris as deployed (\`cli.ts start\`: the local backend serving the production build of the app on its own origin,
as the offline e2e project runs it) in headless Chromium, on this machine (${machine()} at the end).

**100 writes.** While the browser is offline (Playwright's \`setOffline\`), 100 writes are made through the UI:
${CREATES} files created, ${RENAMES} renames (${ON_NEW} of them of files created in the same offline session, so
their ids are resolved at send time) and ${EDITS} content edits (${ON_NEW} on new files), each waiting until the
outbox stored it. The figure is measured in the page, from the browser's \`online\` event to the sync status showing
Online (the outbox empty, every entry confirmed); the server's files and texts are then checked against the writes.
The references send the same 100 mutations with a stock \`ConvexClient\` from Node over an open, authenticated
connection with no subscriptions, in the same run: one at a time, awaiting each, and all at once (the floor of the
protocol and backend). Target: the app within ${TARGET_RATIO}× the stock client's time (all at once).

${table}

**${largeTotal} writes.** A day offline: ${LARGE.creates} creates, ${LARGE.renames} renames of the created files and
${LARGE.edits} content edits of ${SEEDED} files (each chained onto the previous edit of its file), put into the
outbox's IndexedDB store in the stored form while the browser is offline (queueing them through the UI would take
hours), then announced to the app's outbox as another tab would. The page records every animation frame and long
task from going online until the first frame after the outbox is empty. Target: no frame gap over ${TARGET_GAP_MS} ms.

${largeTable}

**The 100-write replay is ${ratioVerdict} the ${TARGET_RATIO}× target** (median ${median(ratios).toFixed(1)}×), **the
${largeTotal}-write replay ${gapVerdict} the ${TARGET_GAP_MS} ms frame-gap target** (worst ${worstGap.toFixed(0)} ms).
<!-- offline:end -->`,
    );
  } finally {
    for (const child of children) child.kill("SIGTERM");
    await rm(dataDir, { recursive: true, force: true }).catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
