// Runs every benchmark: each bench/<name>/run.mjs (or run.ts, through tsx), one after another, each in its own
// Node process. `node bench/run.mjs tree backend` runs only the named ones.
import { readdir, stat } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
let failed = 0;
for (const name of (await readdir(here)).sort()) {
  const isFile = async (path) => (await stat(path).catch(() => null))?.isFile() ?? false;
  const mjs = join(here, name, "run.mjs");
  const ts = join(here, name, "run.ts");
  const args = (await isFile(mjs)) ? [mjs] : (await isFile(ts)) ? ["--import", "tsx", ts] : null;
  if (!args) continue;
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== bench/${name} ===`);
  const result = spawnSync(process.execPath, args, { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.error(`bench/${name} failed (exit ${result.status ?? result.signal}).`);
  }
}
process.exit(failed > 0 ? 1 : 0);
