import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { PROJECT_CONVEX_DIR, startTestBackend, type TestBackend } from "../../local-backend/test/helpers/backend.js";
import { RUNNER_WS_PATH, type ClientMessage, type ServerMessage } from "../src/protocol.js";
import { findBwrap } from "../src/sandbox.js";
import { rawText, startRunner, type Runner, type RunnerOptions } from "../src/server.js";

export interface Harness {
  backend: TestBackend;
  runner: Runner;
  workRoot: string;
  logs: string[];
  stop(): Promise<void>;
}

export async function startHarness(overrides: Partial<RunnerOptions> = {}): Promise<Harness> {
  const backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR });
  const { runner, workRoot, logs } = await startRunnerFor(backend, overrides);
  return {
    backend,
    runner,
    workRoot,
    logs,
    async stop() {
      await runner.close();
      await backend.stop();
      await rm(workRoot, { recursive: true, force: true });
    },
  };
}

/** Another runner (its own working root) against `backend`, for options the shared one does not have. */
export async function startRunnerFor(
  backend: TestBackend,
  overrides: Partial<RunnerOptions> = {},
): Promise<{ runner: Runner; workRoot: string; logs: string[]; stop(): Promise<void> }> {
  const workRoot = await mkdtemp(path.join(tmpdir(), "polaris-runner-"));
  const bwrap = findBwrap();
  if (!bwrap) throw new Error("These tests need bubblewrap (bwrap): .ci/run installs it.");
  const logs: string[] = [];
  const runner = await startRunner({
    convexUrl: backend.url,
    port: 0,
    host: "127.0.0.1",
    workRoot,
    previewTemplate: "http://{id}.localhost:{port}",
    idleMs: 60_000,
    installTimeoutMs: 60_000,
    portTimeoutMs: 30_000,
    maxTerminals: 4,
    sandbox: "bwrap",
    bwrap,
    log: (line) => logs.push(line),
    ...overrides,
  });
  return {
    runner,
    workRoot,
    logs,
    async stop() {
      await runner.close();
      await rm(workRoot, { recursive: true, force: true });
    },
  };
}

/** A browser's side of the runner socket: every message kept, waits resolved by messages (no timers). */
export class TestSocket {
  readonly messages: ServerMessage[] = [];
  readonly output = new Map<string, string>();
  private waiters: Array<() => void> = [];
  closed = false;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (raw) => {
      const message = JSON.parse(rawText(raw)) as ServerMessage;
      this.messages.push(message);
      if (message.t === "output" || message.t === "replay") {
        this.output.set(message.term, (this.output.get(message.term) ?? "") + message.data);
      }
      this.wake();
    });
    ws.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  static async open(runner: Runner, hello?: { projectId: string; token: string }): Promise<TestSocket> {
    const ws = new WebSocket(`${runner.url.replace("http", "ws")}${RUNNER_WS_PATH}`);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const socket = new TestSocket(ws);
    if (hello) socket.send({ t: "hello", ...hello });
    return socket;
  }

  send(message: ClientMessage): void {
    this.ws.send(JSON.stringify(message));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves with the first message (already received or coming) that `match` accepts. */
  async next<T extends ServerMessage>(match: (m: ServerMessage) => m is T, from?: number): Promise<T>;
  async next(match: (m: ServerMessage) => boolean, from?: number): Promise<ServerMessage>;
  async next(match: (m: ServerMessage) => boolean, from = 0): Promise<ServerMessage> {
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      if (this.closed) throw new Error(`socket closed; messages: ${JSON.stringify(this.messages).slice(0, 2000)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves once terminal `term` has printed text matching `pattern`. */
  async outputMatching(term: string, pattern: RegExp): Promise<string> {
    for (;;) {
      const text = this.output.get(term) ?? "";
      if (pattern.test(text)) return text;
      if (this.closed) throw new Error(`socket closed; ${term} printed: ${text}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves once the runner (or this side) closed the socket. */
  async whenClosed(): Promise<void> {
    while (!this.closed) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once("close", () => resolve());
      this.ws.close();
    });
  }
}

export const isReady = (m: ServerMessage): m is Extract<ServerMessage, { t: "ready" }> => m.t === "ready";
export const isError = (m: ServerMessage): m is Extract<ServerMessage, { t: "error" }> => m.t === "error";
export const isOpened = (m: ServerMessage): m is Extract<ServerMessage, { t: "terminals" }> => m.t === "terminals" && m.opened !== undefined;

