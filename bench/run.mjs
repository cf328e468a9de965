// Runs every benchmark: each bench/<name>/run.mjs, one after another, in its own Node process.
import { readdir, stat } from "node:fs/promises";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
let failed = 0;
for (const name of (await readdir(here)).sort()) {
  const script = join(here, name, "run.mjs");
  if (!(await stat(script).catch(() => null))?.isFile()) continue;
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n=== bench/${name} ===`);
  const result = spawnSync(process.execPath, [script], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.error(`bench/${name} failed (exit ${result.status ?? result.signal}).`);
  }
}
process.exit(failed > 0 ? 1 : 0);
