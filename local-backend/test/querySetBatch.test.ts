import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConvexClient } from "convex/browser";
import { anyApi } from "convex/server";
import WebSocket from "ws";
import { startTestBackend, type TestBackend } from "./helpers/backend.js";
import { RawClient, decodeTs } from "./helpers/rawClient.js";

// ModifyQuerySet messages queued back to back are answered together (clientSession.ts): one Transition from the
// version the client held to the last message's newVersion, carrying every added query's result.

let backend: TestBackend | null = null;

afterEach(async () => {
  await backend?.stop();
  backend = null;
});

const add = (queryId: number, name: string) => ({ type: "Add", queryId, udfPath: "messages:counter", args: [{ name }], journal: null });

/** Sends every message in one socket write, so all are queued before the first is handled. */
function sendTogether(raw: RawClient, messages: unknown[]) {
  const socket = (raw.ws as unknown as { _socket: Socket })._socket;
  socket.cork();
  for (const message of messages) raw.send(message);
  socket.uncork();
}

/**
 * `ws` without permessage-deflate: with it, the `ws` client compresses each message on the thread pool and writes
 * it once done, so one burst reaches the server spread over several milliseconds; a browser writes it at once.
 */
class PlainWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols, { perMessageDeflate: false });
  }
}

describe("query set changes queued back to back", () => {
  it("are answered by one Transition reaching the last version, with every added query's result", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    const messages = Array.from({ length: 50 }, (_, i) => ({
      type: "ModifyQuerySet",
      baseVersion: i,
      newVersion: i + 1,
      modifications: [add(i, `c${i}`)],
    }));
    sendTogether(raw, messages);
    const last = await raw.waitFor((m) => m.type === "Transition" && m.endVersion.querySet === 50);
    const transitions = raw.messages.filter((m) => m.type === "Transition");
    expect(transitions).toEqual([last]);
    expect(last.startVersion.querySet).toBe(0);
    expect(last.modifications.map((mod) => [mod.type, mod.queryId]).sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual(
      messages.map((_, i) => ["QueryUpdated", i]),
    );
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("send nothing for a query added and removed in the same batch, and QueryRemoved for one answered before", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [add(1, "kept")] });
    await raw.waitFor((m) => m.type === "Transition" && m.endVersion.querySet === 1);
    sendTogether(raw, [
      { type: "ModifyQuerySet", baseVersion: 1, newVersion: 2, modifications: [add(2, "brief")] },
      { type: "ModifyQuerySet", baseVersion: 2, newVersion: 3, modifications: [{ type: "Remove", queryId: 2 }] },
      { type: "ModifyQuerySet", baseVersion: 3, newVersion: 4, modifications: [{ type: "Remove", queryId: 1 }, add(3, "new")] },
    ]);
    const answer = await raw.waitFor((m) => m.type === "Transition" && m.endVersion.querySet === 4);
    expect(answer.startVersion.querySet).toBe(1);
    expect(answer.modifications.map((mod) => [mod.type, mod.queryId])).toEqual([
      ["QueryRemoved", 1],
      ["QueryUpdated", 3],
    ]);
    expect(raw.messages.filter((m) => m.type === "Transition")).toHaveLength(2);
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("end the connection at a message whose version does not follow the one before it", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    sendTogether(raw, [
      { type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [add(1, "a")] },
      { type: "ModifyQuerySet", baseVersion: 5, newVersion: 6, modifications: [add(2, "b")] },
    ]);
    const fatal = await raw.waitFor((m) => m.type === "FatalError");
    expect(fatal.error).toContain("baseVersion 5 does not match the server's query set version 1");
    expect(raw.messages.filter((m) => m.type === "Transition")).toEqual([]);
    await raw.waitClosed();
  });

  it("keep a mutation between two of them in order: the later change is not answered before the mutation", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    sendTogether(raw, [
      { type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [add(1, "x")] },
      { type: "Mutation", requestId: 0, udfPath: "messages:increment", args: [{ name: "x" }] },
      { type: "ModifyQuerySet", baseVersion: 1, newVersion: 2, modifications: [add(2, "x")] },
    ]);
    const second = await raw.waitFor((m) => m.type === "Transition" && m.endVersion.querySet === 2);
    const order = raw.messages.map((m) => (m.type === "Transition" ? `T${m.endVersion.querySet}` : m.type));
    // The first change is answered with the mutation that followed it (the next test), the second after both.
    expect(order).toEqual(["MutationResponse", "T1", "T2"]);
    expect(second.modifications.find((mod) => mod.queryId === 2)?.value).toBe(1);
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("leave the answer of one followed by mutations to their run: one Transition after every answer, reaching them all", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    // What a reconnecting client sends: every query re-added, then its unanswered mutations.
    sendTogether(raw, [
      { type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [add(1, "r"), add(2, "other")] },
      ...Array.from({ length: 5 }, (_, i) => ({ type: "Mutation", requestId: i, udfPath: "messages:increment", args: [{ name: "r" }] })),
    ]);
    const transition = await raw.waitFor((m) => m.type === "Transition");
    const responses = raw.messages.filter((m) => m.type === "MutationResponse");
    expect(raw.messages.map((m) => m.type)).toEqual([...responses.map(() => "MutationResponse"), "Transition"]);
    expect(responses.map((m) => [m.requestId, m.success])).toEqual(Array.from({ length: 5 }, (_, i) => [i, true]));
    expect(transition.startVersion.querySet).toBe(0);
    expect(transition.endVersion.querySet).toBe(1);
    for (const response of responses) expect(decodeTs(transition.endVersion.ts)).toBeGreaterThanOrEqual(decodeTs(response.ts));
    // The queries ran after the mutations: their first results already hold every increment.
    expect(Object.fromEntries(transition.modifications.map((mod) => [mod.queryId, [mod.type, mod.value]]))).toEqual({
      1: ["QueryUpdated", 5],
      2: ["QueryUpdated", 0],
    });
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("answer a change left to a run whose mutations were all refused", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    sendTogether(raw, [
      { type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [add(1, "z")] },
      { type: "Mutation", requestId: 0, udfPath: "messages:failingMutation", args: [{}] },
    ]);
    const transition = await raw.waitFor((m) => m.type === "Transition");
    expect(raw.messages.map((m) => [m.type, m.success])).toEqual([
      ["MutationResponse", false],
      ["Transition", undefined],
    ]);
    expect(transition.endVersion.querySet).toBe(1);
    expect(transition.modifications.map((mod) => [mod.type, mod.queryId, mod.value])).toEqual([["QueryUpdated", 1, 0]]);
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("give the stock client, reconnecting with a subscription and a mutation, a first result that holds the mutation", async () => {
    backend = await startTestBackend();
    const client = new ConvexClient(backend.url, {
      webSocketConstructor: PlainWebSocket as unknown as typeof globalThis.WebSocket,
      unsavedChangesWarning: false,
      logger: false,
    });
    try {
      const values: number[] = [];
      // Both made before the socket opens: the client sends the subscription, then the mutation, in one burst.
      const first = new Promise<void>((resolve, reject) => {
        client.onUpdate(anyApi.messages.counter, { name: "s" }, (value: number) => {
          values.push(value);
          resolve();
        }, reject);
      });
      await client.mutation(anyApi.messages.increment, { name: "s" });
      await first;
      expect(values).toEqual([1]);
    } finally {
      await client.close();
    }
  });

  it("serve the stock client's burst of subscriptions: each query gets its own result", async () => {
    backend = await startTestBackend();
    const client = new ConvexClient(backend.url, {
      webSocketConstructor: WebSocket as unknown as typeof globalThis.WebSocket,
      unsavedChangesWarning: false,
      logger: false,
    });
    try {
      await client.mutation(anyApi.messages.increment, { name: "c7" });
      const values = await Promise.all(
        Array.from(
          { length: 100 },
          (_, i) =>
            new Promise<number>((resolve, reject) => {
              const stop = client.onUpdate(anyApi.messages.counter, { name: `c${i}` }, (value: number) => {
                stop();
                resolve(value);
              }, reject);
            }),
        ),
      );
      expect(values).toEqual(Array.from({ length: 100 }, (_, i) => (i === 7 ? 1 : 0)));
    } finally {
      await client.close();
    }
  });
});
