import { makeFunctionReference } from "convex/server";
import { ConvexError, type Value } from "convex/values";
import { afterEach, describe, expect, it } from "vitest";
import { startTestBackend, waitFor, type TestBackend } from "./helpers/backend.js";
import { RawClient, decodeTs } from "./helpers/rawClient.js";

const list = makeFunctionReference<"query", Record<string, never>, { author: string; body: string }[]>("messages:list");
const send = makeFunctionReference<"mutation", { body: string }, number>("messages:send");
const counter = makeFunctionReference<"query", { name: string }, number>("messages:counter");
const increment = makeFunctionReference<"mutation", { name: string }, number>("messages:increment");
const whoami = makeFunctionReference<"query", Record<string, never>, { subject: string; name: string | null } | null>(
  "messages:whoami",
);
const failing = makeFunctionReference<"query", Record<string, never>, null>("messages:failing");
const failingMutation = makeFunctionReference<"mutation", Record<string, never>, null>("messages:failingMutation");
const echo = makeFunctionReference<"action", { value: Value }, Value>("messages:echo");

let backend: TestBackend | null = null;
afterEach(async () => {
  await backend?.stop();
  backend = null;
});

describe("stock ConvexClient against the local backend", () => {
  it("two clients see each other's writes", async () => {
    backend = await startTestBackend();
    const alice = backend.client({ token: (await backend.signIn("Alice")).token });
    const bob = backend.client({ token: (await backend.signIn("Bob")).token });
    const bobSees = waitFor<{ author: string; body: string }[]>(
      (cb, onError) => bob.onUpdate(list, {}, cb, onError),
      (rows) => rows.some((r) => r.body === "hi from alice"),
    );
    const aliceSees = waitFor<{ author: string; body: string }[]>(
      (cb, onError) => alice.onUpdate(list, {}, cb, onError),
      (rows) => rows.some((r) => r.body === "hi from bob"),
    );
    expect(await alice.mutation(send, { body: "hi from alice" })).toBe(13);
    expect(await bob.mutation(send, { body: "hi from bob" })).toBe(11);
    const rows = await bobSees;
    expect(rows).toContainEqual({ author: "Alice", body: "hi from alice" });
    expect(await aliceSees).toContainEqual({ author: "Bob", body: "hi from bob" });
  });

  it("shows an optimistic update at once and replaces it with the server's result", async () => {
    backend = await startTestBackend();
    const client = backend.client({ token: (await backend.signIn("Carol")).token });
    const seen: { author: string; body: string }[][] = [];
    client.onUpdate(list, {}, (rows) => seen.push(rows));
    await waitFor<{ author: string; body: string }[]>((cb) => client.onUpdate(list, {}, cb), () => true);
    const before = seen.length;
    const pending = client.mutation(
      send,
      { body: "typed" },
      {
        optimisticUpdate: (store, args: { body: string }) => {
          const current = store.getQuery(list, {}) ?? [];
          store.setQuery(list, {}, [...current, { author: "(sending)", body: args.body }]);
        },
      },
    );
    // The optimistic row is there synchronously, before the server answered.
    expect(client.client.localQueryResult("messages:list", {})).toContainEqual({ author: "(sending)", body: "typed" });
    expect(seen.length).toBeGreaterThan(before);
    expect(await pending).toBe(5);
    // Once the mutation resolved, the server's row has replaced the guess.
    const rows = client.client.localQueryResult("messages:list", {}) as { author: string; body: string }[];
    expect(rows).toEqual([{ author: "Carol", body: "typed" }]);
  });

  it("re-sends a mutation whose connection dropped before the answer, and applies it exactly once", async () => {
    let dropped = false;
    backend = await startTestBackend({
      session: {
        afterMutation: (session) => {
          if (!dropped) {
            dropped = true;
            session.terminate();
          }
        },
      },
    });
    const client = backend.client();
    const values: number[] = [];
    client.onUpdate(counter, { name: "drop" }, (v) => values.push(v));
    expect(await client.mutation(increment, { name: "drop" })).toBe(1);
    expect(dropped).toBe(true);
    const other = backend.client();
    expect(await other.query(counter, { name: "drop" })).toBe(1);
    expect(await client.mutation(increment, { name: "drop" })).toBe(2);
    expect(await other.query(counter, { name: "drop" })).toBe(2);
  });

  it("rejects a bad token with an auth error for that client only", async () => {
    backend = await startTestBackend();
    const changes: boolean[] = [];
    const bad = backend.client({ token: "not-a-jwt", onAuthChange: (ok) => changes.push(ok) });
    const good = backend.client({ token: (await backend.signIn("Dave")).token });
    await expect.poll(() => changes, { timeout: 10_000 }).toContain(false);
    expect(changes).not.toContain(true);
    expect(await good.query(whoami, {})).toMatchObject({ name: "Dave" });
    // The rejected client carries on, signed out.
    expect(await bad.query(whoami, {})).toBeNull();
    expect(await bad.mutation(send, { body: "anon" })).toBe(4);
  });

  it("reports a failing query with its ConvexError data, and failed mutations and actions", async () => {
    backend = await startTestBackend();
    const client = backend.client();
    const error = await new Promise<Error>((resolve) => client.onUpdate(failing, {}, () => {}, resolve));
    expect(error).toBeInstanceOf(ConvexError);
    expect((error as ConvexError<{ code: string }>).data.code).toBe("NOPE");
    const mutationError = await client.mutation(failingMutation, {}).catch((e: unknown) => e);
    expect(mutationError).toBeInstanceOf(ConvexError);
    expect((mutationError as ConvexError<{ code: string }>).data.code).toBe("NOPE");
    expect(await client.action(echo, { value: { n: 1n, list: [1, "two"] } })).toEqual({ n: 1n, list: [1, "two"] });
    await expect(client.query(makeFunctionReference<"query">("messages:nope"), {})).rejects.toThrow(/nope/);
  });
});

describe("sync protocol details (raw WebSocket)", () => {
  it("answers a mutation first, then a Transition reaching its ts even when no query changed", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    raw.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ body: "x" }] });
    const response = await raw.waitFor((m) => m.type === "MutationResponse");
    expect(response).toMatchObject({ success: true, result: 1 });
    const responseIndex = raw.messages.indexOf(response);
    const transition = await raw.waitFor((m) => m.type === "Transition", 5000, responseIndex);
    expect(decodeTs(transition.endVersion.ts)).toBeGreaterThanOrEqual(decodeTs(response.ts));
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("reports clock skew as the stock client defines it: client time minus server time", async () => {
    backend = await startTestBackend();
    // A client whose clock runs a minute ahead (the stock client's monotonic clock can be ahead like this).
    const raw = await RawClient.connect(backend.url, { clientTs: Date.now() + 60_000 });
    raw.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ body: "x" }] });
    const transition = await raw.waitFor((m) => m.type === "Transition");
    expect(transition.clientClockSkew).toBeGreaterThan(50_000);
    expect(transition.clientClockSkew).toBeLessThan(70_000);
    raw.close();
  });

  it("sends the clock fields on a connection's first Transition and when the identity changes, and leaves them off the rest", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    const transitionAfter = async (from: number) => raw.waitFor((m) => m.type === "Transition", 5000, from);
    raw.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ body: "x" }] });
    const first = await transitionAfter(0);
    expect(first.clientClockSkew).toEqual(expect.any(Number));
    expect(first.serverTs).toEqual(expect.any(Number));
    let from = raw.messages.length;
    raw.send({ type: "Mutation", requestId: 1, udfPath: "messages:send", args: [{ body: "y" }] });
    const second = await transitionAfter(from);
    expect("clientClockSkew" in second || "serverTs" in second).toBe(false);
    // The stock client schedules its token's refresh from the skew on the Transition that confirms the token.
    from = raw.messages.length;
    const { token } = await backend.signIn("ada");
    raw.send({ type: "Authenticate", tokenType: "User", value: token, baseVersion: raw.version.identity });
    const confirmed = await transitionAfter(from);
    expect(confirmed.endVersion.identity).toBe(confirmed.startVersion.identity + 1);
    expect(confirmed.clientClockSkew).toEqual(expect.any(Number));
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("sends a query's journal with its first result and not again while it is unchanged", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [{ type: "Add", queryId: 0, udfPath: "messages:list", args: [{}] }] });
    const updateOf = (m: { type: string; modifications?: { type: string; queryId: number }[] }) =>
      m.type === "Transition" && m.modifications!.some((u) => u.type === "QueryUpdated" && u.queryId === 0);
    const first = await raw.waitFor(updateOf);
    expect(first.modifications[0]).toMatchObject({ type: "QueryUpdated", value: [], journal: null });
    const from = raw.messages.length;
    raw.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ body: "x" }] });
    const second = await raw.waitFor(updateOf, 5000, from);
    // The stock client keeps the journal it holds when an update has none (local_state.ts transition).
    expect(second.modifications[0]).toMatchObject({ type: "QueryUpdated", value: [{ body: "x" }] });
    expect("journal" in second.modifications[0]).toBe(false);
    expect(raw.versionErrors).toEqual([]);
    raw.close();
  });

  it("keeps versions consistent while query-set changes race with re-runs after commits", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    const writer = await RawClient.connect(backend.url);
    let querySet = 0;
    for (let i = 0; i < 40; i++) {
      raw.send({
        type: "ModifyQuerySet",
        baseVersion: querySet,
        newVersion: querySet + 1,
        modifications: [{ type: "Add", queryId: i, udfPath: "messages:list", args: [{}] }],
      });
      querySet++;
      writer.send({ type: "Mutation", requestId: i, udfPath: "messages:send", args: [{ body: `m${i}` }] });
      if (i % 3 === 0) {
        raw.send({ type: "ModifyQuerySet", baseVersion: querySet, newVersion: querySet + 1, modifications: [{ type: "Remove", queryId: i }] });
        querySet++;
      }
      // Every fifth round, the commit lands before the next changes are sent (an event, not a pause), so re-runs
      // after commits and query-set changes interleave both ways.
      if (i % 5 === 0) await writer.waitFor((m) => m.type === "MutationResponse" && m.requestId === i);
    }
    await raw.waitFor((m) => m.type === "Transition" && m.endVersion.querySet === querySet);
    await writer.waitFor((m) => m.type === "MutationResponse" && m.requestId === 39);
    // Every still-subscribed query ends up showing all 40 messages.
    const latest = () => {
      const values = new Map<number, unknown[]>();
      for (const m of raw.messages) {
        if (m.type !== "Transition") continue;
        for (const mod of m.modifications as { type: string; queryId: number; value?: unknown[] }[]) {
          if (mod.type === "QueryUpdated") values.set(mod.queryId, mod.value!);
          if (mod.type === "QueryRemoved") values.delete(mod.queryId);
        }
      }
      return values;
    };
    await expect.poll(() => latest().get(38)?.length, { timeout: 10_000 }).toBe(40);
    expect(latest().get(1)?.length).toBe(40);
    expect(latest().has(39)).toBe(false);
    expect(raw.versionErrors).toEqual([]);
    expect(writer.versionErrors).toEqual([]);
    expect(raw.closed).toBeNull();
    raw.close();
    writer.close();
  });

  it("finds the subscriptions a commit changes through the read index, comparing few read sets however many there are", async () => {
    backend = await startTestBackend();
    // Two connections with 100 counters each, and one on the counter written below.
    const names = Array.from({ length: 200 }, (_, i) => `counter-${String(i).padStart(4, "0")}-of-a-long-subscribed-list`);
    const clients = [await RawClient.connect(backend.url), await RawClient.connect(backend.url)];
    for (const [c, raw] of clients.entries()) {
      raw.send({
        type: "ModifyQuerySet",
        baseVersion: 0,
        newVersion: 1,
        modifications: names.slice(c * 100, c * 100 + 100).map((name, i) => ({ type: "Add", queryId: i, udfPath: "messages:counter", args: [{ name }] })),
      });
      await raw.waitFor((m) => m.type === "Transition" && m.endVersion.querySet === 1);
    }
    expect(backend.subscriptions.index.size).toBe(200);
    const writer = await RawClient.connect(backend.url);
    const before = backend.subscriptions.index.comparisons;
    const from = clients.map((raw) => raw.messages.length);
    writer.send({ type: "Mutation", requestId: 1, udfPath: "messages:increment", args: [{ name: names[137] }] });
    const updated = await clients[1].waitFor((m) => m.type === "Transition" && m.modifications.length > 0, 5000, from[1]);
    expect(updated.modifications).toEqual([expect.objectContaining({ type: "QueryUpdated", queryId: 37, value: 1 })]);
    // The commit's keys were compared with the one read set filed under their prefix, not with all 200.
    expect(backend.subscriptions.index.comparisons - before).toBeLessThanOrEqual(2);
    await writer.waitFor((m) => m.type === "MutationResponse" && m.requestId === 1);
    for (const raw of [...clients, writer]) raw.close();
  });

  it("sends Ping frames on an idle connection", async () => {
    backend = await startTestBackend({ session: { pingIntervalMs: 50 } });
    const raw = await RawClient.connect(backend.url);
    await raw.waitFor((m) => m.type === "Ping", 5000);
    raw.close();
  });

  it("rejects a ModifyQuerySet with a stale baseVersion with a FatalError to that client", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    raw.send({ type: "ModifyQuerySet", baseVersion: 5, newVersion: 6, modifications: [] });
    const fatal = await raw.waitFor((m) => m.type === "FatalError");
    expect(fatal.error).toMatch(/baseVersion 5 does not match/);
    await raw.waitClosed();
  });

  it("dedupes a re-sent mutation by session and request id", async () => {
    backend = await startTestBackend();
    const sessionId = crypto.randomUUID();
    const first = await RawClient.connect(backend.url, { sessionId });
    first.send({ type: "Mutation", requestId: 7, udfPath: "messages:increment", args: [{ name: "dedupe" }] });
    const r1 = await first.waitFor((m) => m.type === "MutationResponse");
    first.close();
    const second = await RawClient.connect(backend.url, { sessionId });
    second.send({ type: "Mutation", requestId: 7, udfPath: "messages:increment", args: [{ name: "dedupe" }] });
    const r2 = await second.waitFor((m) => m.type === "MutationResponse");
    expect(r2.result).toBe(r1.result);
    expect(r2.ts).toBe(r1.ts);
    second.send({ type: "Mutation", requestId: 8, udfPath: "messages:increment", args: [{ name: "dedupe" }] });
    expect((await second.waitFor((m) => m.type === "MutationResponse" && m.requestId === 8)).result).toBe(2);
    second.close();
  });
});

describe("sync hardening", () => {
  it("replays a re-sent mutation only for the same user and function", async () => {
    backend = await startTestBackend();
    const sessionId = crypto.randomUUID();
    const mutate = async (token: string | null, udfPath: string, args: Record<string, unknown>) => {
      const raw = await RawClient.connect(backend!.url, { sessionId });
      if (token) raw.send({ type: "Authenticate", tokenType: "User", value: token, baseVersion: 0 });
      raw.send({ type: "Mutation", requestId: 1, udfPath, args: [args] });
      const response = await raw.waitFor((m) => m.type === "MutationResponse");
      raw.close();
      return response.result;
    };
    const alice = (await backend.signIn("Alice")).token;
    const bob = (await backend.signIn("Bob")).token;
    expect(await mutate(alice, "messages:increment", { name: "replay" })).toBe(1);
    // Alice's reconnect is answered from the first run.
    expect(await mutate(alice, "messages:increment", { name: "replay" })).toBe(1);
    // Bob (or anyone) reusing her session and request ids runs his own mutation.
    expect(await mutate(bob, "messages:increment", { name: "replay" })).toBe(2);
    expect(await mutate(null, "messages:increment", { name: "replay" })).toBe(3);
    // So does another function under the same ids.
    expect(await mutate(alice, "messages:send", { body: "four" })).toBe(4);
    const other = backend.client();
    expect(await other.query(counter, { name: "replay" })).toBe(3);
  });

  it("answers subscriptions past the per-connection limit with QueryFailed, and refuses a flood with FatalError", async () => {
    backend = await startTestBackend();
    const raw = await RawClient.connect(backend.url);
    const add = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ type: "Add", queryId: from + i, udfPath: "messages:counter", args: [{ name: `q${from + i}` }] }));
    raw.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: add(0, 1001) });
    const first = await raw.waitFor((m) => m.type === "Transition" && m.endVersion.querySet === 1, 30_000);
    const mods = first.modifications as { type: string; queryId: number; errorMessage?: string }[];
    expect(mods.filter((m) => m.type === "QueryUpdated")).toHaveLength(1000);
    const failed = mods.filter((m) => m.type === "QueryFailed");
    expect(failed.map((m) => m.queryId)).toEqual([1000]);
    expect(failed[0].errorMessage).toMatch(/Too many subscriptions on one connection: at most 1000/);

    // Removing one makes room; the connection carries on.
    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 1,
      newVersion: 2,
      modifications: [{ type: "Remove", queryId: 1000 }, { type: "Remove", queryId: 0 }, ...add(2000, 1)],
    });
    const second = await raw.waitFor((m) => m.type === "Transition" && m.endVersion.querySet === 2);
    expect(second.modifications).toContainEqual(expect.objectContaining({ type: "QueryUpdated", queryId: 2000, value: 0 }));

    raw.send({ type: "ModifyQuerySet", baseVersion: 2, newVersion: 3, modifications: add(3000, 1001) });
    const fatal = await raw.waitFor((m) => m.type === "FatalError", 30_000);
    expect(fatal.error).toMatch(/Too many subscriptions/);
    await raw.waitClosed();
    expect(raw.versionErrors).toEqual([]);
  });

  it("signs out a stock client whose new token is refused instead of keeping the previous user", async () => {
    backend = await startTestBackend();
    const changes: boolean[] = [];
    const client = backend.client({ token: (await backend.signIn("Alice")).token, onAuthChange: (ok) => changes.push(ok) });
    expect(await client.query(whoami, {})).toMatchObject({ name: "Alice" });
    client.setAuth(() => Promise.resolve("not-a-jwt"), (ok) => changes.push(ok));
    await expect.poll(() => changes, { timeout: 10_000 }).toContain(false);
    await expect.poll(async () => await client.query(whoami, {}), { timeout: 10_000 }).toBeNull();
    expect(await client.mutation(send, { body: "anonymous now" })).toBe(13);
  });
});
