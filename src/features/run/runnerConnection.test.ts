// @vitest-environment node
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer, type WebSocket as ServerSocket } from "ws";
import type { ClientMessage, ServerMessage } from "../../../runner/src/protocol";
import { RunnerConnection } from "./runnerConnection";

// Node 20 has no global WebSocket: the browser's API as the `ws` package gives it (the same events and fields).
globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;

// A real WebSocket server speaking the runner's protocol (runner/src/protocol.ts), holding back "ready" until the
// test says so, and recording what the page's connection sends.

const servers: WebSocketServer[] = [];
const connections: RunnerConnection[] = [];
afterEach(async () => {
  for (const c of connections.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function fakeRunner() {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  servers.push(server);
  await new Promise((resolve) => server.once("listening", resolve));
  const received: ClientMessage[] = [];
  let socket: ServerSocket | null = null;
  let onMessage = () => {};
  server.on("connection", (ws) => {
    socket = ws;
    ws.on("message", (data: Buffer) => {
      received.push(JSON.parse(data.toString("utf8")) as ClientMessage);
      onMessage();
    });
  });
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      onMessage = () => done() && resolve();
      onMessage();
    });
  const readyMessage: ServerMessage = {
    t: "ready",
    sandbox: "bwrap",
    terminals: [],
    run: { status: "idle" },
    sync: { status: "idle", entries: 0, problems: [] },
  };
  const ready = () => socket!.send(JSON.stringify(readyMessage));
  const send = (message: ServerMessage) => socket!.send(JSON.stringify(message));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, received, until, ready, send };
}

describe("RunnerConnection", () => {
  it("keeps Run pressed before the runner is ready and sends it once it is, the newest of Run/Stop/Restart winning", async () => {
    const runner = await fakeRunner();
    const connection = new RunnerConnection(runner.url, "project-1", () => Promise.resolve("token"));
    connections.push(connection);
    expect(connection.getSnapshot().status).toBe("connecting");
    connection.stop();
    connection.run();
    await runner.until(() => runner.received.some((m) => m.t === "hello"));
    expect(runner.received.map((m) => m.t)).toEqual(["hello"]);

    runner.ready();
    await runner.until(() => runner.received.length >= 2);
    expect(runner.received.map((m) => m.t)).toEqual(["hello", "run"]);
    expect(connection.getSnapshot().status).toBe("ready");
  });

  it("sends Run only once beforeRun (the browser's changes confirmed) is done, saying it saves meanwhile; Stop cancels a waiting Run", async () => {
    const runner = await fakeRunner();
    const waits: Array<() => void> = [];
    const beforeRun = () => new Promise<void>((resolve) => waits.push(resolve));
    const connection = new RunnerConnection(runner.url, "project-1", () => Promise.resolve("token"), beforeRun);
    connections.push(connection);
    await runner.until(() => runner.received.some((m) => m.t === "hello"));
    const ready = new Promise<void>((resolve) => {
      const off = connection.subscribe(() => {
        if (connection.getSnapshot().status !== "ready") return;
        off();
        resolve();
      });
    });
    runner.ready();
    await ready;

    connection.run();
    expect(connection.getSnapshot().saving).toBe(true);
    await Promise.resolve();
    expect(runner.received.map((m) => m.t)).toEqual(["hello"]);
    waits[0]();
    await runner.until(() => runner.received.length === 2);
    expect(runner.received.map((m) => m.t)).toEqual(["hello", "run"]);
    expect(connection.getSnapshot().saving).toBe(false);

    // Stop while Restart waits: the Restart never goes.
    connection.restart();
    connection.stop();
    expect(connection.getSnapshot().saving).toBe(false);
    await runner.until(() => runner.received.length === 3);
    waits[1]();
    await new Promise((resolve) => setTimeout(resolve, 0));
    connection.run();
    waits[2]();
    await runner.until(() => runner.received.length === 4);
    expect(runner.received.map((m) => m.t)).toEqual(["hello", "run", "stop", "run"]);
  });

  it("tells a refused terminal request (too many terminals) apart from other refusals, so the panel can hand focus back", async () => {
    const runner = await fakeRunner();
    const connection = new RunnerConnection(runner.url, "project-1", () => Promise.resolve("token"));
    connections.push(connection);
    /** Resolves at the connection's next change. */
    const changed = () =>
      new Promise<void>((resolve) => {
        const off = connection.subscribe(() => {
          off();
          resolve();
        });
      });
    await runner.until(() => runner.received.some((m) => m.t === "hello"));
    let next = changed();
    runner.ready();
    await next;

    // A bad frame's answer is a notice only.
    next = changed();
    runner.send({ t: "error", code: "BAD_REQUEST", message: "Bad frame." });
    await next;
    expect(connection.getSnapshot().notice).toBe("Bad frame.");
    expect(connection.getSnapshot().openRefused).toBeUndefined();

    // One terminal opened, the next refused: the refusal is counted.
    connection.openTerminal(80, 24);
    connection.openTerminal(80, 24);
    await runner.until(() => runner.received.filter((m) => m.t === "open").length === 2);
    next = changed();
    runner.send({ t: "terminals", terminals: [{ id: "t1", title: "Terminal 1" }], opened: "t1" });
    await next;
    expect(connection.getSnapshot().openRefused).toBeUndefined();
    const refusal = "This project has 8 terminals open, the most it may have. Close one first.";
    next = changed();
    runner.send({ t: "error", code: "BAD_REQUEST", message: refusal });
    await next;
    expect(connection.getSnapshot().openRefused).toBe(1);
    expect(connection.getSnapshot().notice).toBe(refusal);

    // Nothing is pending any more: a later refusal of something else is not taken for one.
    next = changed();
    runner.send({ t: "error", code: "BAD_REQUEST", message: "Bad frame again." });
    await next;
    expect(connection.getSnapshot().openRefused).toBe(1);
    expect(connection.getSnapshot().notice).toBe("Bad frame again.");
  });
});
