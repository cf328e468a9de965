import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

// A real Git smart-HTTP server for tests: Debian's `git http-backend` run as a CGI program behind a small Node
// HTTP server on loopback, serving the bare repositories under `root`. Pushes are allowed (http.receivepack).
// With `auth` set, every request without that user and password is answered 401, as a private host would.

export interface GitServer {
  url: string;
  root: string;
  /** The URL of repository `name` ("app.git"). */
  repoUrl(name: string): string;
  /** Requests received, "METHOD /path?query" with the Authorization header's presence. */
  requests: { line: string; authorized: boolean }[];
  auth: { username: string; password: string } | null;
  /**
   * Holds the next request whose "METHOD /path?query" line matches `pattern`: `arrived` resolves when it comes in,
   * and it is answered only after `release()`. Lets a test act while a clone or push is in flight, without sleeps.
   */
  holdNext(pattern: RegExp): { arrived: Promise<void>; release(): void };
  /** The next `count` requests matching `pattern` fail: the connection is dropped ("reset") or answered 503. */
  failNext(pattern: RegExp, count: number, how: "reset" | 503): void;
  close(): Promise<void>;
}

interface Failure {
  pattern: RegExp;
  left: number;
  how: "reset" | 503;
}

interface Hold {
  pattern: RegExp;
  arrive: () => void;
  released: Promise<void>;
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_AUTHOR_NAME: "Test", GIT_AUTHOR_EMAIL: "test@example.com", GIT_COMMITTER_NAME: "Test", GIT_COMMITTER_EMAIL: "test@example.com", GIT_CONFIG_NOSYSTEM: "1", HOME: cwd },
  });
}

async function handle(server: GitServer, holds: Hold[], failures: Failure[], req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? "/", "http://localhost");
  const header = req.headers.authorization;
  let authorized = false;
  if (header?.startsWith("Basic ")) {
    const [user, ...rest] = Buffer.from(header.slice(6), "base64").toString().split(":");
    authorized = server.auth !== null && user === server.auth.username && rest.join(":") === server.auth.password;
  }
  const line = `${req.method} ${url.pathname}${url.search}`;
  server.requests.push({ line, authorized });
  const failure = failures.find((f) => f.left > 0 && f.pattern.test(line));
  if (failure !== undefined) {
    failure.left--;
    if (failure.how === "reset") req.socket.destroy();
    else {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("busy, try again");
    }
    return;
  }
  const hold = holds.findIndex((h) => h.pattern.test(line));
  if (hold >= 0) {
    const [{ arrive, released }] = holds.splice(hold, 1);
    arrive();
    await released;
  }
  if (server.auth !== null && !authorized) {
    res.writeHead(401, { "www-authenticate": 'Basic realm="git"' });
    res.end("authentication required");
    return;
  }
  const child = spawn("git", ["http-backend"], {
    env: {
      ...process.env,
      GIT_PROJECT_ROOT: server.root,
      GIT_HTTP_EXPORT_ALL: "1",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.receivepack",
      GIT_CONFIG_VALUE_0: "true",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      CONTENT_LENGTH: req.headers["content-length"] ?? "",
      HTTP_CONTENT_ENCODING: req.headers["content-encoding"] ?? "",
      GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      REMOTE_USER: "tester",
      REMOTE_ADDR: "127.0.0.1",
    },
  });
  req.pipe(child.stdin);
  const chunks: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => chunks.push(c));
  child.on("close", () => {
    const out = Buffer.concat(chunks);
    const split = out.indexOf("\r\n\r\n");
    const sep = split >= 0 ? split : out.indexOf("\n\n");
    const headText = out.subarray(0, sep).toString();
    const body = out.subarray(sep + (split >= 0 ? 4 : 2));
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of headText.split(/\r?\n/)) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === "status") status = Number(value.split(" ")[0]);
      else headers[key] = value;
    }
    res.writeHead(status, headers);
    res.end(body);
  });
}

/** Starts the server on a free loopback port with an empty root for bare repositories. */
export async function startGitServer(): Promise<GitServer> {
  const root = mkdtempSync(path.join(tmpdir(), "polaris-git-"));
  const holder: { http?: Server } = {};
  const holds: Hold[] = [];
  const failures: Failure[] = [];
  const server: GitServer = {
    url: "",
    root,
    requests: [],
    auth: null,
    repoUrl: (name) => `${server.url}/${name}`,
    holdNext(pattern) {
      let arrive = () => {};
      let release = () => {};
      const arrived = new Promise<void>((resolve) => (arrive = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      holds.push({ pattern, arrive, released });
      return { arrived, release };
    },
    failNext(pattern, count, how) {
      failures.push({ pattern, left: count, how });
    },
    close: async () => {
      await new Promise<void>((resolve) => holder.http?.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  const http = createServer((req, res) => void handle(server, holds, failures, req, res));
  holder.http = http;
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  server.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return server;
}
