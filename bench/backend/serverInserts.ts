/// <reference types="node" />
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { api } from "../../convex/_generated/api.js";
import { convexClient, killChildren, now, percentile, runMain, serverStats, signIn, spawnChild } from "./lib.js";
import type { ServerArgs, ServerReady } from "./server.js";

// files.createFile through the backend in its own process (server.ts) from stock clients, `clients` of them each
// with one insert in flight, in rounds of a fixed number of inserts: prints the backend's CPU time per insert
// (all its threads, user + system) of each round and their median. A count of inserts, not a duration, so a slow
// round on a loaded machine does not spread the backend's fixed costs over fewer inserts. NOSYNC=1: fsync off;
// PLAIN=1: the clients do not offer permessage-deflate. Not part of `npm run bench`: a tool for comparing changes.
// Run: npx tsx bench/backend/serverInserts.ts [inserts per round] [clients] [rounds]

const perRound = Number(process.argv[2] ?? 2000);
const clients = Number(process.argv[3] ?? 8);
const rounds = Number(process.argv[4] ?? 5);
const CONTENT = "export const answer = 42;\n".repeat(4);

/** A `ws` client that does not offer permessage-deflate (the server compresses when offered). */
class PlainWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(url, protocols, { perMessageDeflate: false });
  }
}

async function main() {
  const root = await mkdtemp(path.join(tmpdir(), "polaris-server-inserts-"));
  const server = await spawnChild<ServerReady>("./server.ts", { dataDir: path.join(root, "data"), durable: !process.env.NOSYNC } satisfies ServerArgs);
  const stats = () => serverStats(server);
  const token = await signIn(server.ready.url, "Bench User");
  const cs = Array.from({ length: clients }, () => convexClient(server.ready.url, token, process.env.PLAIN ? PlainWebSocket : WebSocket));
  try {
    const projects = await Promise.all(cs.map((c, k) => c.mutation(api.projects.create, { name: `Inserts ${k}` })));
    let seq = 0;
    const round = async (n: number) => {
      let left = n;
      await Promise.all(
        cs.map(async (client, k) => {
          while (left-- > 0) {
            await client.mutation(api.files.createFile, { projectId: projects[k], name: `f-${seq++}.ts`, content: CONTENT });
          }
        }),
      );
    };
    await round(Math.min(500, perRound));
    const cpu: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const before = await stats();
      const t0 = now();
      await round(perRound);
      const elapsed = (now() - t0) / 1000;
      const after = await stats();
      const us = (after.cpuMicros - before.cpuMicros) / perRound;
      cpu.push(us);
      const perSync = (after.records - before.records) / Math.max(1, after.batches - before.batches);
      const per = (k: "socketWrites" | "zlibJobs") => ((after[k] - before[k]) / perRound).toFixed(2);
      process.stdout.write(
        `round ${r}: ${Math.round(perRound / elapsed)}/s, backend CPU ${Math.round(us)} µs/insert, ${per("socketWrites")} socket writes and ` +
          `${per("zlibJobs")} zlib jobs per insert, ${perSync.toFixed(1)} commits per log write, load ${loadavg()[0].toFixed(1)}\n`,
      );
    }
    process.stdout.write(`median backend CPU ${Math.round(percentile(cpu, 0.5))} µs/insert (${clients} clients, ${perRound} inserts a round)\n`);
  } finally {
    await Promise.all(cs.map((client) => client.close()));
    await server.stop();
    killChildren();
    await rm(root, { recursive: true, force: true });
  }
}
runMain(main);
