import { createRequire } from "node:module";
import { Socket } from "node:net";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EngineImpl } from "../src/engine/engine.js";
import { ClientSession } from "../src/server/clientSession.js";
import { startTestBackend, type TestBackend } from "./helpers/backend.js";
import { RawClient, decodeTs } from "./helpers/rawClient.js";

// `ws`'s compressor, which its package does not export: the same module instance the server's `ws` loads.
const require = createRequire(import.meta.url);
const PerMessageDeflate: unknown = require(join(dirname(require.resolve("ws/package.json")), "lib", "permessage-deflate.js"));

// The server sends a successful mutation's MutationResponse and the Transition that follows it in one socket
// write (one syscall), MutationResponse first. Observed by recording what each net.Socket write of this process
// carries (server and client share the process; client writes carry "Mutation", never "MutationResponse").

let backend: TestBackend | null = null;
const writes: string[] = [];
type WritevChunks = { chunk: Buffer | string }[];
const originalWritev = Object.getOwnPropertyDescriptor(Socket.prototype, "_writev")!;

function recordSocketWrites() {
  const writev = originalWritev.value as (this: Socket, chunks: WritevChunks, cb: (e?: Error | null) => void) => void;
  Object.defineProperty(Socket.prototype, "_writev", {
    ...originalWritev,
    value(this: Socket, chunks: WritevChunks, cb: (e?: Error | null) => void) {
      writes.push(chunks.map(({ chunk }) => (typeof chunk === "string" ? chunk : chunk.toString("latin1"))).join(""));
      return writev.call(this, chunks, cb);
    },
  });
}

afterEach(async () => {
  Object.defineProperty(Socket.prototype, "_writev", originalWritev);
  writes.length = 0;
  await backend?.stop();
  backend = null;
});

/** The one recorded write holding the MutationResponse of `requestId`. */
function writeWithResponse(requestId: number): string {
  const found = writes.filter((w) => w.includes('"type":"MutationResponse"') && w.includes(`"requestId":${requestId},`));
  expect(found).toHaveLength(1);
  return found[0];
}

/** Subscribes `raw`'s first query set to messages:list as `queryId` and waits for its first result. */
async function subscribeToList(raw: RawClient, queryId: number) {
  raw.send({
    type: "ModifyQuerySet",
    baseVersion: 0,
    newVersion: 1,
    modifications: [{ type: "Add", queryId, udfPath: "messages:list", args: [{}], journal: null }],
  });
  await raw.waitFor((m) => m.type === "Transition" && m.endVersion.querySet === 1);
}

describe("mutation answers", () => {
  it("sends MutationResponse and its Transition in one write, in that order, with and without query updates", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    raw.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ body: "warm-up" }] });
    await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 0);
    recordSocketWrites();

    // No subscription: an empty Transition that only moves the version's ts.
    raw.send({ type: "Mutation", requestId: 1, udfPath: "messages:send", args: [{ body: "first" }] });
    const first = await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 1);
    const firstWrite = writeWithResponse(1);
    expect(firstWrite.indexOf('"type":"Transition"')).toBeGreaterThan(firstWrite.indexOf('"type":"MutationResponse"'));
    const afterFirst = await raw.waitFor((m) => m.type === "Transition", 5000, raw.messages.indexOf(first));
    expect(decodeTs(afterFirst.endVersion.ts)).toBeGreaterThanOrEqual(decodeTs(first.ts));

    // A subscribed query the mutation changes: the Transition carries its new result.
    await subscribeToList(raw, 7);
    raw.send({ type: "Mutation", requestId: 2, udfPath: "messages:send", args: [{ body: "second" }] });
    const second = await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 2);
    const secondWrite = writeWithResponse(2);
    const transitionAt = secondWrite.indexOf('"type":"Transition"');
    expect(transitionAt).toBeGreaterThan(secondWrite.indexOf('"type":"MutationResponse"'));
    expect(secondWrite.slice(transitionAt)).toContain('"body":"second"');
    const afterSecond = await raw.waitFor((m) => m.type === "Transition", 5000, raw.messages.indexOf(second));
    expect(afterSecond.modifications).toContainEqual(expect.objectContaining({ type: "QueryUpdated", queryId: 7 }));
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("sends a Transition without query results uncompressed, in the answer's write, on a connection that negotiated permessage-deflate", async () => {
    // A client that only writes (an import, a script) has no query results to compress: its Transition is only
    // versions. Compressed, it went out in a write of its own once its thread-pool job was done.
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url, { deflate: true });
    raw.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ body: "warm-up" }] });
    await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 0);
    recordSocketWrites();
    raw.send({ type: "Mutation", requestId: 1, udfPath: "messages:send", args: [{ body: "only" }] });
    const answer = await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 1);
    const transition = await raw.waitFor((m) => m.type === "Transition", 5000, raw.messages.indexOf(answer));
    expect(transition.modifications).toEqual([]);
    const write = writeWithResponse(1);
    expect(write.indexOf('"type":"Transition"')).toBeGreaterThan(write.indexOf('"type":"MutationResponse"'));
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("answers mutations queued back to back together: every answer in order, then one Transition covering them", async () => {
    backend = await startTestBackend({ session: { maxHoldMs: 60_000 } });
    const raw = await RawClient.connect(backend.url);
    await subscribeToList(raw, 1);
    const from = raw.messages.length;
    // One socket write carrying ten Mutations (a refused one among them), so all are queued before the first runs.
    const socket = (raw.ws as unknown as { _socket: Socket })._socket;
    socket.cork();
    for (let i = 0; i < 10; i++) {
      if (i === 4) raw.send({ type: "Mutation", requestId: i, udfPath: "messages:failingMutation", args: [{}] });
      else raw.send({ type: "Mutation", requestId: i, udfPath: "messages:send", args: [{ body: `b${i}` }] });
    }
    socket.uncork();
    await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 9);
    const last = raw.messages.findIndex((m, i) => i >= from && m.type === "MutationResponse" && m.requestId === 9);
    await raw.waitFor((m) => m.type === "Transition", 5000, last);
    const after = raw.messages.slice(from);
    // Answers in request order, all before the one Transition, which reaches the latest ts and shows every body.
    expect(after.filter((m) => m.type === "MutationResponse").map((m) => m.requestId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(after.find((m) => m.requestId === 4)).toMatchObject({ success: false });
    const transitions = after.filter((m) => m.type === "Transition");
    expect(transitions).toHaveLength(1);
    expect(after.indexOf(transitions[0])).toBe(10);
    const newest = after.filter((m) => m.type === "MutationResponse" && m.success).reduce((a, m) => (decodeTs(m.ts) > a ? decodeTs(m.ts) : a), 0n);
    expect(decodeTs(transitions[0].endVersion.ts)).toBeGreaterThanOrEqual(newest);
    const listed = transitions[0].modifications.find((mod) => mod.queryId === 1)?.value as { body: string }[];
    expect(listed.map((row) => row.body)).toEqual(["b0", "b1", "b2", "b3", "b5", "b6", "b7", "b8", "b9"]);
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("pipelines mutations queued back to back: their commits share the log's durable writes", async () => {
    // Durable, counting the log's batches (one O_DSYNC write or fdatasync each). The first batch of the burst is
    // held until the engine has nothing left to run: every mutation the session handed over meanwhile is then
    // queued behind it. Waiting for each mutation's commit to be durable before starting the next would give one
    // batch per mutation.
    const batches: number[] = [];
    let holdNext = false;
    let engine: EngineImpl | null = null;
    backend = await startTestBackend({
      durable: true,
      openEngine: async (opts) => {
        engine = new EngineImpl({
          ...opts,
          walHooks: {
            beforeSync: async (records) => {
              batches.push(records);
              if (!holdNext) return;
              holdNext = false;
              await engine!.idle();
            },
          },
        });
        await engine.open();
        return engine;
      },
    });
    const raw = await RawClient.connect(backend.url);
    raw.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ body: "warm-up" }] });
    await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 0);
    batches.length = 0;
    holdNext = true;
    const from = raw.messages.length;
    const socket = (raw.ws as unknown as { _socket: Socket })._socket;
    socket.cork();
    for (let i = 1; i <= 20; i++) raw.send({ type: "Mutation", requestId: i, udfPath: "messages:send", args: [{ body: `p${i}` }] });
    socket.uncork();
    await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 20);
    const after = raw.messages.slice(from);
    expect(after.filter((m) => m.type === "MutationResponse").map((m) => [m.requestId, m.success])).toEqual(
      Array.from({ length: 20 }, (_, i) => [i + 1, true]),
    );
    // Each answer only once its commit was durable: every one of the 20 commits went through a batch first.
    expect(batches.reduce((a, b) => a + b, 0)).toBe(20);
    // The burst arrives in one read or a few: the mutations handed over in one poll phase share a batch (wal.ts
    // starts a batch in the check phase), and the first batch is held until the rest are queued behind it.
    expect(batches.length).toBeLessThanOrEqual(2);
    raw.close();
  });

  it("compresses a run's Transition but not its answers on a connection that negotiated permessage-deflate", async () => {
    // Each compressed frame is a job on libuv's thread pool, which the inflating of the client's next Mutations
    // waits behind (clientSession.ts UNCOMPRESSED): the server compresses one frame per run, not one per answer.
    backend = await startTestBackend({ session: { maxHoldMs: 60_000 } });
    const raw = await RawClient.connect(backend.url, { deflate: true });
    await subscribeToList(raw, 1);
    // The server compresses short frames itself (server/inflate.ts deflateInline), not always through `ws`'s
    // compress: the frames it sent compressed are counted where the client inflates them.
    const proto = (PerMessageDeflate as { prototype: unknown }).prototype as { decompress: (...args: unknown[]) => void; _isServer: boolean };
    const decompress = proto.decompress;
    let serverFrames = 0;
    proto.decompress = function (this: { _isServer: boolean }, ...args: unknown[]) {
      if (!this._isServer) serverFrames++;
      return decompress.apply(this, args);
    };
    try {
      const from = raw.messages.length;
      const socket = (raw.ws as unknown as { _socket: Socket })._socket;
      socket.cork();
      for (let i = 0; i < 10; i++) raw.send({ type: "Mutation", requestId: i, udfPath: "messages:send", args: [{ body: `z${i}` }] });
      socket.uncork();
      await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 9);
      const last = raw.messages.findIndex((m, i) => i >= from && m.type === "MutationResponse" && m.requestId === 9);
      await raw.waitFor((m) => m.type === "Transition", 5000, last);
      const after = raw.messages.slice(from);
      expect(after.filter((m) => m.type === "MutationResponse").map((m) => m.requestId)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const transitions = after.filter((m) => m.type === "Transition");
      expect(transitions.length).toBeGreaterThan(0);
      // The answers arrived whole and in order; only the Transitions went through the compressor.
      expect(serverFrames).toBe(transitions.length);
    } finally {
      proto.decompress = decompress;
      raw.close();
    }
  });

  it("sends a mutation's answer and its compressed Transition in one write on a connection that negotiated permessage-deflate", async () => {
    // `ws` compresses on the thread pool and writes the frame when done: the Transition went out in a write of its
    // own. A short one is compressed at once (server/inflate.ts deflateInline), inside the corked answer.
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url, { deflate: true });
    await subscribeToList(raw, 1);
    raw.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ body: "warm-up" }] });
    await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 0);
    recordSocketWrites();
    raw.send({ type: "Mutation", requestId: 1, udfPath: "messages:send", args: [{ body: "together" }] });
    const answer = await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 1);
    const transition = await raw.waitFor((m) => m.type === "Transition", 5000, raw.messages.indexOf(answer));
    expect(transition.modifications).toContainEqual(expect.objectContaining({ type: "QueryUpdated", queryId: 1 }));
    const write = writeWithResponse(1);
    // After the answer, in the same write: a compressed text frame (FIN, RSV1 and opcode 1: 0xc1), the Transition.
    expect(write.indexOf("\xc1", write.indexOf('"type":"MutationResponse"'))).toBeGreaterThan(0);
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("lets a mutation that arrives while the run's commit becomes durable join the run: one Transition for both", async () => {
    // A browser's burst reaches the server frame by frame (each compressed frame is inflated asynchronously), so the
    // first Mutation of a burst starts alone. Here the second is sent only once the first's commit is waiting to
    // become durable, and the first's durable write is held until the session has queued the second.
    let gate: Promise<void> | null = null;
    let open!: () => void;
    let syncing!: () => void;
    const syncStarted = new Promise<void>((resolve) => (syncing = resolve));
    backend = await startTestBackend({
      durable: true,
      openEngine: async (opts) => {
        const engine = new EngineImpl({
          ...opts,
          walHooks: {
            beforeSync: async () => {
              if (!gate) return;
              syncing();
              await gate;
            },
          },
        });
        await engine.open();
        return engine;
      },
    });
    const queued: boolean[] = [];
    const proto = ClientSession.prototype as unknown as { enqueue: (task: unknown, isMutation?: boolean) => void };
    const enqueue = proto.enqueue;
    proto.enqueue = function (this: unknown, task: unknown, isMutation?: boolean, ...rest: unknown[]) {
      if (isMutation) queued.push(true);
      return (enqueue as (...args: unknown[]) => void).call(this, task, isMutation, ...rest);
    };
    try {
      const raw = await RawClient.connect(backend.url);
      await subscribeToList(raw, 1);
      gate = new Promise<void>((resolve) => (open = resolve));
      const from = raw.messages.length;
      raw.send({ type: "Mutation", requestId: 1, udfPath: "messages:send", args: [{ body: "first" }] });
      await syncStarted;
      raw.send({ type: "Mutation", requestId: 2, udfPath: "messages:send", args: [{ body: "second" }] });
      for (let i = 0; i < 400 && queued.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(queued).toHaveLength(2);
      gate = null;
      open();
      await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 2);
      const last = raw.messages.findIndex((m, i) => i >= from && m.type === "MutationResponse" && m.requestId === 2);
      await raw.waitFor((m) => m.type === "Transition", 5000, last);
      const after = raw.messages
        .slice(from)
        .filter((m) => m.type === "MutationResponse" || m.type === "Transition")
        .map((m) => (m.type === "MutationResponse" ? `response ${m.requestId}` : m.type));
      expect(after).toEqual(["response 1", "response 2", "Transition"]);
      expect(raw.versionErrors).toEqual([]);
      raw.close();
    } finally {
      proto.enqueue = enqueue;
    }
  });

  it("keeps a burst in one run when a refresh is wanted meanwhile: the run's answer re-runs the queries", async () => {
    // The log's first batch is held, so the session waits on its first run's answers while more mutations queue
    // behind it. A reload then wants every query re-run, and one more mutation arrives. A refresh queued between
    // the two queued mutations would split them into two runs, each answered with its own Transition.
    let gate: Promise<void> | null = null;
    let release = () => {};
    backend = await startTestBackend({
      durable: true,
      openEngine: async (opts) => {
        const engine = new EngineImpl({ ...opts, walHooks: { beforeSync: () => gate ?? undefined } });
        await engine.open();
        return engine;
      },
    });
    const raw = await RawClient.connect(backend.url);
    await subscribeToList(raw, 1);
    const session = [...backend.sessions][0] as unknown as { queued: number };
    const queuedNow = session.queued;
    gate = new Promise<void>((resolve) => (release = resolve));
    const mutation = (i: number) => ({ type: "Mutation", requestId: i, udfPath: "messages:send", args: [{ body: `r${i}` }] });
    const socket = (raw.ws as unknown as { _socket: Socket })._socket;
    socket.cork();
    for (let i = 0; i < 3; i++) raw.send(mutation(i));
    socket.uncork();
    // The first run (0–2) waits for the held batch; its last task stays in the queue meanwhile.
    await expect.poll(() => session.queued).toBe(queuedNow + 1);
    raw.send(mutation(3));
    await expect.poll(() => session.queued).toBe(queuedNow + 2);
    await backend.engine.reload();
    const afterReload = session.queued;
    raw.send(mutation(4));
    await expect.poll(() => session.queued).toBe(afterReload + 1);
    gate = null;
    release();
    await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 4);
    const three = raw.messages.findIndex((m) => m.type === "MutationResponse" && m.requestId === 3);
    const four = raw.messages.findIndex((m) => m.type === "MutationResponse" && m.requestId === 4);
    expect(raw.messages.slice(three, four).filter((m) => m.type === "Transition")).toEqual([]);
    const transition = await raw.waitFor((m) => m.type === "Transition", 5000, four);
    const listed = transition.modifications.find((mod) => mod.queryId === 1)?.value as { body: string }[];
    expect(listed.map((row) => row.body)).toEqual(["r0", "r1", "r2", "r3", "r4"]);
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("still answers a failed mutation on its own, with no Transition", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    raw.send({ type: "Mutation", requestId: 0, udfPath: "messages:failingMutation", args: [{}] });
    const response = await raw.waitFor((m) => m.type === "MutationResponse");
    expect(response).toMatchObject({ success: false });
    raw.send({ type: "Mutation", requestId: 1, udfPath: "messages:send", args: [{ body: "after" }] });
    const ok = await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 1);
    await raw.waitFor((m) => m.type === "Transition", 5000, raw.messages.indexOf(ok));
    expect(raw.messages.filter((m) => m.type === "Transition")).toHaveLength(1);
    raw.close();
  });
});
