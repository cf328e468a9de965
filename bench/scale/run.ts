// Scale benchmark: projects of 100 / 10,000 / 100,000 files on Polaris as deployed (`cli.ts start`: the local
// backend serving the production build of the app on its own origin).
// (a) Opening the 100,000-file project in headless Chromium: time from navigation to the first rows of the tree,
//     cold (a new browser profile, nothing cached) and warm (a reload, the listing cached in IndexedDB), and until
//     the whole listing is in (the tree no longer busy). Reference in the same run: the same listing, read from the
//     backend beforehand, served as one static JSON file to a page that gives it to the same FileTree component.
// (b) Bytes a second client (the stock ConvexClient over a WebSocket whose received frames are counted) receives
//     per save, at each size, with the saved file closed and open; it subscribes to what the workspace reads.
// BENCH_SCALE_DATA=<dir> keeps the backend's data there and reuses the projects seeded by an earlier run (for
// working on the figures; a fresh directory otherwise). Runs (a) BENCH_RUNS times (default 5), and the first open after a backend start BENCH_FIRST_OPENS times (default 3). Prints a table and rewrites the "Scale" section of docs/benchmarks.md.
// Not a test: nothing fails on slowness; the targets are shown next to the figures.
// `node --import tsx bench/scale/run.ts` (or `npm run bench -- scale`).
import { spawn, type ChildProcess } from "node:child_process";
import { createServer as createHttpServer, type Server } from "node:http";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { ConvexClient } from "convex/browser";
import type { FunctionReference } from "convex/server";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import sirv from "sirv";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { ListingEntry } from "../../convex/lib/validators";
import { MAX_CREATE_MANY } from "../../convex/model/createMany";
import { updateSection } from "../docs.mjs";
import { machine } from "../machine.js";
import { median } from "../stats.js";
import { freePort, waitForHttp } from "../serve.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");
const SIZES = [100, 10_000, 100_000];
const OPENED = 100_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
/** First opens, each right after a backend start (the backend is restarted for each). */
const FIRST_OPENS = Number(process.env.BENCH_FIRST_OPENS ?? 3);
const SAVES = 10;
/** Targets of issue 11. */
const TARGET_FIRST_ROWS_MS = 2000;
const TARGET_SAVE_BYTES = 2048;

// ---- the backend and the seeded projects ----


interface Session {
  name: string;
  token: string;
  expiresAt: number;
}

async function signIn(url: string, name: string): Promise<Session> {
  const res = await fetch(`${url}/polaris/auth/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  if (!res.ok) throw new Error(`Sign-in failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { token: string; expiresAt: number };
  return { name, token: body.token, expiresAt: body.expiresAt };
}

/** Counts the bytes of every frame its sockets receive. */
class Meter {
  bytes = 0;
  socket(): typeof globalThis.WebSocket {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the socket class reports to this meter
    const meter = this;
    class CountingWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { perMessageDeflate: false });
        this.on("message", (data: Buffer) => {
          meter.bytes += data.length;
        });
      }
    }
    return CountingWebSocket as unknown as typeof globalThis.WebSocket;
  }
}

function client(url: string, token: string, meter?: Meter): ConvexClient {
  const c = new ConvexClient(url, {
    webSocketConstructor: meter ? meter.socket() : (WebSocket as unknown as typeof globalThis.WebSocket),
    unsavedChangesWarning: false,
    logger: false,
  });
  c.setAuth(() => Promise.resolve(token));
  return c;
}

const folderName = (f: number) => `pkg-${String(f).padStart(3, "0")}`;

interface Seeded {
  files: number;
  projectId: Id<"projects">;
  /** Two files of the project, for the saves. */
  fileIds: Id<"files">[];
  seconds: number;
}

/** A project of exactly `files` files and folders: files/1,000 folders at the root, each full of small files. */
async function seed(writer: ConvexClient, files: number): Promise<Seeded> {
  const started = performance.now();
  const projectId = await writer.mutation(api.projects.create, { name: `Scale ${files.toLocaleString("en")}` });
  const folders = Math.max(1, Math.round(files / 1000));
  const fileIds: Id<"files">[] = [];
  for (let f = 0; f < folders; f++) {
    const parentId = await writer.mutation(api.files.createFolder, { projectId, name: folderName(f) });
    const inFolder = Math.floor((files - folders) / folders) + (f < (files - folders) % folders ? 1 : 0);
    for (let first = 0; first < inFolder; first += MAX_CREATE_MANY) {
      const n = Math.min(MAX_CREATE_MANY, inFolder - first);
      const items = Array.from({ length: n }, (_, i) => ({ name: `module-${first + i}.ts`, content: `export const m${first + i} = ${first + i};\n` }));
      const ids = await writer.mutation(api.files.createMany, { projectId, parentId, items });
      if (fileIds.length < 2) fileIds.push(...ids.slice(0, 2 - fileIds.length));
    }
  }
  return { files, projectId, fileIds, seconds: (performance.now() - started) / 1000 };
}

/** A project seeded by an earlier run into the same data directory (BENCH_SCALE_DATA), found by its name. */
async function reuse(writer: ConvexClient, files: number): Promise<Seeded | null> {
  const name = `Scale ${files.toLocaleString("en")}`;
  const project = (await writer.query(api.projects.list, {})).find((p) => p.name === name);
  if (!project) return null;
  const listing = await readListing(writer, project._id);
  if (listing.length !== files) throw new Error(`${name} holds ${listing.length} entries, not ${files}: remove BENCH_SCALE_DATA.`);
  const fileIds = listing.filter((e) => e.type === "file").slice(0, 2).map((e) => e._id);
  return { files, projectId: project._id, fileIds, seconds: Number.NaN };
}

/** The listing as the app receives it: every bucket's entries, in bucket order. */
async function readListing(reader: ConvexClient, projectId: Id<"projects">): Promise<ListingEntry[]> {
  const head = await reader.query(api.files.listing, { projectId });
  if (!head.ready) throw new Error("The listing is not ready.");
  const buckets = await Promise.all(
    Array.from({ length: head.buckets }, (_, bucket) => reader.query(api.files.listingBucket, { projectId, bucket })),
  );
  return buckets.flatMap((b) => b ?? []);
}

// ---- (a) opening the project ----

/**
 * Installed before any script of the page: records when the first tree row and the whole (not busy) tree show.
 * A string, not a function: tsx would wrap a function's inner functions in a helper the page does not have.
 */
const CLOCK = `(() => {
  const check = () => {
    const tree = document.querySelector('[role="tree"]');
    if (window.__firstRow === undefined && tree && tree.querySelector('[role="treeitem"]')) window.__firstRow = performance.now();
    if (window.__firstRow !== undefined && window.__complete === undefined && tree.getAttribute("aria-busy") !== "true") {
      window.__complete = performance.now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-busy"] });
})();`;

interface Open {
  firstRowMs: number;
  completeMs: number;
}

async function timeOpen(page: Page, url: string, reload = false): Promise<Open> {
  if (reload) await page.reload();
  else await page.goto(url);
  const handle = await page.waitForFunction(
    () => {
      const w = window as unknown as { __firstRow?: number; __complete?: number };
      return w.__complete !== undefined ? { firstRowMs: w.__firstRow!, completeMs: w.__complete } : null;
    },
    undefined,
    { timeout: 180_000, polling: 100 },
  );
  return (await handle.jsonValue()) as Open;
}

async function buildReference(dir: string, listing: ListingEntry[]) {
  await mkdir(dir, { recursive: true });
  await build({
    entryPoints: [join(here, "reference.tsx")],
    outfile: join(dir, "reference.js"),
    bundle: true,
    minify: true,
    format: "iife",
    jsx: "automatic",
    target: "es2022",
    define: { "process.env.NODE_ENV": '"production"', "import.meta.env": "{}" },
    logLevel: "warning",
  });
  await copyFile(join(here, "index.html"), join(dir, "index.html"));
  await writeFile(join(dir, "listing.json"), JSON.stringify(listing));
}

async function serveStatic(dir: string): Promise<{ url: string; server: Server }> {
  const files = sirv(dir, { dev: false, etag: true });
  const server = createHttpServer((req, res) => files(req, res, () => {
    res.writeHead(404).end();
  }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function firstOpen(browser: Browser, appUrl: string, session: Session): Promise<Open> {
  const app = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    await app.addInitScript((s) => localStorage.setItem("polaris.localSession", s), JSON.stringify(session));
    await app.addInitScript(CLOCK);
    const page = await app.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
    return await timeOpen(page, appUrl);
  } finally {
    await app.close();
  }
}

async function openRun(browser: Browser, appUrl: string, refUrl: string, session: Session) {
  const app = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const ref = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    await app.addInitScript((s) => localStorage.setItem("polaris.localSession", s), JSON.stringify(session));
    for (const context of [app, ref]) await context.addInitScript(CLOCK);
    const appPage = await app.newPage();
    const refPage = await ref.newPage();
    for (const page of [appPage, refPage]) page.on("pageerror", (e) => console.error("page error:", e.message));
    const reference = await timeOpen(refPage, `${refUrl}/index.html`);
    const cold = await timeOpen(appPage, appUrl);
    // The rows the app shows must be the project's: its first folder.
    await appPage.getByRole("treeitem", { name: folderName(0), exact: true }).waitFor({ timeout: 30_000 });
    const warm = await timeOpen(appPage, appUrl, true);
    return { reference, cold, warm };
  } finally {
    await app.close();
    await ref.close();
  }
}

// ---- (b) bytes per save ----

function nextValue<T>(c: ConvexClient, ref: FunctionReference<"query">, args: Record<string, unknown>) {
  return new Promise<() => void>((resolve, reject) => {
    let done = false;
    const unsubscribe = c.onUpdate(
      ref,
      args,
      (_value: T) => {
        if (!done) {
          done = true;
          resolve(unsubscribe);
        }
      },
      reject,
    );
  });
}

async function bytesPerSave(url: string, token: string, writer: ConvexClient, project: Seeded) {
  const { projectId } = project;
  const meter = new Meter();
  const observer = client(url, token, meter);
  try {
    const head = await observer.query(api.files.listing, { projectId });
    let seenUpdatedAt = 0;
    // What the workspace subscribes to: the project, the project list, the conversations, the listing.
    const subscriptions = [
      observer.onUpdate(api.projects.get, { projectId }, (p) => {
        seenUpdatedAt = p.updatedAt;
      }),
      await nextValue(observer, api.projects.list, {}),
      await nextValue(observer, api.conversations.list, { projectId }),
      await nextValue(observer, api.files.listing, { projectId }),
      ...(await Promise.all(
        Array.from({ length: head.buckets }, (_, bucket) => nextValue(observer, api.files.listingBucket, { projectId, bucket })),
      )),
    ];
    const perSave = async (fileId: Id<"files">, open: boolean) => {
      const openFile = open ? await nextValue(observer, api.files.get, { fileId }) : null;
      const before = meter.bytes;
      for (let i = 1; i <= SAVES; i++) {
        // A one-character change of a small file, as an autosave while typing sends it.
        await writer.mutation(api.files.updateContent, { fileId, content: `export const m0 = ${i % 10};\n` });
        // The save has reached the observer once the project's updatedAt (which every save bumps) has.
        const { updatedAt } = await writer.query(api.projects.get, { projectId });
        while (seenUpdatedAt < updatedAt) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      openFile?.();
      return (meter.bytes - before) / SAVES;
    };
    const closed = await perSave(project.fileIds[0], false);
    const open = await perSave(project.fileIds[1], true);
    for (const unsubscribe of subscriptions) unsubscribe();
    return { closed, open, buckets: head.buckets };
  } finally {
    await observer.close();
  }
}

// ---- the run ----

const spread = (values: number[], digits = 0) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(2)} KB`;

async function main() {
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), "polaris-bench-scale-"));
  const kept = process.env.BENCH_SCALE_DATA;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const children: ChildProcess[] = [];
  let staticServer: Server | undefined;
  let writer: ConvexClient | undefined;
  let closeBrowser: (() => Promise<void>) | undefined;
  try {
    const dataDir = kept ?? join(work, "data");
    let backend: ChildProcess | null = null;
    const startServer = async () => {
      const child = spawn(process.execPath, ["--import", "tsx", "local-backend/src/cli.ts", "start", "--port", String(port), "--data-dir", dataDir], {
        cwd: repo,
        env: process.env,
        stdio: ["ignore", "ignore", "inherit"],
      });
      backend = child;
      children.push(child);
      await waitForHttp(`${url}/`, child, 300_000);
    };
    const stopServer = async () => {
      const child = backend;
      if (child === null) return;
      backend = null;
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
    };
    console.log("Starting the backend with the production build of the app …");
    await startServer();
    const session = await signIn(url, kept ? "scale-bench" : `scale-${Date.now().toString(36)}`);
    writer = client(url, session.token);
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
    closeBrowser = () => browser.close();
    // The first opens: each right after the backend (re)started, before anything has read the listing: nothing
    // cached in the browser nor in the backend's query cache (engine/queryCache.ts), which serves every later open.
    // The backend's first answers are also its code's first runs (nothing compiled yet), as after any start.
    const openFirsts = async (projectId: Id<"projects">) => {
      const opens: Open[] = [];
      for (let i = 0; i < FIRST_OPENS; i++) {
        await writer?.close();
        await stopServer();
        await startServer();
        writer = client(url, session.token);
        const open = await firstOpen(browser, `${url}/p/${projectId}`, session);
        console.log(`First open ${i + 1}/${FIRST_OPENS} since the backend started: ${open.firstRowMs.toFixed(0)} ms to first rows (${open.completeMs.toFixed(0)} ms whole)`);
        opens.push(open);
      }
      return opens;
    };

    const projects: Seeded[] = [];
    for (const files of SIZES) {
      const earlier = kept ? await reuse(writer, files) : null;
      if (earlier) {
        projects.push(earlier);
        continue;
      }
      console.log(`Seeding a project of ${files.toLocaleString("en")} files …`);
      const project = await seed(writer, files);
      projects.push(project);
      console.log(`  ${project.seconds.toFixed(1)} s`);
    }
    const opened = projects.find((p) => p.files === OPENED)!;
    const firsts = await openFirsts(opened.projectId);
    const listing = await readListing(writer, opened.projectId);
    if (listing.length !== OPENED) throw new Error(`The listing holds ${listing.length} entries, not ${OPENED}.`);
    const refDir = join(work, "reference");
    await buildReference(refDir, listing);
    const served = await serveStatic(refDir);
    staticServer = served.server;
    const listingBytes = JSON.stringify(listing).length;

    const runs: Awaited<ReturnType<typeof openRun>>[] = [];
    try {
      for (let run = 1; run <= RUNS; run++) {
        const result = await openRun(browser, `${url}/p/${opened.projectId}`, served.url, session);
        runs.push(result);
        console.log(
          `Run ${run}/${RUNS}: app cold ${result.cold.firstRowMs.toFixed(0)} ms to first rows (${result.cold.completeMs.toFixed(0)} ms whole), ` +
            `warm ${result.warm.firstRowMs.toFixed(0)} ms (${result.warm.completeMs.toFixed(0)} ms); reference ${result.reference.firstRowMs.toFixed(0)} ms`,
        );
      }
    } finally {
      await browser.close();
      closeBrowser = undefined;
    }

    const bytes = [];
    for (const project of projects) {
      const b = await bytesPerSave(url, session.token, writer, project);
      bytes.push({ files: project.files, ...b });
      console.log(`${project.files.toLocaleString("en")} files: ${b.closed.toFixed(0)} B per save closed, ${b.open.toFixed(0)} B open`);
    }

    const ms = (values: number[]) => `${spread(values)} ms`;
    const coldFirst = runs.map((r) => r.cold.firstRowMs);
    const openTable = [
      `| Opening the ${OPENED.toLocaleString("en")}-file project, ${RUNS} runs: median (min–max) | First rows of the tree | Whole listing in (tree not busy) | Target |`,
      "| --- | ---: | ---: | --- |",
      `| App, first open right after a backend start (${FIRST_OPENS} starts: nothing cached in the browser or the backend) | ${ms(firsts.map((o) => o.firstRowMs))} | ${ms(firsts.map((o) => o.completeMs))} | first rows ≤ ${TARGET_FIRST_ROWS_MS} ms |`,
      `| App, cold (new browser profile: nothing cached in it; the backend's query cache holds the listing) | ${ms(coldFirst)} | ${ms(runs.map((r) => r.cold.completeMs))} | first rows ≤ ${TARGET_FIRST_ROWS_MS} ms |`,
      `| App, warm (reload: the listing cached in IndexedDB) | ${ms(runs.map((r) => r.warm.firstRowMs))} | ${ms(runs.map((r) => r.warm.completeMs))} |  |`,
      `| Reference: the same listing as one static JSON file into the same FileTree | ${ms(runs.map((r) => r.reference.firstRowMs))} | ${ms(runs.map((r) => r.reference.completeMs))} |  |`,
      `| App cold ÷ reference (per run) | ${spread(runs.map((r) => r.cold.firstRowMs / r.reference.firstRowMs), 1)}× | ${spread(runs.map((r) => r.cold.completeMs / r.reference.completeMs), 1)}× |  |`,
    ].join("\n");
    const bytesTable = [
      `| Files in the project | Listing buckets | Bytes per save, file closed | Bytes per save, file open | Target |`,
      "| ---: | ---: | ---: | ---: | --- |",
      ...bytes.map(
        (b) => `| ${b.files.toLocaleString("en")} | ${b.buckets} | ${kb(b.closed)} | ${kb(b.open)} | closed ≤ ${kb(TARGET_SAVE_BYTES)} |`,
      ),
    ].join("\n");
    console.log(`\n${openTable}\n\n${bytesTable}\n`);
    const afterStart = firsts.map((o) => o.firstRowMs);
    const firstVerdict = Math.max(median(coldFirst), median(afterStart)) <= TARGET_FIRST_ROWS_MS ? "meets" : "misses";
    const worstClosed = Math.max(...bytes.map((b) => b.closed));
    const bytesVerdict = worstClosed <= TARGET_SAVE_BYTES ? "meets" : "misses";
    await updateSection(
      "Scale",
      `Run on ${new Date(started).toISOString().slice(0, 10)} by \`node --import tsx bench/scale/run.ts\` (also part of
\`npm run bench\`) on this machine (${machine()} at the end). Polaris as deployed (\`cli.ts start\`: the local
backend serving the production build of the app on its own origin). One user's projects of
${SIZES.map((n) => n.toLocaleString("en")).join(" / ")} files and folders (files/1,000 folders at the root, each
full of small files) are seeded through the backend with \`files.createMany\`${
        kept ? " (by an earlier run into the same data directory)" : ` (${projects.map((p) => `${p.files.toLocaleString("en")} in ${p.seconds.toFixed(1)} s`).join(", ")})`
      }.

**Opening the ${OPENED.toLocaleString("en")}-file project** in headless Chromium: from navigation (the page's time
origin) until the first row of the tree is in the DOM, and until the tree is no longer \`aria-busy\` (the whole
listing in). A script installed before the page's own records both with a MutationObserver. The first opens are
made right after a backend start, ${FIRST_OPENS} times (the backend is stopped and started again before each), before
anything else read the project: nothing is cached anywhere, and the backend's code runs for the first time. Every
later open finds the listing's queries answered from the backend's query cache (local-backend/src/engine/queryCache.ts:
a result is kept, per function, arguments and user, until a commit changes what it read), as any open of a project the
backend has served since it started does. Cold is a new browser profile signed in (nothing cached in it); warm is a
reload of the same page (the listing also in the app's IndexedDB cache).
The reference page gets the same listing (read from the backend beforehand, ${(listingBytes / 1e6).toFixed(1)} MB
of JSON) as one static file over HTTP from this machine and gives it to the same FileTree component with the same
visibility rule, built for production by esbuild; it is opened in the same run, before the app each run.

${openTable}

**Bytes per save received by a second client**: the stock \`ConvexClient\` over a WebSocket whose received frames
are counted, subscribed to what the workspace reads (the project, the project list, the conversations, the listing
head and every bucket; with the file open, also \`files.get\` of it). Another client saves a one-character change
of a small file ${SAVES} times; the figure is the bytes received divided by ${SAVES}.

${bytesTable}

**First rows ${firstVerdict} the ${TARGET_FIRST_ROWS_MS} ms target** (median right after a backend start ${median(afterStart).toFixed(0)} ms, cold median ${median(coldFirst).toFixed(0)} ms);
**bytes per save ${bytesVerdict} the ${kb(TARGET_SAVE_BYTES)} target** (worst, file closed: ${kb(worstClosed)}).`,
    );
    console.log(`Wrote the "Scale" section of docs/benchmarks.md (${((Date.now() - started) / 1000).toFixed(0)} s).`);
  } finally {
    await writer?.close();
    await closeBrowser?.();
    staticServer?.close();
    for (const child of children) child.kill("SIGTERM");
    await rm(work, { recursive: true, force: true }).catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
