// File tree benchmark: Polaris's FileTree against react-arborist, 10k/100k nodes, headless Chromium.
// Prints a table and rewrites the "File tree" section of docs/benchmarks.md. Not a test: nothing here fails
// on slowness; the targets are shown next to the figures.
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { updateSection } from "../docs.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "..", "..");

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
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
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
  ["arrowP50", "ArrowDown step (focus moved), p50", "≤ 16 ms"],
  ["arrowP95", "ArrowDown step (focus moved), p95", ""],
];

export function formatTable(results) {
  const fmt = (v) => (typeof v === "number" ? `${v.toFixed(1)} ms` : "n/a");
  const lines = [
    "| Measure (100,000-node tree unless stated) | Polaris FileTree | react-arborist | Target |",
    "| --- | ---: | ---: | --- |",
  ];
  for (const [key, label, target] of ROWS) {
    lines.push(`| ${label} | ${fmt(results.polaris[key])} | ${fmt(results.arborist[key])} | ${target} |`);
  }
  return lines.join("\n");
}

async function main() {
  const started = Date.now();
  const results = await runTreeBenchmark();
  const table = formatTable(results);
  console.log("\nFile tree (headless Chromium)\n");
  console.log(table);
  const when = new Date(started).toISOString().slice(0, 10);
  await updateSection(
    "File tree",
    `Run on ${when} by \`node bench/tree/run.mjs\` (also part of \`npm run bench\`), headless Chromium on this
machine (2 cores). Both trees get the same data in the same page: one folder with half of the nodes and
100 folders sharing the other half, file names that need natural sorting. A figure is the time from the
action until the DOM shows its result, plus the forced style/layout pass that follows (so it includes
React's render and the browser's layout, not the wait for the next vsync). Expand/collapse repeats 15
times each way; the arrow step repeats 40 times with the focused row moving down one row.

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
