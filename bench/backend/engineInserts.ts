/// <reference types="node" />
import { createHook } from "node:async_hooks";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { openEngine } from "../../local-backend/src/engine/index.js";
import { PROJECT_CONVEX_DIR } from "./lib.js";

// In-process insert micro-benchmark: files.createFile through the engine alone (no socket, no client), fsync on
// (NOSYNC=1: off), `clients` callers each with one insert in flight. Prints inserts/s, the process's CPU time per
// insert, and (PROMISES=1, which slows the run) the promises created per insert: a count that does not depend on
// the machine's load, for comparing two checkouts. MANY=n: each call is one files.createMany of n files into a folder
// it created just before (an import's batch) instead of one createFile, and the figures are per file (the folder's
// creation included). CONVEX_DIR=dir runs another checkout's convex/ (inside this repository, for its node_modules).
// Not part of `npm run bench`: a tool for working on the engine.
// Run: npx tsx bench/backend/engineInserts.ts [seconds] [clients]

const seconds = Number(process.argv[2] ?? 5);
const clients = Number(process.argv[3] ?? 8);
const CONTENT = "export const answer = 42;\n".repeat(4);
const MANY = Number(process.env.MANY ?? 0);

async function main() {
  const dataDir = await mkdtemp(path.join(tmpdir(), "polaris-engine-inserts-"));
  const engine = await openEngine({ dataDir, convexDir: process.env.CONVEX_DIR ? path.resolve(process.env.CONVEX_DIR) : PROJECT_CONVEX_DIR, siteUrl: "http://127.0.0.1:1", durable: !process.env.NOSYNC, log: () => {} });
  try {
    const identity = { tokenIdentifier: "https://x|user", subject: "user", issuer: "https://x" };
    const projects: string[] = [];
    for (let k = 0; k < clients; k++) {
      const r = await engine.runMutation("projects:create", { name: `P${k}` }, identity);
      if (!r.ok) throw new Error(r.error);
      projects.push(r.value as string);
    }
    let total = 0;
    let seq = 0;
    const run = async (ms: number) => {
      const deadline = performance.now() + ms;
      await Promise.all(
        projects.map(async (projectId) => {
          while (performance.now() < deadline) {
            let r;
            if (MANY > 0) {
              const folder = await engine.runMutation("files:createFolder", { projectId, name: `d-${seq++}` }, identity);
              if (!folder.ok) throw new Error(folder.error);
              const items = Array.from({ length: MANY }, () => ({ name: `f-${seq++}.ts`, content: CONTENT }));
              r = await engine.runMutation("files:createMany", { projectId, parentId: folder.value, items }, identity);
            } else {
              r = await engine.runMutation("files:createFile", { projectId, name: `f-${seq++}.ts`, content: CONTENT }, identity);
            }
            if (!r.ok) throw new Error(r.error);
            total += Math.max(1, MANY);
          }
        }),
      );
    };
    await run(1000);
    total = 0;
    let promises = 0;
    const hook = createHook({
      init: (_id, type) => {
        if (type === "PROMISE") promises++;
      },
    });
    if (process.env.PROMISES) hook.enable();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(seconds * 1000);
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    hook.disable();
    process.stdout.write(
      `${total} inserts in ${elapsed.toFixed(2)} s: ${Math.round(total / elapsed)}/s, CPU ${Math.round((cpu.user + cpu.system) / total)} µs/${MANY > 0 ? "file" : "insert"}` +
        `${process.env.PROMISES ? `, ${(promises / total).toFixed(1)} promises/insert` : ""}, load ${loadavg()[0].toFixed(1)}\n`,
    );
  } finally {
    await engine.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
void main();
