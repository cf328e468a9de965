import { crc32 } from "node:zlib";
import { convexToJson, getConvexSize, jsonToConvex, type JSONValue, type Value } from "convex/values";
import { plainJsonStats, shapeError } from "./size.js";
import type { LoadedApp } from "./loader.js";
import { als, lazySeededRandom, realNow, requestIdOf, type Frame, type FrameKind, type SyscallHandler } from "./runtime.js";
import type { Store } from "./store.js";
import type { Tx } from "./transaction.js";
import type { Identity, RunResult } from "./types.js";
import { matchesJson, validateValue, type VJson } from "./validate.js";

// Finding the app's functions by path and invoking them in a frame: arguments and return value validated,
// errors turned into results. Invariants:
// - `invoke` never throws: every failure (bad arguments, a throw in the function, a bad return value) becomes
//   a failed Outcome carrying Convex's message (and a ConvexError's data), so callers decide what a failure means.
// - A frame is closed once its function returns or throws; a syscall from a promise the function left running
//   fails (runtime.ts), so nothing reaches a transaction after it ended.
// - An action still running `actionTimeLimitMs` after it started is ended as Convex ends it: its result is Convex's
//   "Function execution timed out" error, and every call it makes afterwards (ctx.runQuery/runMutation/runAction,
//   the scheduler, storage, fetch) is refused (runtime.ts). In-process code cannot be stopped; it can be cut off.
// - Queries and mutations see a fixed clock and a PRNG seeded from path, arguments and snapshot; actions see
//   the real ones.
// - Internal functions are found only when `allowInternal` (calls from functions, the scheduler, crons).

/** A registered Convex function, as `queryGeneric`/`mutationGeneric`/`actionGeneric` build it. */
export interface Registered {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  isInternal?: boolean;
  invokeQuery?: (args: string) => Promise<string>;
  invokeMutation?: (args: string) => Promise<string>;
  invokeAction?: (requestId: string, args: string) => Promise<string>;
  exportArgs(): string;
  exportReturns(): string;
}

/** The router `httpRouter()` builds, as convex/http.ts exports it. */
interface HttpRouter {
  isRouter?: boolean;
  lookup(path: string, method: string): [{ invokeHttpAction(r: Request): Promise<Response> }, ...unknown[]] | null;
}

export type Kind = "query" | "mutation" | "action";
const KIND_NAMES: Record<Kind, string> = { query: "Query", mutation: "Mutation", action: "Action" };

/** A function's result plus `message`: the error without Convex's "Uncaught ..." prefix, for nested calls. */
export type Outcome = RunResult & { message?: string };

/** An error raised by a called function, carried across syscalls with its ConvexError data. */
export class FunctionError extends Error {
  constructor(
    message: string,
    readonly data: JSONValue | undefined,
  ) {
    super(message);
  }
}

export function errorInfo(e: unknown): { message: string; formatted: string; errorData?: JSONValue } {
  if (typeof e === "object" && e !== null && Symbol.for("ConvexError") in e) {
    const err = e as { message: string; data: unknown; ConvexErrorSymbol?: symbol };
    let data: JSONValue;
    try {
      data =
        err.ConvexErrorSymbol !== undefined && typeof err.data === "string"
          ? (JSON.parse(err.data) as JSONValue)
          : convexToJson((err.data ?? null) as Value);
    } catch {
      data = null;
    }
    return { message: err.message, formatted: `Uncaught ConvexError: ${err.message}`, errorData: data };
  }
  if (e instanceof FunctionError) {
    return { message: e.message, formatted: e.message, ...(e.data !== undefined ? { errorData: e.data } : {}) };
  }
  if (e instanceof Error) return { message: e.message, formatted: `Uncaught ${e.name}: ${e.message}` };
  return { message: String(e), formatted: `Uncaught ${String(e)}` };
}

/** A failed Outcome for an error raised outside the function (resolution, the log). */
export function failure(e: unknown): Outcome {
  const info = errorInfo(e);
  return { ok: false, error: info.formatted, message: info.message, ...(info.errorData !== undefined ? { errorData: info.errorData } : {}), logLines: [] };
}

/** The result as the Engine interface returns it (without the nested-call message). */
export function withoutMessage<T extends Outcome>(out: T): T {
  const copy = { ...out };
  delete copy.message;
  return copy;
}

/** Convex's cap on what one function returns: 16 MiB, measured as Convex measures a value (getConvexSize). */
export const MAX_RETURN_BYTES = 16 << 20;

/**
 * Why Convex would refuse a function's result (`out`, its JSON text, and `value`, parsed): an array over 8,192
 * elements, an object over 1,024 fields, or over 16 MiB; null when it is within the limits. A value's Convex size is
 * at most 9 bytes per character of its JSON (a one-digit number is a 9-byte float64), so a result shorter than a
 * ninth of the cap is not measured.
 */
function returnLimitError(out: string, value: JSONValue): string | null {
  const shape = shapeError(value);
  if (shape) return shape;
  if (out.length * 9 <= MAX_RETURN_BYTES) return null;
  const size = plainJsonStats(value)?.size ?? getConvexSize(jsonToConvex(value));
  return size > MAX_RETURN_BYTES ? `Value is too large (${(size / (1 << 20)).toFixed(2)} MiB > maximum size 16 MiB)` : null;
}

/** A function's name as Convex prints it in errors: "messages:send" is "messages.js:send". */
function convexFunctionName(udfPath: string): string {
  const [module, name = "default"] = udfPath.split(":");
  return `${module.endsWith(".js") ? module : `${module}.js`}:${name}`;
}

/** Convex's limit on an action's run: 10 minutes. */
export const ACTION_TIME_LIMIT_MS = 10 * 60 * 1000;

/** Convex's error for an action ended at its time limit, e.g. "(maximum duration: 600s)". */
export function timedOutMessage(limitMs: number): string {
  const duration = limitMs % 1000 === 0 ? `${limitMs / 1000}s` : `${limitMs}ms`;
  return `Function execution timed out (maximum duration: ${duration})`;
}

export class Functions {
  private validatorCache = new WeakMap<Registered, { args: VJson; returns: VJson | null }>();
  /** The clock query and mutation frames are fixed to (and seed from); tests may fix it. */
  now: () => number = realNow;
  /** How long an action may run (see the invariants above); tests shorten it. */
  actionTimeLimitMs = ACTION_TIME_LIMIT_MS;

  constructor(
    private readonly app: () => LoadedApp,
    private readonly store: Store,
    /** The snapshot new query and mutation frames seed their PRNG from. */
    private readonly snapshotTs: () => bigint,
    private readonly handler: SyscallHandler,
    private readonly log: (line: string) => void,
  ) {}

  /** The registered function at `path` ("module:name", or "module" for the default export), or undefined. */
  find(udfPath: string): Registered | undefined {
    const colon = udfPath.indexOf(":");
    const mod = (colon === -1 ? udfPath : udfPath.slice(0, colon)).replace(/\.(js|ts|jsx|tsx|mjs|cjs)$/, "");
    const name = colon === -1 ? "default" : udfPath.slice(colon + 1);
    return this.app().modules.get(mod)?.[name] as Registered | undefined;
  }

  /** The function at `udfPath` if it is a `kind` the caller may run; throws a FunctionError otherwise. */
  resolve(udfPath: string, kind: Kind, allowInternal: boolean): Registered {
    const fn = this.find(udfPath);
    const isFn = fn !== undefined && (fn.isQuery || fn.isMutation || fn.isAction);
    if (!isFn || (!allowInternal && !fn.isPublic)) {
      throw new FunctionError(
        allowInternal
          ? `Could not find function for '${udfPath}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`
          : `Could not find public function for '${udfPath}'. Did you forget to run \`npx convex dev\` or \`npx convex deploy\`?`,
        undefined,
      );
    }
    const actual: Kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
    if (actual !== kind) {
      throw new FunctionError(`Trying to execute ${udfPath} as ${KIND_NAMES[kind]}, but it is defined as ${KIND_NAMES[actual]}.`, undefined);
    }
    return fn;
  }

  private validators(fn: Registered) {
    let v = this.validatorCache.get(fn);
    if (!v) {
      v = { args: JSON.parse(fn.exportArgs()) as VJson, returns: JSON.parse(fn.exportReturns()) as VJson | null };
      this.validatorCache.set(fn, v);
    }
    return v;
  }

  private resolveIdTable = (id: string) => this.store.tableOfId(id);

  newFrame(kind: FrameKind, udfPath: string, identity: Identity | null, tx: Tx | null, argsJson: string): Frame {
    const nowMs = kind === "action" ? null : this.now();
    const snapshotTs = this.snapshotTs();
    return {
      handler: this.handler,
      kind,
      path: udfPath,
      identity,
      nowMs,
      rng: kind === "action" ? null : lazySeededRandom(() => crc32(`${udfPath}\0${argsJson}\0${snapshotTs}\0${nowMs}`)),
      logLines: [],
      requestId: null,
      argsJson,
      tx,
      closed: false,
      readClock: false,
      resultLength: 0,
    };
  }

  /** Runs a resolved function in `frame`, validating arguments and return value. Never throws. */
  async invoke(fn: Registered, kind: Kind, frame: Frame, args: JSONValue): Promise<Outcome> {
    const { args: argsV, returns: returnsV } = this.validators(fn);
    // Arguments and result are checked in their JSON form (matchesJson); only what that does not show valid is
    // decoded and run through validateValue, which gives the verdict and the message. Both are held to Convex's
    // caps on arrays (8,192 elements) and objects (1,024 fields) first, whatever the validator allows.
    const refuseArgs = (why: string): Outcome => {
      frame.closed = true;
      const message = `ArgumentValidationError: ${why}`;
      return { ok: false, error: message, message, logLines: frame.logLines };
    };
    const argsShape = shapeError(args);
    if (argsShape) return refuseArgs(argsShape);
    if (!matchesJson(argsV, args, this.resolveIdTable)) {
      let decoded: Value;
      try {
        decoded = jsonToConvex(args);
      } catch (e) {
        return refuseArgs(e instanceof Error ? e.message : String(e));
      }
      const argErr = validateValue(argsV, decoded, this.resolveIdTable);
      if (argErr) return refuseArgs(argErr);
    }
    // Registered functions spread the parsed JSON into (ctx, ...args): it is the argument array. The frame holds
    // the arguments' JSON already (newFrame's callers pass JSON.stringify(args)), so they are not serialized again.
    const argsStr = `[${frame.argsJson}]`;
    try {
      const out = await als.run(frame, () =>
        kind === "query" ? fn.invokeQuery!(argsStr) : kind === "mutation" ? fn.invokeMutation!(argsStr) : this.timeLimited(frame, fn.invokeAction!(requestIdOf(frame), argsStr)),
      );
      frame.resultLength = out.length;
      const value = JSON.parse(out) as JSONValue;
      const limitErr = returnLimitError(out, value);
      if (limitErr) {
        const message = `Function ${convexFunctionName(frame.path)} return value invalid: ${limitErr}`;
        return { ok: false, error: message, message, logLines: frame.logLines };
      }
      if (returnsV && !matchesJson(returnsV, value, this.resolveIdTable)) {
        const retErr = validateValue(returnsV, jsonToConvex(value), this.resolveIdTable);
        if (retErr) {
          const message = `ReturnsValidationError: ${retErr}`;
          return { ok: false, error: message, message, logLines: frame.logLines };
        }
      }
      return { ok: true, value, json: out, logLines: frame.logLines };
    } catch (e) {
      const info = errorInfo(e);
      return {
        ok: false,
        error: info.formatted,
        message: info.message,
        ...(info.errorData !== undefined ? { errorData: info.errorData } : {}),
        logLines: frame.logLines,
      };
    } finally {
      frame.closed = true;
      if (frame.tx) frame.tx.streams.clear();
    }
  }

  /**
   * The action's result, or Convex's timeout error once it has run `actionTimeLimitMs`: then the frame is ended, so
   * whatever the action goes on to do is refused, and its own result, when it comes, is dropped.
   */
  private timeLimited(frame: Frame, running: Promise<string>): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        frame.ended = timedOutMessage(this.actionTimeLimitMs);
        frame.closed = true;
        reject(new FunctionError(frame.ended, undefined));
      }, this.actionTimeLimitMs);
      timer.unref();
    });
    running.catch(() => undefined);
    return Promise.race([running, limit]).finally(() => clearTimeout(timer));
  }

  /** Runs an action (no transaction: it reaches the database through ctx.runQuery / ctx.runMutation). */
  async runAction(udfPath: string, args: JSONValue, identity: Identity | null, allowInternal: boolean): Promise<Outcome> {
    let fn: Registered;
    try {
      fn = this.resolve(udfPath, "action", allowInternal);
    } catch (e) {
      return failure(e);
    }
    return this.invoke(fn, "action", this.newFrame("action", udfPath, identity, null, JSON.stringify(args)), args);
  }

  /** Routes a request through convex/http.ts; null when there is no such module or no route matches. */
  async runHttpAction(request: Request, identity: Identity | null): Promise<Response | null> {
    const router = this.app().modules.get("http")?.default as HttpRouter | undefined;
    if (!router || !router.isRouter) return null;
    const url = new URL(request.url);
    const match = router.lookup(url.pathname, request.method);
    if (!match) return null;
    const [endpoint] = match;
    const frame = this.newFrame("action", `http:${request.method} ${url.pathname}`, identity, null, "");
    try {
      return await als.run(frame, () => endpoint.invokeHttpAction(request));
    } catch (e) {
      const info = errorInfo(e);
      this.log(`[engine] HTTP action ${request.method} ${url.pathname} failed: ${info.formatted}`);
      return new Response(info.formatted, { status: 500 });
    } finally {
      frame.closed = true;
      for (const line of frame.logLines) this.log(`[http ${url.pathname}] ${line}`);
    }
  }
}
