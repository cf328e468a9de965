import { makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { seededRandom } from "../src/engine/runtime.js";
import { ProtocolError, parseClientMessage } from "../src/server/protocol.js";
import { startTestBackend, waitFor, type TestBackend } from "./helpers/backend.js";

// Thousands of malformed and random frames from raw WebSocket clients: each bad client gets an error (or a
// failed response) and nothing else changes: the server stays up, and a stock client connected the whole time
// keeps working without reconnecting.

const list = makeFunctionReference<"query", Record<string, never>, { author: string; body: string }[]>("messages:list");
const send = makeFunctionReference<"mutation", { body: string }, number>("messages:send");

const TYPES = ["Connect", "ModifyQuerySet", "Mutation", "Action", "Authenticate", "Event", "Ping", "Nope", ""];
const PATHS = ["messages:list", "messages:send", "messages:nope", "", ":", "a:b:c", "../../etc:passwd", "messages:echo"];

function frames(rand: () => number, count: number): (string | Buffer)[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const randomValue = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.2) return pick([null, true, false, 0, -1, 1.5, 2 ** 60, "", "x", "\u0000", "💥", NaN]);
    if (r < 0.4) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(depth + 1));
    if (r < 0.6) return { [pick(["$integer", "$bytes", "$float", "a", "type"])]: randomValue(depth + 1) };
    return Math.floor(rand() * 1e6).toString(36);
  };
  const out: (string | Buffer)[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    if (r < 0.1) {
      out.push(Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256))).toString("latin1"));
    } else if (r < 0.15) {
      out.push(Buffer.from([0xff, 0xfe, Math.floor(rand() * 256)]));
    } else if (r < 0.25) {
      out.push(JSON.stringify(randomValue(0)));
    } else if (r < 0.3) {
      out.push('{"type":"Mutation","requestId":1,'.repeat(Math.floor(rand() * 5) + 1));
    } else {
      const msg: Record<string, unknown> = {
        type: pick(TYPES),
        requestId: pick([0, 1, -1, 1.5, "1", null, 2 ** 53]),
        queryId: pick([0, 1, -1, "q"]),
        udfPath: pick([...PATHS, 7, null]),
        args: pick([[{}], [{ body: "fuzz" }], [{ body: 1 }], {}, [], [1], "x", [{ value: { $integer: "bad" } }], undefined]),
        baseVersion: pick([0, 1, 99, -1, "0"]),
        newVersion: pick([1, 2, 0, null]),
        modifications: pick([[], [{ type: "Add", queryId: 0, udfPath: pick(PATHS), args: [{}] }], [{ type: "Remove", queryId: 5 }], "x", [null]]),
        tokenType: pick(["User", "None", "Admin", "Bogus"]),
        value: pick(["a.b.c", "", 5, undefined]),
        sessionId: pick(["s", 5, undefined]),
        connectionCount: pick([0, -1, "x"]),
      };
      for (const key of Object.keys(msg)) if (rand() < 0.3) delete msg[key];
      out.push(JSON.stringify(msg));
    }
  }
  return out;
}

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => {
  await backend.stop();
});

/**
 * Ends every fuzz connection: a well-formed ModifyQuerySet from a query set version no session reaches. The session
 * handles messages in order, so refusing it (a FatalError, then a close) shows that every frame sent before it was
 * handled, with no wait on the clock.
 */
const SENTINEL_VERSION = 1_000_000_000;
const SENTINEL = JSON.stringify({ type: "ModifyQuerySet", baseVersion: SENTINEL_VERSION, newVersion: SENTINEL_VERSION + 1, modifications: [] });

async function fuzzConnection(url: string, batch: (string | Buffer)[]): Promise<{ fatal: string[]; responses: number; sentinelRefused: boolean }> {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/1.48.0/sync`);
  const fatal: string[] = [];
  let responses = 0;
  let sentinelRefused = false;
  ws.on("message", (data) => {
    const msg = JSON.parse((data as Buffer).toString("utf8")) as { type: string; error?: string };
    if (msg.type === "FatalError" && !msg.error?.includes(`baseVersion ${SENTINEL_VERSION} `)) fatal.push(msg.error ?? "");
    else if (msg.type === "FatalError") sentinelRefused = true;
    else responses++;
  });
  const closed = new Promise<void>((resolve) => ws.on("close", () => resolve()));
  ws.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  for (const frame of batch) {
    if (ws.readyState !== WebSocket.OPEN) break;
    ws.send(frame, { binary: Buffer.isBuffer(frame) });
  }
  // A frame of the batch may have closed the connection already (a fatal error); otherwise the sentinel does.
  if (ws.readyState === WebSocket.OPEN) ws.send(SENTINEL);
  await closed;
  return { fatal, responses, sentinelRefused };
}

describe("fuzzing the sync endpoint", () => {
  it("parses or refuses with a ProtocolError every one of 20,000 random frames", () => {
    const rand = seededRandom(7);
    let accepted = 0;
    for (const frame of frames(rand, 20_000)) {
      try {
        parseClientMessage(typeof frame === "string" ? frame : frame.toString("utf8"));
        accepted++;
      } catch (error) {
        expect(error).toBeInstanceOf(ProtocolError);
        expect((error as Error).message.length).toBeGreaterThan(5);
      }
    }
    expect(accepted).toBeGreaterThan(0);
  });

  it("survives thousands of malformed frames, and a well-behaved client keeps working", async () => {
    const witness = backend.client();
    const updates: number[] = [];
    witness.onUpdate(list, {}, (rows) => updates.push(rows.length));
    expect(await witness.mutation(send, { body: "before" })).toBe(6);
    const connectionsBefore = witness.connectionState().connectionCount;

    const rand = seededRandom(20240611);
    let sent = 0;
    let fatalErrors = 0;
    for (let round = 0; round < 60; round++) {
      const batch = frames(rand, 50);
      sent += batch.length;
      const results = await Promise.all([fuzzConnection(backend.url, batch), fuzzConnection(backend.url, frames(rand, 10))]);
      sent += 10;
      for (const r of results) {
        fatalErrors += r.fatal.length;
        for (const error of r.fatal) expect(error.length).toBeGreaterThan(0);
      }
    }
    expect(sent).toBeGreaterThanOrEqual(3000);
    expect(fatalErrors).toBeGreaterThan(50);
    // The sentinel ends a connection that no frame closed (random batches nearly always contain a fatal one).
    expect(await fuzzConnection(backend.url, [])).toEqual({ fatal: [], responses: 0, sentinelRefused: true });

    // A frame over 8 MiB closes that connection only.
    const huge = new WebSocket(`${backend.url.replace(/^http/, "ws")}/api/1.48.0/sync`);
    huge.on("error", () => {});
    await new Promise((r) => huge.once("open", r));
    const code = new Promise<number>((resolve) => huge.on("close", (c) => resolve(c)));
    huge.send("x".repeat(8 * 1024 * 1024 + 10));
    expect(await code).toBe(1009);

    // Non-sync paths refuse the upgrade.
    const wrong = new WebSocket(`${backend.url.replace(/^http/, "ws")}/api/sync-not`);
    await expect(new Promise((resolve, reject) => (wrong.on("open", resolve), wrong.on("error", reject)))).rejects.toThrow(/404/);

    expect(await witness.mutation(send, { body: "after" })).toBe(5);
    const rows = await waitFor<{ author: string; body: string }[]>(
      (cb, onError) => witness.onUpdate(list, {}, cb, onError),
      (r) => r.some((x) => x.body === "after"),
    );
    expect(rows.filter((r) => r.body === "before" || r.body === "after")).toHaveLength(2);
    expect(witness.connectionState().connectionCount).toBe(connectionsBefore);
    const fresh = backend.client();
    expect((await fresh.query(list, {})).some((r) => r.body === "after")).toBe(true);
  });
});
