// `npm run bench` entry for the AI streaming figures: runs bench/ai/run.ts with tsx.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./run.ts", import.meta.url));
const result = spawnSync("npx", ["tsx", script], { stdio: "inherit" });
process.exit(result.status ?? 1);
