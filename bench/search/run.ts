// Search benchmark: a project of BENCH_SEARCH_FILES files (default 10,000, ~2 KB of text each) on the local backend
// (`cli.ts serve`), searched the way the Search panel does (search.page, page after page, through the stock
// ConvexClient): time to the first results and to all results, for a literal query and a regular expression.
// Reference in the same run: `grep -rn` (literal, then -E) over the same files written to disk. Runs each
// BENCH_RUNS times (default 3) and rewrites the "Search" section of docs/benchmarks.md with the figures.
// Not a test: nothing fails on slowness. `node --import tsx bench/search/run.ts` (or `npm run bench -- search`).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexClient } from "convex/browser";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { SearchOptions } from "../../convex/lib/search";
import { MAX_CREATE_MANY } from "../../convex/model/createMany";
import { updateSection } from "../docs.mjs";
import { machine } from "../machine.js";
import { median } from "../stats.js";
import { freePort, waitForHttp } from "../serve.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FILES = Number(process.env.BENCH_SEARCH_FILES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PER_FOLDER = 1000;


/** ~2 KB of code-like text; file `i` mentions `needle` once in every 100 files. */
function text(i: number): string {
  const lines = Array.from({ length: 40 }, (_, l) => `export const value${l} = compute(${i}, ${l}); // line ${l}`);
  if (i % 100 === 0) lines[20] = `export const needle${i} = findNeedle(${i});`;
  return `${lines.join("\n")}\n`;
}

interface Timing {
  firstMs: number;
  allMs: number;
  files: number;
  pages: number;
}

async function searchAll(c: ConvexClient, projectId: Id<"projects">, options: SearchOptions): Promise<Timing> {
  const started = performance.now();
  let firstMs = Number.NaN;
  let files = 0;
  let pages = 0;
  let cursor: number | null = null;
  do {
    const page: typeof api.search.page._returnType = await c.query(api.search.page, { projectId, ...options, cursor });
    pages += 1;
    files += page.files.length;
    if (page.files.length > 0 && Number.isNaN(firstMs)) firstMs = performance.now() - started;
    cursor = page.cursor;
  } while (cursor !== null);
  return { firstMs, allMs: performance.now() - started, files, pages };
}

/** grep over the same tree: time to its first line of output and to its end, and the files it lists. */
async function grep(dir: string, args: string[]): Promise<Timing> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("grep", [...args, dir]);
    let firstMs = Number.NaN;
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      if (Number.isNaN(firstMs)) firstMs = performance.now() - started;
      out += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", () => resolve({ firstMs, allMs: performance.now() - started, files: out.split("\n").filter(Boolean).length, pages: 0 }));
  });
}

const spread = (values: number[]) => `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;

async function main() {
  const work = await mkdtemp(join(tmpdir(), "polaris-bench-search-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let backend: ChildProcess | undefined;
  let c: ConvexClient | undefined;
  try {
    backend = spawn(process.execPath, ["--import", "tsx", "local-backend/src/cli.ts", "serve", "--port", String(port), "--data-dir", join(work, "data")], {
      cwd: repo,
      stdio: ["ignore", "ignore", "inherit"],
    });
    await waitForHttp(`${url}/`, backend, 300_000);
    const res = await fetch(`${url}/polaris/auth/sign-in`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: `search-${Date.now()}` }) });
    const { token } = (await res.json()) as { token: string };
    c = new ConvexClient(url, { webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket, unsavedChangesWarning: false, logger: false });
    c.setAuth(() => Promise.resolve(token));

    console.log(`Seeding ${FILES.toLocaleString("en")} files …`);
    const seedStarted = performance.now();
    const projectId = await c.mutation(api.projects.create, { name: "Search bench" });
    const disk = join(work, "files");
    let bytes = 0;
    for (let f = 0; f * PER_FOLDER < FILES; f++) {
      const folder = `pkg-${String(f).padStart(3, "0")}`;
      const parentId = await c.mutation(api.files.createFolder, { projectId, name: folder });
      await mkdir(join(disk, folder), { recursive: true });
      for (let first = f * PER_FOLDER; first < Math.min(FILES, (f + 1) * PER_FOLDER); first += MAX_CREATE_MANY) {
        const items = Array.from({ length: Math.min(MAX_CREATE_MANY, FILES - first, (f + 1) * PER_FOLDER - first) }, (_, k) => ({
          name: `module-${first + k}.ts`,
          content: text(first + k),
        }));
        await c.mutation(api.files.createMany, { projectId, parentId, items });
        for (const item of items) {
          bytes += item.content.length;
          await writeFile(join(disk, folder, item.name), item.content);
        }
      }
    }

    const seedSeconds = (performance.now() - seedStarted) / 1000;
    console.log(`Seeded in ${seedSeconds.toFixed(0)} s (createMany, ${MAX_CREATE_MANY} files a call, and the copy on disk)`);

    const cases: { label: string; options: SearchOptions; grepArgs: string[] }[] = [
      { label: "literal `findNeedle`", options: { query: "findNeedle", matchCase: true }, grepArgs: ["-rln", "findNeedle"] },
      { label: "regex `needle\\d+ =`", options: { query: "needle\\d+ =", regex: true, matchCase: true }, grepArgs: ["-rlnE", "needle[0-9]+ ="] },
    ];
    const rows: string[] = [];
    for (const k of cases) {
      const polaris: Timing[] = [];
      const reference: Timing[] = [];
      for (let run = 0; run < RUNS; run++) {
        polaris.push(await searchAll(c, projectId, k.options));
        reference.push(await grep(disk, k.grepArgs));
      }
      if (polaris[0].files !== reference[0].files) throw new Error(`${k.label}: search.page found ${polaris[0].files} files, grep ${reference[0].files}`);
      rows.push(
        `| ${k.label} | ${polaris[0].files} | ${polaris[0].pages} | ${spread(polaris.map((t) => t.firstMs))} | ${spread(polaris.map((t) => t.allMs))} | ${spread(reference.map((t) => t.firstMs))} | ${spread(reference.map((t) => t.allMs))} |`,
      );
      console.log(rows.at(-1));
    }
    const grepVersion = spawnSync("grep", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0];
    await updateSection(
      "Search",
      `Run on ${new Date().toISOString().slice(0, 10)} by \`node --import tsx bench/search/run.ts\` on this machine (${machine()}).
A project of ${FILES.toLocaleString("en")} files (${(bytes / 1024 / 1024).toFixed(1)} MB of text; seeding it took ${seedSeconds.toFixed(0)} s) on the local backend, searched as the Search
panel does: \`search.page\` page after page through the stock ConvexClient. Reference in the same run: ${grepVersion}
(\`grep -rl\`) over the same files on disk. Milliseconds, median (min–max) of ${RUNS} runs.

| Query | Files found | Pages | Polaris first results | Polaris all results | grep first output | grep all |
|---|---|---|---|---|---|---|
${rows.join("\n")}`,
    );
  } finally {
    await c?.close();
    backend?.kill("SIGTERM");
    await rm(work, { recursive: true, force: true }).catch(() => {});
  }
}

await main();
