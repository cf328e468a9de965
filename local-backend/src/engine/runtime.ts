import { AsyncLocalStorage } from "node:async_hooks";
import { formatWithOptions } from "node:util";
import type { Identity } from "./types.js";

// The process-wide pieces Convex functions reach through globals: the `Convex` syscall object, and
// Date.now / Math.random / fetch / console, which consult the running function's frame (found with
// AsyncLocalStorage). Outside a function every global behaves exactly as before.

export type FrameKind = "query" | "mutation" | "action";

export interface SyscallHandler {
  syscall(frame: Frame, op: string, args: any): unknown;
  asyncSyscall(frame: Frame, op: string, args: any): Promise<unknown>;
  jsSyscall(frame: Frame, op: string, args: any): unknown;
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
  requestId: string;
  /** The transaction (queries and mutations). Typed by the engine. */
  tx: any;
  closed: boolean;
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

function frameOrThrow(): Frame {
  const frame = als.getStore();
  if (!frame) {
    throw new Error("Convex syscall made outside of a running Convex function (was a promise left running after the function returned?).");
  }
  if (frame.closed) {
    throw new Error(`Convex function ${frame.path} has already finished; a syscall from a dangling promise was ignored. Await every ctx call.`);
  }
  return frame;
}

let installed = false;

export function installRuntime() {
  if (installed) return;
  installed = true;
  (globalThis as any).Convex = {
    syscall(op: string, json: string): string {
      const frame = frameOrThrow();
      return JSON.stringify(frame.handler.syscall(frame, op, JSON.parse(json)) ?? null);
    },
    async asyncSyscall(op: string, json: string): Promise<string> {
      const frame = frameOrThrow();
      return JSON.stringify((await frame.handler.asyncSyscall(frame, op, JSON.parse(json))) ?? null);
    },
    jsSyscall(op: string, args: Record<string, any>): unknown {
      const frame = frameOrThrow();
      return frame.handler.jsSyscall(frame, op, args);
    },
  };

  Date.now = () => {
    const frame = als.getStore();
    return frame && frame.nowMs !== null ? frame.nowMs : realNow();
  };
  Math.random = () => {
    const frame = als.getStore();
    return frame?.rng ? frame.rng() : realRandom();
  };
  const realFetch = globalThis.fetch;
  globalThis.fetch = ((...args: Parameters<typeof fetch>) => {
    const frame = als.getStore();
    if (frame && (frame.kind === "query" || frame.kind === "mutation")) {
      throw new Error("Can't use fetch() in queries and mutations. Please consider using an action.");
    }
    return realFetch(...args);
  });

  const levels: [keyof Console, string][] = [
    ["log", "LOG"],
    ["info", "INFO"],
    ["warn", "WARN"],
    ["error", "ERROR"],
    ["debug", "DEBUG"],
  ];
  for (const [method, level] of levels) {
    const original = (console[method] as (...a: unknown[]) => void).bind(console);
    (console as any)[method] = (...args: unknown[]) => {
      const frame = als.getStore();
      if (frame && !frame.closed) {
        frame.logLines.push(`[${level}] ${formatWithOptions({ colors: false, depth: 4 }, ...args)}`);
        return;
      }
      original(...args);
    };
  }
}
