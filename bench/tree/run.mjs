// File tree benchmark: Polaris's FileTree against react-arborist, 10k/100k nodes, headless Chromium.
// Runs the page several times (a fresh page each time), prints a table of each measure's median over the runs
// with its spread, and rewrites the "File tree" section of docs/benchmarks.md. Not a test: nothing here fails
// on slowness; the targets are shown next to the figures. `node bench/tree/run.mjs [runs]` (default 3).
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { mkdir } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { updateSection } from "../docs.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");

/** One run of the page in a fresh browser page: { polaris: { measure: ms }, arborist: { ... } }. */
export async function runTreeBenchmark() {
  await mkdir(join(here, "dist"), { recursive: true });
  await build({
    entryPoints: [join(here, "main.tsx")],
    outfile: join(here, "dist", "bench.js"),
    bundle: true,
    minify: true,
    format: "iife",
    jsx: "automatic",
    target: "es2022",
    define: { "process.env.NODE_ENV": '"production"', "import.meta.env": "{}" },
    logLevel: "warning",
  });

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    // --expose-gc: the page collects garbage before each measured action, outside the timing.
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--js-flags=--expose-gc"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    page.on("pageerror", (e) => console.error("page error:", e.message));
    await page.goto(pathToFileURL(join(here, "index.html")).href);
    await page.waitForFunction(() => "__bench" in window);
    const results = await page.evaluate(() => window.__bench.run());
    return results;
  } finally {
    await browser.close();
  }
}

const ROWS = [
  ["render10k", "First render, 10,000 nodes (all expanded)", "≤ 100 ms"],
  ["render100k", "First render, 100,000 nodes (all expanded)", ""],
  ["toggleP50", "Expand/collapse a 50,000-child folder, p50", "≤ 50 ms"],
  ["toggleP95", "Expand/collapse a 50,000-child folder, p95", ""],
  ["arrowP50", "ArrowDown step (focus and selection moved), p50", "≤ 16 ms"],
  ["arrowP95", "ArrowDown step (focus and selection moved), p95", ""],
  ["arrowFocusOnlyP50", "ArrowDown step, p50, react-arborist in its default mode (focus moved, selection kept)", ""],
  ["arrowFocusOnlyP95", "ArrowDown step, p95, react-arborist in its default mode", ""],
];

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** `runs`: results of runTreeBenchmark. Each cell: the median over the runs, then (min–max) when there are several. */
export function formatTable(runs) {
  const cell = (kind, key) => {
    const values = runs.map((r) => r[kind][key]).filter((v) => typeof v === "number");
    if (values.length === 0) return "n/a";
    const mid = `${median(values).toFixed(1)} ms`;
    if (values.length === 1) return mid;
    return `${mid} (${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)})`;
  };
  const lines = [
    "| Measure (100,000-node tree unless stated) | Polaris FileTree | react-arborist | Target |",
    "| --- | ---: | ---: | --- |",
  ];
  for (const [key, label, target] of ROWS) {
    lines.push(`| ${label} | ${cell("polaris", key)} | ${cell("arborist", key)} | ${target} |`);
  }
  return lines.join("\n");
}

async function main() {
  const started = Date.now();
  const count = Number(process.argv[2] ?? 3);
  const load = [loadavg()[0]];
  const runs = [];
  for (let i = 0; i < count; i++) {
    runs.push(await runTreeBenchmark());
    load.push(loadavg()[0]);
    console.log(`run ${i + 1} of ${count} done`);
  }
  const table = formatTable(runs);
  console.log("\nFile tree (headless Chromium)\n");
  console.log(table);
  const when = new Date(started).toISOString().slice(0, 10);
  const loads = load.map((l) => l.toFixed(1)).join(", ");
  await updateSection(
    "File tree",
    `Run on ${when} by \`node bench/tree/run.mjs\` (also part of \`npm run bench\`), headless Chromium on this
machine (${cpus().length} cores; 1-minute load average ${loads} at the start and after each run). The page ran
${count} times, each in a fresh page; a cell is the median of the runs' figures for that measure, with the
lowest and highest in brackets. Both trees get the same data in the same page: one folder with half of the nodes and 100 folders
sharing the other half, file names that need natural sorting (react-arborist gets them nested and sorted,
prepared outside the timing; Polaris's figures include grouping and sorting the flat listing). A figure is the
time from the action until the DOM shows the same effect for both trees (rows mounted; the list's height
changed; DOM focus on the next row, selected), checked right after React's commit and then after every task,
plus the forced style/layout pass that follows (so it includes React's render and the browser's layout, not
the wait for the next vsync). Both trees render once before anything is measured, and garbage is collected
before each measured action. First renders alternate between the trees (median of 5 at 10,000 nodes, of 3 at
100,000); expand/collapse repeats 15 times each way; the arrow step repeats 60 times, moving focus (and, in
both trees, the selection) down one row; react-arborist's default mode, in which the selection stays, is
measured too (the Polaris figures in those rows are the same as above: Polaris always moves the selection).

${table}
`,
  );
  console.log(`\nWrote the "File tree" section of docs/benchmarks.md (${((Date.now() - started) / 1000).toFixed(0)} s).`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
