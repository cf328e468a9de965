// The runner's HTTP server: the WebSocket browsers attach to (RUNNER_WS_PATH), the preview's reverse proxy (any
// request whose Host is a project's secret preview host, HTTP and WebSocket both), and /polaris/runner/health.
import { ConvexHttpClient } from "convex/browser";
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { api } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { ProjectSession, type ProjectConfig } from "./project.js";
import { formatDuration } from "./limits.js";
import { parseClientMessage } from "./messages.js";
import { RUNNER_WS_PATH, type ServerMessage } from "./protocol.js";

export interface RunnerOptions extends Omit<ProjectConfig, "previewUrl" | "log"> {
  port: number;
  host: string;
  /**
   * The preview's address with `{id}` where a project's secret label goes, e.g. "http://{id}.localhost:3211";
   * `{port}` is replaced by the port the runner listens on. Its host must resolve to this runner.
   */
  previewTemplate: string;
  /** Stop a project's processes after this long with no browser attached (ms). */
  idleMs: number;
  log?: (line: string) => void;
}

export interface Runner {
  url: string;
  port: number;
  server: Server;
  sessions: Map<string, ProjectSession>;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1024 * 1024;

export async function startRunner(options: RunnerOptions): Promise<Runner> {
  const log = options.log ?? ((line: string) => console.log(line));
  const sessions = new Map<string, ProjectSession>();
  const idleTimers = new Map<string, NodeJS.Timeout>();
  /** Projects whose processes were stopped for want of a browser, with what to tell the owner when they return. */
  const idleStopped = new Map<string, string>();
  let port = options.port;
  const previewUrl = (label: string) => options.previewTemplate.replaceAll("{id}", label).replaceAll("{port}", String(port));
  const config: ProjectConfig = { ...options, previewUrl, log };

  /** The session a preview Host names, by its secret label (the first label of the host name). */
  const previewSession = (hostHeader: string | undefined): ProjectSession | null => {
    if (!hostHeader) return null;
    const label = hostHeader.split(".")[0]?.toLowerCase() ?? "";
    if (!/^p[0-9a-f]{24}$/.test(label)) return null;
    for (const s of sessions.values()) if (s.previewLabel === label) return s;
    return null;
  };

  const server = createServer((req, res) => {
    const preview = previewSession(req.headers.host);
    if (preview) return proxyHttp(preview, req, res);
    if (req.headers.host?.split(".")[0]?.match(/^p[0-9a-f]{24}$/)) {
      return plain(res, 404, "This preview is not running any more. Press Run in Polaris, then open the preview again.");
    }
    if (req.url === "/polaris/runner/health") {
      res.writeHead(200, { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*" });
      res.end(JSON.stringify({ ok: true, sandbox: options.sandbox }));
      return;
    }
    plain(res, 404, "This is a Polaris runner: open Polaris and use Run or a terminal in a project.");
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on("upgrade", (req, socket, head) => {
    const preview = previewSession(req.headers.host);
    if (preview) return proxyUpgrade(preview, req, socket, head);
    if (new URL(req.url ?? "/", "http://runner.invalid").pathname !== RUNNER_WS_PATH) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    const send = (message: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const refuse = (code: "UNAUTHENTICATED" | "FORBIDDEN" | "BAD_REQUEST" | "UNAVAILABLE", message: string) => {
      send({ t: "error", code, message });
      ws.close(4000, code);
    };
    let session: ProjectSession | null = null;
    let unsubscribe: (() => void) | null = null;
    let helloSeen = false;

    ws.on("message", (raw) => {
      const parsed = parseClientMessage(rawText(raw));
      if ("error" in parsed) {
        // Before hello a bad frame ends the socket; after it the socket stays and the page is told what was wrong.
        if (!session) return refuse("BAD_REQUEST", parsed.error);
        return send({ t: "error", code: "BAD_REQUEST", message: parsed.error });
      }
      const message = parsed.message;
      if (!helloSeen) {
        if (message.t !== "hello") return refuse("BAD_REQUEST", "Say hello first, with a project and a token.");
        helloSeen = true;
        void hello(message.projectId, message.token);
        return;
      }
      if (!session) return; // still checking
      switch (message.t) {
        case "token":
          if (message.token !== "") session.setToken(message.token);
          break;
        case "open": {
          const asked = session;
          void asked.openShell(message.cols, message.rows).then((opened) => {
            if (typeof opened !== "string") send({ t: "error", code: "BAD_REQUEST", message: opened.error });
            else send({ t: "terminals", terminals: asked.snapshot().terminals, opened });
          });
          break;
        }
        case "input":
          session.input(message.term, message.data);
          break;
        case "resize":
          session.resize(message.term, message.cols, message.rows);
          break;
        case "close":
          session.closeTerminal(message.term);
          break;
        case "run":
        case "restart":
          void session.runProject().catch((error: unknown) => log(`run failed: ${(error as Error).message}`));
          break;
        case "stop":
          session.stop();
          break;
        case "hello":
          send({ t: "error", code: "BAD_REQUEST", message: "This socket already said hello; open another socket for another project." });
          break;
      }
    });
    ws.on("close", () => {
      unsubscribe?.();
      if (session && session.listenerCount === 0) scheduleIdle(session);
    });

    async function hello(projectId: string, token: string): Promise<void> {
      if (token === "") return refuse("UNAUTHENTICATED", "Sign in to Polaris to use terminals and Run.");
      // Ownership is the project's own rule: projects.get as this user answers only for the owner.
      const http = new ConvexHttpClient(options.convexUrl, { logger: false });
      http.setAuth(token);
      try {
        await http.query(api.projects.get, { projectId: projectId as Id<"projects"> });
      } catch (error) {
        const text = (error as Error).message;
        if (/UNAUTHENTICATED|not signed in|Unauthenticated|token/i.test(text) && !/NOT_FOUND/.test(text)) {
          return refuse("UNAUTHENTICATED", "Your sign-in was not accepted by the backend. Sign in again, then reopen the project.");
        }
        if (/fetch failed|ECONNREFUSED/i.test(text)) {
          return refuse("UNAVAILABLE", `The runner cannot reach the backend at ${options.convexUrl}.`);
        }
        return refuse("FORBIDDEN", "This project does not exist or belongs to another account: the runner will not open it.");
      }
      if (ws.readyState !== ws.OPEN) return;
      const s = sessionFor(projectId, token);
      if (ws.readyState !== ws.OPEN) {
        if (s.listenerCount === 0) scheduleIdle(s);
        return;
      }
      s.setToken(token);
      clearTimeout(idleTimers.get(projectId));
      session = s;
      unsubscribe = s.subscribe(send);
      send({ t: "ready", sandbox: options.sandbox, ...s.snapshot() });
      for (const replay of s.replays()) if (replay.data !== "") send({ t: "replay", ...replay });
      const stopped = idleStopped.get(projectId);
      if (stopped !== undefined) {
        idleStopped.delete(projectId);
        send({ t: "notice", message: stopped });
      }
    }
  }

  function sessionFor(projectId: string, token: string): ProjectSession {
    const existing = sessions.get(projectId);
    if (existing) return existing;
    // Dormant until a terminal or Run activates it: no Convex subscription, no working copy yet.
    const s = new ProjectSession(projectId, token, config);
    sessions.set(projectId, s);
    return s;
  }

  function scheduleIdle(s: ProjectSession): void {
    clearTimeout(idleTimers.get(s.projectId));
    idleTimers.set(
      s.projectId,
      setTimeout(() => {
        if (s.listenerCount > 0) return;
        idleTimers.delete(s.projectId);
        sessions.delete(s.projectId);
        if (s.materialized) {
          const idle = formatDuration(options.idleMs);
          log(`runner: project ${s.projectId} idle for ${idle}: its processes were stopped.`);
          idleStopped.set(
            s.projectId,
            `No Polaris window had this project open for ${idle}, so the runner stopped its terminals and its Run. Press Run or open a terminal to start again.`,
          );
        }
        void s.dispose();
      }, options.idleMs),
    );
  }

  function proxyHttp(s: ProjectSession, req: IncomingMessage, res: ServerResponse): void {
    const target = s.previewPort();
    if (target === undefined) {
      return plain(res, 502, "The dev server is not running. Press Run in Polaris; the preview shows it once it listens on a port.");
    }
    // A request without a body can be sent again as it was (GET and HEAD: what a page's scripts and styles are).
    const resendable = req.method === "GET" || req.method === "HEAD";
    const send = (again: boolean) => {
      const upstream = httpRequest(
        {
          host: "127.0.0.1",
          port: target,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: `localhost:${target}` },
          // Sent again: on a connection of its own, never on another kept-alive one that may be closing too.
          ...(again ? { agent: false } : {}),
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.statusMessage, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", (error: NodeJS.ErrnoException) => {
        // The dev server closed this kept-alive connection (its keepAliveTimeout) as the request went out on it:
        // Node's documented remedy (http docs, request.reusedSocket) is to send it again on a fresh connection.
        // Answered with the page below instead, a module script of the preview fails and nothing reloads it.
        if (!again && resendable && upstream.reusedSocket && error.code === "ECONNRESET" && !res.headersSent) return send(true);
        if (!res.headersSent) retrying(res, `The dev server on port ${target} did not answer: ${error.message}. This page tries again every ${RETRY_SECONDS} s.`);
        else res.destroy();
      });
      if (resendable) {
        req.resume();
        upstream.end();
      } else req.pipe(upstream);
    };
    send(false);
  }

  function proxyUpgrade(s: ProjectSession, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const target = s.previewPort();
    if (target === undefined) {
      socket.end("HTTP/1.1 502 Bad Gateway\r\n\r\n");
      return;
    }
    const upstream: Socket = connect(target, "127.0.0.1", () => {
      const headers = { ...req.headers, host: `localhost:${target}` };
      let text = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (const [name, value] of Object.entries(headers)) {
        for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) text += `${name}: ${v}\r\n`;
      }
      upstream.write(`${text}\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host;
  return {
    url: `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    server,
    sessions,
    async close() {
      for (const t of idleTimers.values()) clearTimeout(t);
      await Promise.all([...sessions.values()].map((s) => s.dispose()));
      sessions.clear();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** How often the proxy's "did not answer" page reloads itself. */
export const RETRY_SECONDS = 2;

/**
 * A 502 page that reloads itself: the dev server was said to be running but did not answer this request (it is
 * restarting, or between a trial listen and its real one), so the preview must not be left showing this page once
 * the server answers again.
 */
function retrying(res: ServerResponse, text: string): void {
  const escaped = text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  res.writeHead(502, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  res.end(`<!doctype html><meta http-equiv="refresh" content="${RETRY_SECONDS}"><title>Waiting for the dev server</title><p>${escaped}</p>\n`);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
  res.end(`${text}\n`);
}

/** A WebSocket message's text, whatever shape ws delivered it in. */
export function rawText(raw: Buffer | ArrayBuffer | Buffer[]): string {
  return Array.isArray(raw) ? Buffer.concat(raw).toString("utf8") : Buffer.from(raw as ArrayBuffer).toString("utf8");
}
