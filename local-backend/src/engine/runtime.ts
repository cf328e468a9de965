import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { formatWithOptions } from "node:util";
import type { Tx } from "./transaction.js";
import type { Identity } from "./types.js";

// The process-wide pieces Convex functions reach through globals: the `Convex` syscall object, and
// Date.now / Math.random / fetch / console, which consult the running function's frame (found with
// AsyncLocalStorage). Outside a function every global behaves exactly as before.

export type FrameKind = "query" | "mutation" | "action";

/** A syscall's arguments: the JSON object Convex's runtime sends (for jsSyscall, the object it passes). */
export type SyscallArgs = Record<string, unknown>;

export interface SyscallHandler {
  syscall(frame: Frame, op: string, args: SyscallArgs): unknown;
  /** A value, or a promise of one (see syscalls.ts). */
  asyncSyscall(frame: Frame, op: string, args: SyscallArgs): unknown;
  jsSyscall(frame: Frame, op: string, args: SyscallArgs): unknown;
}

/** The global `Convex` object Convex's runtime (convex/server) calls into. */
interface ConvexGlobal {
  syscall(op: string, json: string): string;
  /** Awaited by Convex's performAsyncSyscall, so a string answers as a promise of one would. */
  asyncSyscall(op: string, json: string): Promise<string> | string;
  jsSyscall(op: string, args: SyscallArgs): unknown;
}

export interface Frame {
  handler: SyscallHandler;
  kind: FrameKind;
  path: string;
  identity: Identity | null;
  /** Fixed clock for queries and mutations; null in actions (real time). */
  nowMs: number | null;
  rng: (() => number) | null;
  logLines: string[];
  /** Made on first use (requestIdOf): most functions never ask for it. */
  requestId: string | null;
  /** The function's arguments as JSON (they reach Convex's runtime as `[argsJson]`). */
  argsJson: string;
  /** The transaction (queries and mutations); null in actions. */
  tx: Tx | null;
  closed: boolean;
  /** Why the function was ended before it returned (an action past its time limit); its later calls are refused with it. */
  ended?: string;
  /** Set when the function read Date.now() or Math.random(): its answer depends on more than the database. */
  readClock: boolean;
  /** The length of the function's result as the runtime handed it over (JSON), once it returned. */
  resultLength: number;
}

export const als = new AsyncLocalStorage<Frame>();

export const realNow = Date.now.bind(Date);
const realRandom = Math.random.bind(Math);

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * seededRandom, seeded on the first draw: most functions never call Math.random, and the seed hashes their
 * arguments (a save's whole text), so it is computed only for those that do. `seed` must read only values fixed
 * when the frame was made, so the sequence is the one an eager seed gives.
 */
export function lazySeededRandom(seed: () => number): () => number {
  let next: (() => number) | null = null;
  return () => (next ??= seededRandom(seed()))();
}

/** The frame's request id, made on first use. */
export function requestIdOf(frame: Frame): string {
  return (frame.requestId ??= randomUUID());
}

/** The refusal of whatever a function does after it was ended (`Frame.ended`): Convex would have stopped it. */
function endedError(path: string, why: string): Error {
  return new Error(`Convex function ${path} was ended (${why}); nothing it does afterwards reaches the deployment.`);
}

function frameOrThrow(): Frame {
  const frame = als.getStore();
  if (!frame) {
    throw new Error("Convex syscall made outside of a running Convex function (was a promise left running after the function returned?).");
  }
  if (frame.ended !== undefined) throw endedError(frame.path, frame.ended);
  if (frame.closed) {
    throw new Error(`Convex function ${frame.path} has already finished; a syscall from a dangling promise was ignored. Await every ctx call.`);
  }
  return frame;
}

let installed = false;

export function installRuntime() {
  if (installed) return;
  installed = true;
  const convex: ConvexGlobal = {
    syscall(op, json) {
      const frame = frameOrThrow();
      return JSON.stringify(frame.handler.syscall(frame, op, JSON.parse(json) as SyscallArgs) ?? null);
    },
    asyncSyscall(op, json) {
      const frame = frameOrThrow();
      const result = frame.handler.asyncSyscall(frame, op, JSON.parse(json) as SyscallArgs);
      return result instanceof Promise ? result.then((value: unknown) => JSON.stringify(value ?? null)) : JSON.stringify(result ?? null);
    },
    jsSyscall(op, args) {
      const frame = frameOrThrow();
      return frame.handler.jsSyscall(frame, op, args);
    },
  };
  (globalThis as { Convex?: ConvexGlobal }).Convex = convex;

  Date.now = () => {
    const frame = als.getStore();
    if (frame && frame.nowMs !== null) {
      frame.readClock = true;
      return frame.nowMs;
    }
    return realNow();
  };
  Math.random = () => {
    const frame = als.getStore();
    if (frame?.rng) {
      frame.readClock = true;
      return frame.rng();
    }
    return realRandom();
  };
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((...args: Parameters<typeof fetch>) => {
    const frame = als.getStore();
    if (frame && (frame.kind === "query" || frame.kind === "mutation")) {
      throw new Error("Can't use fetch() in queries and mutations. Please consider using an action.");
    }
    if (frame?.ended !== undefined) throw endedError(frame.path, frame.ended);
    return realFetch(...args);
  });

  const levels: ["log" | "info" | "warn" | "error" | "debug", string][] = [
    ["log", "LOG"],
    ["info", "INFO"],
    ["warn", "WARN"],
    ["error", "ERROR"],
    ["debug", "DEBUG"],
  ];
  for (const [method, level] of levels) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      const frame = als.getStore();
      if (frame && !frame.closed) {
        frame.logLines.push(`[${level}] ${formatWithOptions({ colors: false, depth: 4 }, ...args)}`);
        return;
      }
      original(...args);
    };
  }
}
