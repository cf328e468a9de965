/// <reference types="node" />
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ConvexClient } from "convex/browser";
import WebSocket from "ws";
import type { WebSocketClass } from "../../local-backend/test/helpers/backend.js";
import type { ServerReady, ServerStats } from "./server.js";

export const PROJECT_CONVEX_DIR = fileURLToPath(new URL("../../convex", import.meta.url));
export const SEED_CONVEX_DIR = fileURLToPath(new URL("./seed/convex", import.meta.url));

export { percentile } from "../stats.js";

export const now = () => performance.now();

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms: ${what}.`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const children = new Set<ChildProcess>();

/** Kills (by pid) every child this process started and has not seen exit. */
export function killChildren() {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

/** Runs a benchmark tool's `main` and exits with its outcome, killing the children it started if it failed. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      killChildren();
      process.exit(1);
    },
  );
}

export interface Child<Ready> {
  ready: Ready;
  process: ChildProcess;
  /** Asks the child to shut down and waits for it to exit (kills it after 10 s). */
  stop(): Promise<void>;
}

/**
 * Runs a bench script in its own Node process (through tsx), so the measured server does not share an event loop
 * with the clients measuring it. Resolves with the first IPC message the child sends.
 */
export async function spawnChild<Ready>(script: string, arg: unknown, timeoutMs = 60_000): Promise<Child<Ready>> {
  // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") reaches the children, to profile the backend.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", fileURLToPath(new URL(script, import.meta.url)), JSON.stringify(arg)], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.add(child);
  // A failed spawn, or an IPC send to a child that is exiting (EPIPE), is an "error" event: without a listener it
  // would crash the bench. Start-up failures reject `ready` below; later ones only mean the child is gone.
  child.on("error", () => {});
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    // "exit" never comes for a child that could not be spawned.
    child.once("error", () => {
      if (child.pid === undefined) resolve();
    });
  });
  void exited.then(() => children.delete(child));
  const ready = await withTimeout(
    new Promise<Ready>((resolve, reject) => {
      child.once("message", (message) => {
        const m = message as { error?: string };
        if (m.error !== undefined) reject(new Error(`${script}: ${m.error}`));
        else resolve(message as Ready);
      });
      child.once("exit", (code, signal) => reject(new Error(`${script} exited (${code ?? signal}) before it was ready.`)));
      child.once("error", (error) => reject(new Error(`${script}: ${error.message}`)));
    }),
    timeoutMs,
    `${script} to get ready`,
  ).catch((error: unknown) => {
    child.kill("SIGKILL");
    throw error;
  });
  return {
    ready,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The child may be exiting on its own (startup.ts disconnects once it has reported): a failed send is fine.
      if (child.connected) child.send({ type: "stop" }, () => {});
      await withTimeout(exited, 10_000, `${script} to exit`).catch(() => {
        child.kill("SIGKILL");
      });
    },
  };
}

/** Signs `name` in through the local issuer, as the SPA does. */
export async function signIn(url: string, name: string): Promise<string> {
  const res = await fetch(`${url}/polaris/auth/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name }),
  });
  if (!res.ok) throw new Error(`Sign-in at ${url} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** The stock client over a `ws` WebSocket (or `webSocket`, a subclass of it), signed in with `token`. */
export function convexClient(url: string, token: string, webSocket: WebSocketClass = WebSocket): ConvexClient {
  const client = new ConvexClient(url, {
    webSocketConstructor: webSocket as unknown as typeof globalThis.WebSocket,
    unsavedChangesWarning: false,
    logger: false,
  });
  client.setAuth(() => Promise.resolve(token));
  return client;
}

/** The server child's (server.ts) counts so far: its write-ahead-log batches and records, CPU time, socket writes and zlib jobs. */
export function serverStats(server: Child<ServerReady>): Promise<ServerStats> {
  return withTimeout(
    new Promise<ServerStats>((resolve) => {
      const onMessage = (m: unknown) => {
        if ((m as { type?: string }).type !== "stats") return;
        server.process.off("message", onMessage);
        resolve(m as ServerStats);
      };
      server.process.on("message", onMessage);
      server.process.send({ type: "stats" });
    }),
    10_000,
    "the server's counts",
  );
}

/** Opens a plain WebSocket and waits until it is open. */
export function openSocket(url: string): Promise<WebSocket> {
  return withTimeout(
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    }),
    10_000,
    `connecting to ${url}`,
  );
}
