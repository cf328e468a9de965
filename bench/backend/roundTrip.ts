/// <reference types="node" />
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { api } from "../../convex/_generated/api.js";
import { convexClient, killChildren, now, percentile, runMain, serverStats, signIn, spawnChild } from "./lib.js";
import type { ServerArgs, ServerReady } from "./server.js";

// The mutation round trip of run.ts row 1 alone (fsync on): one stock client saves a file (files.updateContent)
// `count` times one after another, with files.get of that file subscribed, and each save is timed until its promise
// resolves (the subscription already shows it then). Prints p50 / p99, the backend's CPU, socket writes and zlib jobs
// (bench/backend/server.ts counts them) per save. A tool for
// comparing changes to the write path in alternating runs, not part of `npm run bench`.
// Run: npx tsx bench/backend/roundTrip.ts [count]

const count = Number(process.argv[2] ?? 1000);
const CONTENT = "export const answer = 42;\n".repeat(4);

async function main() {
  const root = await mkdtemp(path.join(tmpdir(), "polaris-round-trip-"));
  const server = await spawnChild<ServerReady>("./server.ts", { dataDir: path.join(root, "data"), durable: !process.env.NOSYNC } satisfies ServerArgs);
  const client = convexClient(server.ready.url, await signIn(server.ready.url, "Bench User"));
  try {
    const projectId = await client.mutation(api.projects.create, { name: "Round trip" });
    const fileId = await client.mutation(api.files.createFile, { projectId, name: "main.ts", content: CONTENT });
    let latest: string | undefined;
    await new Promise<void>((resolve, reject) => {
      client.onUpdate(
        api.files.get,
        { fileId },
        (file) => {
          latest = file.content;
          resolve();
        },
        reject,
      );
    });
    const warmup = Math.min(50, count / 10);
    const samples: number[] = [];
    let before = await serverStats(server);
    for (let i = 0; i < warmup + count; i++) {
      if (i === warmup) before = await serverStats(server);
      const content = `edit ${i}`;
      const t = now();
      await client.mutation(api.files.updateContent, { fileId, content });
      const dt = now() - t;
      if (latest !== content) throw new Error(`After save ${i} resolved, the subscribed files.get still showed ${JSON.stringify(latest)}.`);
      if (i >= warmup) samples.push(dt);
    }
    const after = await serverStats(server);
    const cpu = (after.cpuMicros - before.cpuMicros) / count;
    process.stdout.write(
      `round trip p50 ${percentile(samples, 0.5).toFixed(2)} ms, p99 ${percentile(samples, 0.99).toFixed(2)} ms over ${count} saves; ` +
        `backend CPU ${Math.round(cpu)} µs/save, ${((after.socketWrites - before.socketWrites) / count).toFixed(2)} socket writes and ` +
        `${((after.zlibJobs - before.zlibJobs) / count).toFixed(2)} zlib jobs per save; load ${loadavg()[0].toFixed(1)}\n`,
    );
  } finally {
    await client.close();
    await server.stop();
    killChildren();
    await rm(root, { recursive: true, force: true });
  }
}
runMain(main);
