/// <reference types="node" />
import { ConvexHttpClient } from "convex/browser";
import type { Id } from "../../convex/_generated/dataModel.js";
import { startBackend } from "../../local-backend/src/server/index.js";
import { listed } from "../../tests/listing.js";
import { PROJECT_CONVEX_DIR, now, signIn } from "./lib.js";

// Child process, so every start is cold (no engine, bundle or documents left in memory by an earlier one):
// times startBackend on a populated data dir until the stock HTTP client's first query is answered.

export interface StartupArgs {
  dataDir: string;
  port: number;
  user: string;
  projectId: string;
  expectFiles: number;
}
export interface StartupResult {
  /** startBackend() called -> resolved (engine recovered, convex/ bundled, socket listening). */
  listeningMs: number;
  /** startBackend() called -> the listing of one project (head and buckets) answered. */
  readyMs: number;
  /**
   * CPU time (user + system, every thread of this process) from startBackend() called to the listing answered: a
   * measure the machine's load changes far less than the wall times. esbuild's own process is not counted.
   */
  cpuMs: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as StartupArgs;

const report = (message: object) =>
  new Promise<void>((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });

async function main() {
  const t0 = now();
  const cpu0 = process.cpuUsage();
  const backend = await startBackend({
    dataDir: args.dataDir,
    convexDir: PROJECT_CONVEX_DIR,
    port: args.port,
    durable: true,
    log: () => {},
  });
  const listeningMs = now() - t0;
  try {
    const client = new ConvexHttpClient(backend.url, { logger: false });
    client.setAuth(await signIn(backend.url, args.user));
    const tree = await listed(client, args.projectId as Id<"projects">);
    const readyMs = now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (tree.length !== args.expectFiles) {
      throw new Error(`The listing holds ${tree.length} files, expected ${args.expectFiles}: the data dir was not recovered.`);
    }
    const result: StartupResult = { listeningMs, readyMs, cpuMs: (cpu.user + cpu.system) / 1000 };
    await report(result);
  } finally {
    await backend.close();
  }
}

main()
  .catch(async (error: unknown) => {
    process.exitCode = 1;
    await report({ error: error instanceof Error ? error.message : String(error) });
  })
  .finally(() => process.disconnect());
