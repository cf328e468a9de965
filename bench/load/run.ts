// First load benchmark (issue 18): from navigation to the first visible tree row of a project, on the production
// build served by the local backend (`npm start`), in headless Chromium, cold (a fresh profile: no HTTP cache, no
// service worker, no IndexedDB) and warm (the same profile loading the page again). The reference, measured in the
// same run against the same backend and data: bench/load/reference.tsx, a bare React page that connects with the
// stock ConvexClient, subscribes to the same listing and renders a row per entry. Target: the app's first row
// within 1.5x the reference's, cold and warm, at 1,000 files; 10,000 files are reported too.
// `npx tsx bench/load/run.ts [runs]` (default 3; also part of `npm run bench`). Prints a table and rewrites the
// "First load" section of docs/benchmarks.md. Not a test: nothing fails on slowness. For exploratory runs:
// BENCH_NO_DOCS=1 leaves docs/benchmarks.md alone, BENCH_LOAD_SIZES=1000 measures only the named sizes, and
// BENCH_LOAD_PROFILE=<dir> adds one profiled cold load of each page (its CPU profile, for DevTools, in <dir>; its
// requests printed). BENCH_LOAD_TRACE=<dir> adds one traced cold and warm load of each page (a Chromium trace, for
// DevTools' Performance panel, in <dir>) and prints, for each, what the page's main thread did until the first row:
// its CPU time (thread time: on this shared machine far steadier than the wall-clock figures, so an A/B of a change
// can be judged under load), its longest tasks, and the layouts that script forced in the middle of a task.
import { ConvexHttpClient } from "convex/browser";
import { build } from "esbuild";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { updateSection } from "../docs.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const PORT = Number(process.env.POLARIS_BENCH_PORT ?? 3760);
const REF_PORT = PORT + 1;
const BACKEND = `http://127.0.0.1:${PORT}`;
const SIZES = process.env.BENCH_LOAD_SIZES ? process.env.BENCH_LOAD_SIZES.split(",").map(Number) : [1_000, 10_000];
const TARGET = 1.5;

// Records, in every page of a context, the moment the first tree row is in the DOM (ms since navigation start).
const FIRST_ROW = `(() => {
  const seen = () => document.querySelector('[role="tree"] [role="treeitem"]');
  const observer = new MutationObserver(() => {
    if (window.__firstRow === undefined && seen()) {
      window.__firstRow = performance.now();
      performance.mark("bench:first-row");
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

// In a profiled load: when each sync message leaves and arrives (ms since navigation start), with its type.
const SOCKET_LOG = `(() => {
  const log = (window.__socketLog = []);
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      log.push([performance.now(), "open asked"]);
      this.addEventListener("open", () => log.push([performance.now(), "opened"]));
      this.addEventListener("message", (e) => log.push([performance.now(), "in " + String(e.data).length + " chars " + String(e.data).slice(0, 40)]));
    }
    send(data) {
      const text = String(data);
      log.push([performance.now(), "out " + text.slice(0, 40) + " " + [...text.matchAll(/"udfPath":"([^"]+)"/g)].map((m) => m[1]).join(" ")]);
      super.send(data);
    }
  };
})();`;

function startBackend(dataDir: string): Promise<ChildProcess> {
  const child = spawn("npx", ["tsx", "local-backend/src/cli.ts", "start", "--port", String(PORT), "--data-dir", dataDir], {
    cwd: repo,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stopping it stops npx's children (the backend itself) too.
    detached: true,
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes("Polaris is running at")) resolve(child);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => reject(new Error(`the backend exited (${code}) before it was ready:\n${output}`)));
  });
}

async function serveReference(): Promise<Server> {
  const out = join(here, "dist");
  await build({
    entryPoints: [join(here, "reference.tsx")],
    outfile: join(out, "ref.js"),
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
  });
  const files: Record<string, string> = { "/": join(here, "reference.html"), "/ref.js": join(out, "ref.js") };
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript" };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? "/", "http://x").pathname];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { "Content-Type": types[extname(file)], "Cache-Control": "max-age=3600" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(REF_PORT, "127.0.0.1", resolve));
  return server;
}

interface Session {
  name: string;
  token: string;
  expiresAt: number;
}

async function signIn(name: string): Promise<Session> {
  const response = await fetch(`${BACKEND}/polaris/auth/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  if (!response.ok) throw new Error(`sign-in failed: HTTP ${response.status}`);
  const body = (await response.json()) as Session;
  return { name: body.name ?? name, token: body.token, expiresAt: body.expiresAt };
}

/** A project of `files` text files: folders of 1,000 files each (one folder when `files` is 1,000: all at the root). */
async function seed(session: Session, files: number): Promise<Id<"projects">> {
  const client = new ConvexHttpClient(BACKEND);
  client.setAuth(session.token);
  const projectId = await client.mutation(api.projects.create, { name: `Load ${files}` });
  const batch = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => ({ name: `${prefix}${String(i).padStart(4, "0")}.ts`, content: `export const n = ${i};\n` }));
  if (files <= 1_000) {
    await client.mutation(api.files.createMany, { projectId, items: batch(files, "file-") });
  } else {
    for (let f = 0; f < files / 1_000; f++) {
      const parentId = await client.mutation(api.files.createFolder, { projectId, name: `dir-${f}` });
      await client.mutation(api.files.createMany, { projectId, parentId, items: batch(1_000, `file-${f}-`) });
    }
  }
  return projectId;
}

/** What a profiled load prints: the page's requests (start, end, bytes) until its first row, in ms since navigation. */
async function printWaterfall(page: Page, label: string, firstRowMs: number) {
  const entries = await page.evaluate(() =>
    (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).map((e) => ({
      path: new URL(e.name).pathname,
      start: e.startTime,
      end: e.responseEnd,
      bytes: e.encodedBodySize,
    })),
  );
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
    return { responseEnd: n.responseEnd, domInteractive: n.domInteractive, domContentLoaded: n.domContentLoadedEventEnd };
  });
  console.log(`\n${label}: first row at ${firstRowMs.toFixed(0)} ms; document ${nav.responseEnd.toFixed(0)} ms, interactive ${nav.domInteractive.toFixed(0)} ms, DOMContentLoaded ${nav.domContentLoaded.toFixed(0)} ms`);
  const socket = await page.evaluate(() => (window as unknown as { __socketLog?: [number, string][] }).__socketLog ?? []);
  for (const [at, what] of socket.filter(([at]) => at < firstRowMs)) console.log(`  ${at.toFixed(0).padStart(5)} ms socket: ${what}`);
  for (const e of entries.filter((e) => e.start < firstRowMs)) {
    console.log(`  ${e.start.toFixed(0).padStart(5)}–${e.end.toFixed(0).padStart(5)} ms ${String(Math.round(e.bytes / 1024)).padStart(4)} KiB ${e.path}`);
  }
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: { isLoadingMainFrame?: boolean; documentLoaderURL?: string } };
}

/** Where script runs on the main thread: a layout inside one of these was forced by a read of layout. */
const SCRIPT = new Set(["FunctionCall", "EvaluateScript", "v8.evaluateModule", "RunMicrotasks", "TimerFire", "FireAnimationFrame"]);

/**
 * What the page's main thread did from navigation start to the first row, from a Chromium trace: the CPU (thread)
 * time and wall time of its top-level tasks, the longest of them, and the layouts forced by script.
 */
function traceSummary(json: string): string {
  const events = (JSON.parse(json) as { traceEvents: TraceEvent[] }).traceEvents;
  const row = events.find((e) => e.name === "bench:first-row");
  const nav = events
    .filter((e) => e.name === "navigationStart" && e.pid === row?.pid && e.args?.data?.isLoadingMainFrame && e.args.data.documentLoaderURL?.startsWith("http"))
    .at(-1);
  const thread = events.find((e) => e.ph === "M" && e.name === "thread_name" && e.pid === row?.pid && e.args?.name === "CrRendererMain");
  if (!row || !nav || !thread) return "no first-row mark, navigation or main thread in the trace";
  const ms = (us: number) => (us / 1000).toFixed(0);
  const main = events.filter((e) => e.pid === row.pid && e.tid === thread.tid && e.ph === "X" && e.ts >= nav.ts && e.ts < row.ts);
  const tasks = main.filter((e) => e.name === "ThreadControllerImpl::RunTask");
  const cpu = tasks.reduce((sum, e) => sum + (e.tdur ?? 0), 0);
  const wall = tasks.reduce((sum, e) => sum + Math.min(e.dur ?? 0, row.ts - e.ts), 0);
  const scripts = main.filter((e) => SCRIPT.has(e.name));
  const forced = main.filter((e) => e.name === "Layout" && scripts.some((s) => s.ts <= e.ts && e.ts + (e.dur ?? 0) <= s.ts + (s.dur ?? 0)));
  const forcedMs = forced.reduce((sum, e) => sum + (e.dur ?? 0), 0);
  const longest = tasks
    .slice()
    .sort((a, b) => (b.dur ?? 0) - (a.dur ?? 0))
    .slice(0, 4)
    .sort((a, b) => a.ts - b.ts)
    .map((e) => `${ms(e.dur ?? 0)} ms (CPU ${ms(e.tdur ?? 0)}) at ${ms(e.ts - nav.ts)}`);
  return (
    `first row at ${ms(row.ts - nav.ts)} ms; main thread until then: CPU ${ms(cpu)} ms in ${tasks.length} tasks ` +
    `(wall ${ms(wall)} ms), ${forced.length} layouts forced by script (${ms(forcedMs)} ms); longest tasks: ${longest.join(", ")}`
  );
}

async function firstRow(
  context: BrowserContext,
  url: string,
  serviceWorker: boolean,
  profile?: string,
  trace?: string,
): Promise<number> {
  const page = await context.newPage();
  const browser = trace ? context.browser() : null;
  if (browser) {
    const categories = ["devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing", "v8.execute", "toplevel", "loading"];
    await browser.startTracing(page, { categories });
  }
  const cdp = profile ? await context.newCDPSession(page) : null;
  if (cdp) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    await cdp.send("Profiler.start");
  }
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(url);
  const errors: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
  await page.waitForFunction(() => (window as { __firstRow?: number }).__firstRow !== undefined, null, { timeout: 120_000 }).catch(async (error: unknown) => {
    // Say what the page showed instead of rows, and what it logged as errors, so a stall can be told apart.
    const shown = await page.evaluate(() => document.body.innerText.slice(0, 400)).catch(() => "(unreadable)");
    throw new Error(`no tree row at ${url} within 120 s; the page shows: ${JSON.stringify(shown)}; errors: ${JSON.stringify(errors)}`, { cause: error });
  });
  const ms = await page.evaluate(() => (window as unknown as { __firstRow: number }).__firstRow);
  if (browser && trace) {
    const json = (await browser.stopTracing()).toString();
    writeFileSync(trace, json);
    console.log(`${url.startsWith(BACKEND) ? "Polaris" : "Reference"} (trace in ${trace}): ${traceSummary(json)}`);
  }
  if (profile && cdp) {
    const result = await cdp.send("Profiler.stop");
    writeFileSync(profile, JSON.stringify(result.profile));
    await printWaterfall(page, `${url.startsWith(BACKEND) ? "Polaris" : "Reference"} (profile in ${profile})`, ms);
  }
  // Let the app finish installing its service worker and caching before a warm load is measured (the reference
  // has none: `ready` would never resolve).
  if (serviceWorker) await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await page.close();
  return ms;
}

/**
 * Cold then warm load of `url` in a fresh context (fresh profile) signed in as `session`; `profile` names the cold
 * load's CPU profile, `trace` a file name prefix for both loads' traces.
 */
async function coldAndWarm(
  browser: Browser,
  url: string,
  session: Session,
  profile?: string,
  trace?: string,
): Promise<{ cold: number; warm: number }> {
  const serviceWorker = url.startsWith(BACKEND);
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    storageState: {
      cookies: [],
      origins: [{ origin: BACKEND, localStorage: [{ name: "polaris.localSession", value: JSON.stringify(session) }] }],
    },
  });
  await context.addInitScript(FIRST_ROW);
  if (profile) await context.addInitScript(SOCKET_LOG);
  try {
    const cold = await firstRow(context, url, serviceWorker, profile, trace && `${trace}-cold.json`);
    const warm = await firstRow(context, url, serviceWorker, undefined, trace && `${trace}-warm.json`);
    return { cold, warm };
  } finally {
    await context.close();
  }
}

const median = (values: number[]) => {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const fmt = (values: number[]) =>
  values.length > 1
    ? `${median(values).toFixed(0)} ms (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`
    : `${values[0].toFixed(0)} ms`;

async function main() {
  const started = Date.now();
  const runs = Number(process.argv[2] ?? 3);
  const dataDir = mkdtempSync(join(tmpdir(), "polaris-bench-load-"));
  const load = [loadavg()[0]];
  const backend = await startBackend(dataDir);
  const reference = await serveReference();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const rows: string[] = [];
  try {
    const session = await signIn(`bench-load-${Date.now().toString(36)}`);
    for (const size of SIZES) {
      const projectId = await seed(session, size);
      const appUrl = `${BACKEND}/p/${projectId}`;
      const refUrl = `http://127.0.0.1:${REF_PORT}/#${new URLSearchParams({ url: BACKEND, token: session.token, project: projectId })}`;
      const app = { cold: [] as number[], warm: [] as number[] };
      const ref = { cold: [] as number[], warm: [] as number[] };
      // One unmeasured load of each first: the backend's code and caches are warm for both.
      await coldAndWarm(browser, appUrl, session);
      await coldAndWarm(browser, refUrl, session);
      for (let i = 0; i < runs; i++) {
        for (const [target, url] of [
          [app, appUrl],
          [ref, refUrl],
        ] as const) {
          const { cold, warm } = await coldAndWarm(browser, url, session);
          target.cold.push(cold);
          target.warm.push(warm);
        }
        load.push(loadavg()[0]);
        console.log(`${size} files: run ${i + 1} of ${runs} done (app cold ${app.cold.at(-1)!.toFixed(0)} ms, reference cold ${ref.cold.at(-1)!.toFixed(0)} ms)`);
      }
      // One more cold load of each, profiled (V8's CPU profile until the first row) and its requests printed:
      // where a cold load's time goes.
      const profileDir = process.env.BENCH_LOAD_PROFILE;
      if (profileDir) {
        await coldAndWarm(browser, appUrl, session, join(profileDir, `app-${size}.cpuprofile`));
        await coldAndWarm(browser, refUrl, session, join(profileDir, `reference-${size}.cpuprofile`));
      }
      // And one more cold and warm load of each, traced: where the main thread's time goes until the first row.
      const traceDir = process.env.BENCH_LOAD_TRACE;
      if (traceDir) {
        await coldAndWarm(browser, appUrl, session, undefined, join(traceDir, `app-${size}`));
        await coldAndWarm(browser, refUrl, session, undefined, join(traceDir, `reference-${size}`));
      }
      for (const kind of ["cold", "warm"] as const) {
        const ratio = median(app[kind]) / median(ref[kind]);
        const verdict = ratio <= TARGET ? "met" : "not met";
        rows.push(
          `| ${size.toLocaleString("en-US")} | ${kind} | ${fmt(app[kind])} | ${fmt(ref[kind])} | ${ratio.toFixed(2)}× | ${size === 1_000 ? `≤ ${TARGET}×: ${verdict}` : "reported"} |`,
        );
      }
    }
  } finally {
    await browser.close();
    reference.close();
    const exited = new Promise((resolve) => backend.once("exit", resolve));
    process.kill(-backend.pid!, "SIGTERM");
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
  const table = [
    "| Files | Load | Polaris: first tree row | Reference: first row | Polaris / reference | Target |",
    "| ---: | --- | ---: | ---: | ---: | --- |",
    ...rows,
  ].join("\n");
  console.log(`\nFirst load (headless Chromium; 1-minute load ${load.map((l) => l.toFixed(1)).join(", ")})\n\n${table}`);
  if (process.env.BENCH_NO_DOCS === "1") return;
  const when = new Date(started).toISOString().slice(0, 10);
  await updateSection(
    "First load",
    `Run on ${when} by \`npx tsx bench/load/run.ts ${runs}\` (also part of \`npm run bench\`), headless Chromium on this machine
(${cpus().length} cores; 1-minute load average ${load.map((l) => l.toFixed(1)).join(", ")} at the start and after each run).
A figure is the time from navigation start until the first tree row is in the DOM, for the production build
served by the local backend (\`npm start\`) opened at a project's URL by a signed-in user. *Cold*: a fresh
browser profile (no HTTP cache, service worker or IndexedDB); *warm*: the same profile loading the page again
(after the service worker is ready). The reference is a bare React page (bench/load/reference.tsx) that
connects with the stock ConvexClient, authenticates with the same token, subscribes to the same listing and
renders one row per entry: the least any page can do to show those rows. Both are measured in the same run,
alternately, against the same backend and project, ${runs} times each after one unmeasured load; a cell is the
median, with the lowest and highest in brackets. The 1,000 files are at the project's root; the 10,000 are in
10 folders of 1,000.

${table}
`,
  );
  console.log(`\nWrote the "First load" section of docs/benchmarks.md (${((Date.now() - started) / 1000).toFixed(0)} s).`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
