import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Duplex } from "node:stream";
import { WebSocketServer, type PerMessageDeflateOptions } from "ws";
import { LocalIssuer } from "../auth/localIssuer.js";
import { TokenVerifier, type JwksPolicy } from "../auth/verify.js";
import { openEngine } from "../engine/index.js";
import type { Engine, EngineOptions } from "../engine/types.js";
import { createSiteHandler } from "../site.js";
import { createHttpHandler, hostAllowed, originAllowed } from "./http.js";
import { ClientSession, type SessionContext } from "./clientSession.js";
import { deflateInline, inflateInline } from "./inflate.js";
import { Subscriptions } from "./subscriptions.js";
import { CommitHistory } from "./commitHistory.js";

export const MAX_FRAME_BYTES = 8 * 1024 * 1024;
export const LOCAL_ISSUER_ENV = "POLARIS_LOCAL_AUTH_ISSUER";
const SYNC_PATH = /^\/api\/[^/]+\/sync$/;
/** How long a request that arrives while the backend starts waits for it before a 503 with Retry-After. */
export const STARTUP_WAIT_MS = 30_000;

/**
 * permessage-deflate (RFC 7692) on the sync socket, for clients that offer it (Chromium, Firefox and the `ws`
 * client do). A streamed answer is many small Transitions that repeat everything but the new text (versions,
 * query ids, field names), so with context takeover (each frame compressed against the connection's earlier ones,
 * the RFC's default, kept on both sides) the wire carries little more than the text: bench/ai measures both.
 * - threshold 0: every message is compressed; a streamed write's frame is a few hundred bytes, far below `ws`'s
 *   default of 1 KiB, and even a short frame is mostly a repeat of the one before.
 * - A 4 KiB window (windowBits 12, about ten streamed Transitions back) and memLevel 5 bound what each connection
 *   holds for its compressor: zlib documents its deflate state as at most 2^(windowBits+2) + 2^(memLevel+9)
 *   bytes, 32 KiB here against 256 KiB with zlib's defaults (15, 8); bench/ai measures what a connection holds
 *   (docs/benchmarks.md, "AI"). A client that asks
 *   for a smaller server window than 12 bits is refused by `ws` (no browser asks). The client's own window is
 *   left to it: capping it makes `ws` refuse every client that does not offer client_max_window_bits, so a client
 *   that compresses what it sends costs the server an inflater of up to 2^15 bytes of window besides.
 * - concurrencyLimit 2: compression of a message longer than DEFLATE_INLINE_MAX_BYTES runs on libuv's thread pool
 *   (4 threads), which the engine's durable writes share; `ws` queues the rest, in order per connection.
 * Shorter messages are compressed on the main thread at once, and the client's frames inflated as they are read
 * (server/inflate.ts). Frames go out in order; a pooled one is its own socket write (compression is asynchronous),
 * so ClientSession.sendTogether joins in one write the frames sent as they are and the short compressed ones.
 */
export const SYNC_DEFLATE: PerMessageDeflateOptions = {
  threshold: 0,
  serverMaxWindowBits: 12,
  zlibDeflateOptions: { memLevel: 5 },
  concurrencyLimit: 2,
};

export interface BackendOptions {
  dataDir: string;
  convexDir: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Required to bind anything but loopback: anyone who can reach the port can sign in as anyone. */
  allowRemote?: boolean;
  /**
   * The URL other machines reach this backend at (e.g. http://192.168.1.5:3210): storage and upload URLs and
   * `url` are built on it. Default: the bound address, or 127.0.0.1 when bound to every interface.
   */
  publicUrl?: string;
  /** fsync every commit (default true). */
  durable?: boolean;
  log?: (line: string) => void;
  /** Opens the engine; the real one by default. Tests may pass a fake. */
  openEngine?: (opts: EngineOptions) => Promise<Engine>;
  /** The built web app to serve on the backend's own origin (`npm start`); see ../site.ts. */
  siteDir?: string;
  /** Settles when the build in `siteDir` is ready; requests wait for it as they wait for the engine. */
  siteReady?: Promise<unknown>;
  /** The runner's URL, written into the served page beside the backend's (`npm start` starts one). */
  runnerUrl?: string;
  /** How remote key sets of auth providers are cached (jose's defaults: 30 s cooldown, 10 min age); tests shorten it. */
  jwks?: JwksPolicy;
  /** How long an action may run before it is ended (EngineOptions.actionTimeLimitMs: Convex's 10 minutes by default). */
  actionTimeLimitMs?: number;
  /** Test hooks for the client sessions (the sync protocol). */
  session?: Pick<SessionContext, "afterMutation" | "pingIntervalMs" | "maxHoldMs">;
}

export interface Backend {
  /** Base URL, e.g. http://127.0.0.1:3210 (or the public URL): give it to ConvexClient / ConvexHttpClient. */
  url: string;
  /** The address the server listens on, reachable from this machine (127.0.0.1 when bound to every interface). */
  localUrl: string;
  /** Issuer of the development tokens: fixed per data dir (see auth/localIssuer.ts). */
  issuer: LocalIssuer;
  engine: Engine;
  sessions: ReadonlySet<ClientSession>;
  /** The connections' subscribed read sets (tests count what a commit compares). */
  subscriptions: Subscriptions;
  close(): Promise<void>;
}

export const isLoopbackHost = (host: string) =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);

async function loadOrCreateSecret(file: string): Promise<string> {
  try {
    const value = (await readFile(file, "utf8")).trim();
    if (value.length >= 32) {
      await chmod(file, 0o600);
      return value;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const value = randomBytes(32).toString("hex");
  await writeFile(file, value, { mode: 0o600 });
  return value;
}

const isWildcardHost = (host: string) => host === "0.0.0.0" || host === "::" || host === "[::]";

/** Checks a --public-url: an http(s) origin, nothing after it; returns it without a trailing slash. */
export function normalizePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`The public URL ${JSON.stringify(raw)} is not a URL: use one like http://192.168.1.5:3210.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`The public URL ${JSON.stringify(raw)} must start with http:// or https://.`);
  }
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new Error(`The public URL ${JSON.stringify(raw)} must be only scheme, host and port, like http://192.168.1.5:3210.`);
  }
  return url.origin;
}

export const adminKeyFile = (dataDir: string) => path.join(dataDir, "admin_key");
export const serverInfoFile = (dataDir: string) => path.join(dataDir, "server.json");

/** Starts the HTTP + WebSocket server and the engine on `dataDir`, running the functions of `convexDir`. */
export async function startBackend(options: BackendOptions): Promise<Backend> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopbackHost(host) && !options.allowRemote) {
    throw new Error(`Refusing to listen on ${host}: anyone on the network could sign in as anyone. Pass --allow-remote to do it anyway.`);
  }
  const log = options.log ?? ((line: string) => console.log(line));
  const publicUrl = options.publicUrl === undefined ? null : normalizePublicUrl(options.publicUrl);
  const dataDir = path.resolve(options.dataDir);
  const convexDir = path.resolve(options.convexDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const adminKey = await loadOrCreateSecret(adminKeyFile(dataDir));

  let engine: Engine | null = null;
  let issuer: LocalIssuer;
  const sessions = new Set<ClientSession>();

  const server = createServer({ requestTimeout: 0, headersTimeout: 60_000 });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: SYNC_DEFLATE });

  // Requests can arrive as soon as the port is open, before the engine is: every one is held until startup ends
  // (then served), or answered 503 with Retry-After if startup takes longer than STARTUP_WAIT_MS or fails.
  let finishStartup!: (ok: boolean) => void;
  const started = new Promise<boolean>((resolve) => (finishStartup = resolve));
  const whenStarted = () =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), STARTUP_WAIT_MS);
      void started.then((ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
    });
  let handleRequest: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  let handleUpgrade: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (handleRequest) return handleRequest(req, res);
    log(`[server] ${req.method} ${req.url} arrived while starting: held until the engine is open`);
    void whenStarted().then((ok) => {
      if (ok && handleRequest) return handleRequest(req, res);
      res.writeHead(503, { "Content-Type": "application/json", "Retry-After": "1", Connection: "close" });
      res.end(JSON.stringify({ code: "BackendStarting", message: "The backend is still starting. Try again in a moment." }));
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node removes its own error listener before 'upgrade': without one, a peer that resets the connection while
    // a refusal is written raises ECONNRESET as an uncaught exception and stops the whole backend.
    socket.on("error", () => socket.destroy());
    if (handleUpgrade) return handleUpgrade(req, socket, head);
    log(`[server] WebSocket ${req.url} arrived while starting: held until the engine is open`);
    void whenStarted().then((ok) => {
      if (ok && handleUpgrade) return handleUpgrade(req, socket, head);
      socket.end("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 3210, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const localUrl = `http://${isWildcardHost(host) ? "127.0.0.1" : urlHost}:${address.port}`;
  const url = publicUrl ?? localUrl;
  if (publicUrl === null && isWildcardHost(host)) {
    log(
      `WARNING: listening on every interface, but storage and upload URLs point at ${localUrl}, which only this ` +
        "machine can reach. Pass --public-url http://<this machine's address>:<port> (or set POLARIS_PUBLIC_URL).",
    );
  }

  try {
    issuer = await LocalIssuer.open(dataDir, url);
    engine = await (options.openEngine ?? openEngine)({
      dataDir,
      convexDir,
      siteUrl: url,
      durable: options.durable ?? true,
      defaultEnv: { [LOCAL_ISSUER_ENV]: issuer.issuer },
      log,
      ...(options.actionTimeLimitMs !== undefined ? { actionTimeLimitMs: options.actionTimeLimitMs } : {}),
    });
    await options.siteReady;
  } catch (error) {
    // Requests held during startup are answered 503 (with Connection: close) before the server closes.
    finishStartup(false);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
    await engine?.close();
    throw error;
  }
  const theEngine = engine;
  const theIssuer = issuer;
  const theVerifier = new TokenVerifier(() => theEngine.authProviders(), theIssuer, fetch, options.jwks);

  const subscriptions = new Subscriptions(theEngine.newReadIndex());
  const sessionContext: SessionContext = { engine: theEngine, subscriptions, verifier: theVerifier, log, ...options.session };
  // Subscribed in the same step as reading the ts it covers from, so no commit falls between the two.
  const history = new CommitHistory(theEngine.currentTs());
  const unsubscribeCommit = theEngine.onCommit((commit) => {
    history.record(commit);
    subscriptions.onCommit(commit.writes);
  });
  const unsubscribeReload = theEngine.onReload(() => {
    for (const session of sessions) session.onReload();
  });

  const allowRemote = options.allowRemote === true;
  const site = options.siteDir === undefined ? undefined : createSiteHandler(options.siteDir, url, options.runnerUrl);
  handleRequest = createHttpHandler({ engine: () => engine, history, verifier: theVerifier, issuer: theIssuer, adminKey, allowRemote, log, site });
  handleUpgrade = (req, socket, head) => {
    const pathname = new URL(req.url ?? "/", "http://backend.invalid").pathname;
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!SYNC_PATH.test(pathname)) return refuse("404 Not Found");
    // Browsers send Origin on WebSocket handshakes; a page of another site must not drive the local backend.
    if (!hostAllowed(req, allowRemote) || !originAllowed(req.headers.origin, allowRemote)) return refuse("403 Forbidden");
    wss.handleUpgrade(req, socket, head, (ws) => {
      inflateInline(ws);
      deflateInline(ws);
      const session = new ClientSession(ws, sessionContext);
      sessions.add(session);
      ws.on("close", () => sessions.delete(session));
    });
  };
  finishStartup(true);

  // `polaris env` reaches the running backend through this file, from this machine: the local URL.
  await writeFile(serverInfoFile(dataDir), JSON.stringify({ url: localUrl, pid: process.pid }), { mode: 0o600 });

  let closing: Promise<void> | null = null;
  return {
    url,
    localUrl,
    issuer: theIssuer,
    engine: theEngine,
    sessions,
    subscriptions,
    close() {
      closing ??= (async () => {
        unsubscribeCommit();
        unsubscribeReload();
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await theEngine.close();
        await rm(serverInfoFile(dataDir), { force: true });
      })();
      return closing;
    },
  };
}
