import { randomBytes } from "node:crypto";
import { InflateRaw } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_FRAME_BYTES } from "../src/server/index.js";
import { startTestBackend, type TestBackend } from "./helpers/backend.js";
import { RawClient } from "./helpers/rawClient.js";

// The server inflates a client's compressed frames on the main thread (server/inflate.ts), not as `ws` does, as
// jobs on libuv's thread pool. Clients here negotiate permessage-deflate; the `ws` client then compresses every
// frame (context takeover), as browsers do.

let backend: TestBackend | null = null;
let restoreTransform: (() => void) | null = null;

afterEach(async () => {
  restoreTransform?.();
  restoreTransform = null;
  await backend?.stop();
  backend = null;
});

/** Counts the chunks and flushes every InflateRaw of this process hands to the thread pool (its stream _transform). */
function countInflateJobs(): { count: number } {
  const counter = { count: 0 };
  const proto = InflateRaw.prototype as unknown as { _transform: (...args: unknown[]) => unknown };
  const original = proto._transform;
  proto._transform = function (this: unknown, ...args: unknown[]) {
    counter.count++;
    return original.apply(this, args);
  };
  restoreTransform = () => {
    delete (InflateRaw.prototype as unknown as { _transform?: unknown })._transform;
  };
  return counter;
}

/** Makes the client's compressor send `payload` as the compressed body of its next frame. */
function sendCompressedBytes(raw: RawClient, payload: Buffer) {
  const pmd = (raw.ws as unknown as { _extensions: Record<string, { compress: (d: unknown, fin: boolean, cb: (e: null, b: Buffer) => void) => void }> })
    ._extensions["permessage-deflate"];
  const compress = pmd.compress.bind(pmd);
  pmd.compress = (_data, _fin, cb) => {
    pmd.compress = compress;
    cb(null, payload);
  };
  raw.send({ type: "Mutation", requestId: 99, udfPath: "messages:send", args: [{ body: "replaced" }] });
}

describe("compressed client frames", () => {
  it("are inflated in order, each against the ones before, without a thread-pool job", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url, { deflate: true });
    raw.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ body: "warm-up" }] });
    await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === 0);
    expect((raw.ws as unknown as { extensions: string }).extensions).toContain("permessage-deflate");

    const jobs = countInflateJobs();
    // Repeats (compressed against the frames before), and one body that inflates to several output chunks.
    const bodies = ["hello", "hello", "hello again", randomBytes(150_000).toString("base64"), "after the long one", "hello"];
    bodies.forEach((body, i) => raw.send({ type: "Mutation", requestId: i + 1, udfPath: "messages:send", args: [{ body }] }));
    for (let i = 0; i < bodies.length; i++) {
      const answer = await raw.waitFor((m) => m.type === "MutationResponse" && m.requestId === i + 1);
      expect(answer).toMatchObject({ success: true, result: bodies[i].length });
    }
    // With no subscription the server's answers go out uncompressed: no inflater of the client ran either.
    expect(jobs.count).toBe(0);
    restoreTransform!();
    restoreTransform = null;

    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 1, udfPath: "messages:list", args: [{}], journal: null }],
    });
    const listed = await raw.waitFor((m) => m.type === "Transition" && m.endVersion.querySet === 1);
    const rows = listed.modifications.find((m) => m.queryId === 1)?.value as { body: string }[];
    expect(rows.map((row) => row.body)).toEqual(["warm-up", ...bodies]);
    raw.close();
  });

  it("close the connection when one inflates past the frame limit or is not deflate data; the server carries on", async () => {
    backend = await startTestBackend();
    const big = await RawClient.connect(backend.url, { deflate: true });
    // A few KiB on the wire, more than MAX_FRAME_BYTES once inflated.
    big.send({ type: "Mutation", requestId: 1, udfPath: "messages:send", args: [{ body: "x".repeat(MAX_FRAME_BYTES) }] });
    // The codes `ws`'s own inflater closes with: 1009 (message too big), 1007 (data not valid).
    expect((await big.waitClosed()).code).toBe(1009);
    expect(big.messages.some((m) => m.type === "MutationResponse")).toBe(false);

    const corrupt = await RawClient.connect(backend.url, { deflate: true });
    sendCompressedBytes(corrupt, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x01, 0x02]));
    expect((await corrupt.waitClosed()).code).toBe(1007);
    expect(corrupt.messages.some((m) => m.type === "MutationResponse")).toBe(false);

    const next = await RawClient.connect(backend.url, { deflate: true });
    next.send({ type: "Mutation", requestId: 1, udfPath: "messages:send", args: [{ body: "still here" }] });
    expect(await next.waitFor((m) => m.type === "MutationResponse" && m.requestId === 1)).toMatchObject({ success: true, result: 10 });
    next.close();
  });
});
