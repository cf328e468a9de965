// Requests that reach the port while the backend is still starting (the engine bundles and opens the functions
// after the server listens) are held and answered once it is up, or refused with 503 + Retry-After if startup
// fails: none is left hanging.
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { openEngine } from "../src/engine/index.js";
import type { Engine, EngineOptions } from "../src/engine/types.js";
import { startBackend, type Backend } from "../src/server/index.js";
import { FIXTURE_CONVEX_DIR } from "./helpers/backend.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a backend whose engine opens only when `open()` is called; `held(n)` resolves once n requests wait. */
async function gatedBackend(failOpen = false) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "polaris-startup-"));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let heldCount = 0;
  const heldWaiters: { n: number; resolve: () => void }[] = [];
  const log = (line: string) => {
    if (!line.includes("arrived while starting")) return;
    heldCount += 1;
    for (const w of heldWaiters) if (heldCount >= w.n) w.resolve();
  };
  let listening!: () => void;
  const isListening = new Promise<void>((resolve) => (listening = resolve));
  const backend: Promise<Backend> = startBackend({
    dataDir,
    convexDir: FIXTURE_CONVEX_DIR,
    port,
    durable: false,
    log,
    openEngine: async (opts: EngineOptions): Promise<Engine> => {
      listening();
      await gate;
      if (failOpen) throw new Error("the functions did not load");
      return openEngine(opts);
    },
  });
  await isListening;
  return {
    url: `http://127.0.0.1:${port}`,
    backend,
    open: release,
    held: (n: number) => new Promise<void>((resolve) => (heldCount >= n ? resolve() : heldWaiters.push({ n, resolve }))),
  };
}

function signIn(url: string) {
  return fetch(`${url}/polaris/auth/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: "Early" }),
  });
}

describe("requests during startup", () => {
  it("are held and answered once the engine is open (HTTP and WebSocket)", async () => {
    const b = await gatedBackend();
    const early = signIn(b.url);
    const socket = new WebSocket(`${b.url.replace("http", "ws")}/api/1.48.0/sync`, { headers: { Origin: b.url } });
    const opened = new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    await b.held(2);
    b.open();
    const backend = await b.backend;
    cleanup.unshift(() => backend.close());
    const res = await early;
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty("token");
    await opened;
    socket.close();
  });

  it("are answered 503 with Retry-After when startup fails", async () => {
    const b = await gatedBackend(true);
    const early = signIn(b.url);
    await b.held(1);
    b.open();
    await expect(b.backend).rejects.toThrow(/did not load/);
    const res = await early;
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toMatchObject({ code: "BackendStarting" });
  });
});
