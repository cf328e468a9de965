import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexClient } from "convex/browser";
import WebSocket from "ws";
import { startBackend, type Backend, type BackendOptions } from "../../src/server/index.js";

/** How the stock client makes its socket: `new (url, protocols)`. */
export type WebSocketClass = new (url: string, protocols?: string | string[]) => WebSocket;

export const FIXTURE_CONVEX_DIR = fileURLToPath(new URL("../fixtures/sync/convex", import.meta.url));
export const PROJECT_CONVEX_DIR = fileURLToPath(new URL("../../../convex", import.meta.url));

export interface TestBackend extends Backend {
  dataDir: string;
  signIn(name: string): Promise<{ token: string; subject: string; name: string; expiresAt: number }>;
  /** `webSocket`: the client's socket class (e.g. a `ws` subclass that counts); `ws` itself by default. */
  client(opts?: { token?: string | (() => Promise<string | null>); onAuthChange?: (ok: boolean) => void; webSocket?: WebSocketClass }): ConvexClient;
  stop(): Promise<void>;
  /** True once stop() has begun: clients may still ask for tokens while their sockets close. */
  closing: boolean;
}

/** The real backend (engine and server) on a fresh temp data dir, running `convexDir` (the sync fixture by default). */
export async function startTestBackend(opts: { convexDir?: string; dataDir?: string } & Partial<BackendOptions> = {}): Promise<TestBackend> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), "polaris-lb-")));
  const logs: string[] = [];
  const backend = await startBackend({
    dataDir,
    convexDir: opts.convexDir ?? FIXTURE_CONVEX_DIR,
    port: 0,
    durable: false,
    log: (line) => logs.push(line),
    ...opts,
  });
  const clients: ConvexClient[] = [];
  return Object.assign(backend, {
    dataDir,
    closing: false,
    async signIn(name: string) {
      const res = await fetch(`${backend.url}/polaris/auth/sign-in`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name }),
      });
      if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { token: string; subject: string; name: string; expiresAt: number };
    },
    client(o: { token?: string | (() => Promise<string | null>); onAuthChange?: (ok: boolean) => void; webSocket?: WebSocketClass } = {}) {
      const client = new ConvexClient(backend.url, {
        webSocketConstructor: (o.webSocket ?? WebSocket) as unknown as typeof globalThis.WebSocket,
        unsavedChangesWarning: false,
        logger: false,
      });
      if (o.token !== undefined) {
        const token = o.token;
        client.setAuth(typeof token === "string" ? () => Promise.resolve(token) : token, o.onAuthChange);
      }
      clients.push(client);
      return client;
    },
    async stop(this: TestBackend) {
      this.closing = true;
      await Promise.all(clients.map((c) => c.close()));
      await backend.close();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  });
}

/** Resolves with the first value `check` accepts among the updates of a subscription. */
export function waitFor<T>(
  subscribe: (cb: (value: T) => void, onError: (e: Error) => void) => () => void,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let unsubscribe: (() => void) | null = null;
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      unsubscribe?.();
      reject(new Error("timed out waiting for a matching update"));
    }, timeoutMs);
    unsubscribe = subscribe(
      (value) => {
        if (done || !check(value)) return;
        done = true;
        clearTimeout(timer);
        queueMicrotask(() => unsubscribe?.());
        resolve(value);
      },
      (error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        reject(error);
      },
    );
    if (done) unsubscribe();
  });
}
