/// <reference types="node" />
import { createServer } from "node:http";
import { Socket, type AddressInfo } from "node:net";
import { DeflateRaw } from "node:zlib";
import { WebSocketServer, type WebSocket } from "ws";
import type { EngineTestOptions } from "../../local-backend/src/engine/engine.js";
import { openEngine, type EngineOptions } from "../../local-backend/src/engine/index.js";
import { startBackend } from "../../local-backend/src/server/index.js";
import { PROJECT_CONVEX_DIR } from "./lib.js";

// Child process: the backend under test (running the project's convex/) plus the reference WebSocket server
// (echo and broadcast), so both are measured from the same client process, over the same loopback.

export interface ServerArgs {
  dataDir: string;
  durable: boolean;
}
export interface ServerReady {
  url: string;
  refUrl: string;
}
/**
 * Answer to a `{type: "stats"}` message: the write-ahead log's batches (fdatasyncs, durable mode only) and the
 * records they held so far, the CPU time this process has used (user + system, µs), and counts that do not
 * depend on the machine's load: socket writes (each a syscall; on loopback the kernel delivers the data in it)
 * and zlib jobs (each chunk or flush a permessage-deflate stream hands to the thread pool, compressing or
 * inflating).
 */
export interface ServerStats {
  type: "stats";
  batches: number;
  records: number;
  cpuMicros: number;
  socketWrites: number;
  zlibJobs: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as ServerArgs;
const errors: string[] = [];
const io = { socketWrites: 0, zlibJobs: 0 };

/** Counts every call of the method `name` of the first prototype up the chain of `proto` that has it. */
function countCalls(proto: object, name: string, count: () => void) {
  let owner: object | null = proto;
  while (owner !== null && !Object.hasOwn(owner, name)) owner = Object.getPrototypeOf(owner) as object | null;
  if (owner === null) throw new Error(`No ${name} to count.`);
  const original = (owner as Record<string, (...a: unknown[]) => unknown>)[name];
  Object.defineProperty(owner, name, {
    configurable: true,
    writable: true,
    value(this: unknown, ...a: unknown[]) {
      count();
      return original.apply(this, a);
    },
  });
}
// net.Socket's _write and _writev both end in _writeGeneric; zlib streams (deflate and inflate alike) hand each
// chunk and each flush to the thread pool through ZlibBase's _transform.
countCalls(Socket.prototype, "_writeGeneric", () => io.socketWrites++);
countCalls(DeflateRaw.prototype, "_transform", () => io.zlibJobs++);

async function main() {
  const wal = { batches: 0, records: 0 };
  const backend = await startBackend({
    dataDir: args.dataDir,
    convexDir: PROJECT_CONVEX_DIR,
    port: 0,
    durable: args.durable,
    // Counts commits per fdatasync (group commit), through the engine's test hook.
    openEngine: (opts) => {
      const withHooks: EngineOptions & EngineTestOptions = {
        ...opts,
        walHooks: {
          beforeSync: (records) => {
            wal.batches++;
            wal.records += records;
          },
        },
      };
      return openEngine(withHooks);
    },
    log: (line) => {
      if (/error|fail|crash/i.test(line)) errors.push(line);
    },
  });

  // Reference: the least a WebSocket round trip costs here. /echo sends every frame back; /fan/pub forwards every
  // frame to every socket connected on /fan/sub. Same `ws` library and options as the backend's sync socket.
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const subscribers = new Set<WebSocket>();
  wss.on("connection", (ws, req) => {
    if (req.url === "/echo") ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    else if (req.url === "/fan/sub") {
      subscribers.add(ws);
      ws.on("close", () => subscribers.delete(ws));
    } else if (req.url === "/fan/pub") {
      ws.on("message", (data, isBinary) => {
        for (const sub of subscribers) sub.send(data, { binary: isBinary });
      });
    } else ws.close(1008, "unknown path");
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const refUrl = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    http.closeAllConnections();
    http.close();
    await backend.close();
    for (const line of errors.slice(0, 5)) process.stderr.write(`[bench server] ${line}\n`);
    process.exit(0);
  };
  process.on("message", (m) => {
    const type = (m as { type?: string }).type;
    if (type === "stop") void stop();
    else if (type === "stats") {
      const cpu = process.cpuUsage();
      const stats: ServerStats = { type: "stats", ...wal, ...io, cpuMicros: cpu.user + cpu.system };
      process.send!(stats);
    }
  });
  // The parent went away: do not outlive it.
  process.on("disconnect", () => void stop());

  const ready: ServerReady = { url: backend.url, refUrl };
  process.send!(ready);
}

main().catch((error: unknown) => {
  const message = { error: error instanceof Error ? error.message : String(error) };
  if (!process.send) process.exit(1);
  process.send(message, undefined, {}, () => process.exit(1));
});
