import { describe, expect, it } from "vitest";
import { als, installRuntime, lazySeededRandom, requestIdOf, seededRandom, type Frame, type SyscallHandler } from "../src/engine/runtime.js";

// Convex's runtime reaches the engine through the global `Convex.asyncSyscall(op, json)`, which its
// performAsyncSyscall awaits inside a try. The engine answers a database operation with the JSON string itself, not
// a promise of it (runtime.ts, syscalls.ts): no async function and its promises around every ctx.db call. An
// operation that is asynchronous still answers with a promise; a refusal throws where it is called.

interface ConvexGlobal {
  asyncSyscall(op: string, json: string): Promise<string> | string;
}

function frameWith(handler: Partial<SyscallHandler>): Frame {
  return {
    handler: handler as SyscallHandler,
    kind: "mutation",
    path: "test:fn",
    identity: null,
    nowMs: 0,
    rng: null,
    logLines: [],
    requestId: "r",
    argsJson: "{}",
    tx: null,
    closed: false,
    readClock: false,
    resultLength: 0,
  };
}

describe("Convex.asyncSyscall", () => {
  installRuntime();
  const convex = (globalThis as unknown as { Convex: ConvexGlobal }).Convex;

  it("answers a synchronous operation with its JSON at once, and an asynchronous one with a promise of it", async () => {
    const frame = frameWith({
      asyncSyscall: (_f, op, args) => (op === "1.0/get" ? { _id: args.id, n: 1 } : Promise.resolve({ later: true })),
    });
    const now = als.run(frame, () => convex.asyncSyscall("1.0/get", JSON.stringify({ id: "abc" })));
    expect(now).toBe(JSON.stringify({ _id: "abc", n: 1 }));
    const later = als.run(frame, () => convex.asyncSyscall("1.0/actions/query", "{}"));
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toBe(JSON.stringify({ later: true }));
  });

  it("throws a refusal where it is called, which an awaiting caller's try catches as before", async () => {
    const frame = frameWith({
      asyncSyscall: () => {
        throw new Error("insert() needs an object");
      },
    });
    const call = async () => {
      try {
        return await als.run(frame, () => convex.asyncSyscall("1.0/insert", "{}"));
      } catch (e) {
        return `caught: ${(e as Error).message}`;
      }
    };
    expect(await call()).toBe("caught: insert() needs an object");
  });
});

describe("a frame's lazily made values", () => {
  it("draws the sequence of the eagerly seeded generator, computing the seed once and only at the first draw", () => {
    let seeds = 0;
    const lazy = lazySeededRandom(() => {
      seeds++;
      return 42;
    });
    expect(seeds).toBe(0);
    const eager = seededRandom(42);
    const drawn = [lazy(), lazy(), lazy()];
    expect(drawn).toEqual([eager(), eager(), eager()]);
    expect(seeds).toBe(1);
  });

  it("gives a frame one request id, made when first asked for", () => {
    const frame = { ...frameWith({}), requestId: null };
    const id = requestIdOf(frame);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(frame)).toBe(id);
    expect(frame.requestId).toBe(id);
  });
});
