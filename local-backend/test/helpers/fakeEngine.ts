import { randomUUID } from "node:crypto";
import type { JSONValue } from "convex/values";
import type { Commit, Engine, EngineOptions, Identity, ReadSet, RunResult, WriteSet } from "../../src/engine/types.js";

// A tiny in-memory Engine that mirrors test/fixtures/convex/messages.ts with table-level read and write sets.
// It lets the protocol tests inject delays that the real engine does not have (races between re-runs and
// ModifyQuerySet), while the other tests run the real engine.

type Tables = Map<string, Record<string, JSONValue>[]>;
interface Ctx {
  tables: Tables;
  identity: Identity | null;
  reads: Set<string>;
  writes: Set<string>;
  uploadTokens: Set<string>;
  siteUrl: string;
}
type Fn = { kind: "query" | "mutation" | "action"; run: (ctx: Ctx, args: Record<string, JSONValue>) => JSONValue };

class FunctionFailed extends Error {
  constructor(
    message: string,
    readonly data?: JSONValue,
  ) {
    super(message);
  }
}

const rows = (ctx: Ctx, table: string) => {
  ctx.reads.add(table);
  return ctx.tables.get(table) ?? [];
};
const insert = (ctx: Ctx, table: string, row: Record<string, JSONValue>) => {
  ctx.writes.add(table);
  ctx.tables.set(table, [...(ctx.tables.get(table) ?? []), row]);
};

const FUNCTIONS: Record<string, Fn> = {
  "messages:list": { kind: "query", run: (ctx) => rows(ctx, "messages").map((r) => ({ author: r.author, body: r.body })) },
  "messages:send": {
    kind: "mutation",
    run: (ctx, args) => {
      if (typeof args.body !== "string") throw new FunctionFailed("ArgumentValidationError: body must be a string");
      insert(ctx, "messages", { author: ctx.identity?.name ?? "anonymous", body: args.body });
      return args.body.length;
    },
  },
  "messages:whoami": {
    kind: "query",
    run: (ctx) =>
      ctx.identity === null
        ? null
        : { subject: ctx.identity.subject, name: ctx.identity.name ?? null, issuer: ctx.identity.issuer },
  },
  "messages:counter": {
    kind: "query",
    run: (ctx, args) => (rows(ctx, "counters").find((r) => r.name === args.name)?.value as number | undefined) ?? 0,
  },
  "messages:increment": {
    kind: "mutation",
    run: (ctx, args) => {
      const current = rows(ctx, "counters").filter((r) => r.name !== args.name);
      const value = ((rows(ctx, "counters").find((r) => r.name === args.name)?.value as number | undefined) ?? 0) + 1;
      ctx.writes.add("counters");
      ctx.tables.set("counters", [...current, { name: args.name, value }]);
      return value;
    },
  },
  "messages:failing": {
    kind: "query",
    run: () => {
      throw new FunctionFailed("Uncaught ConvexError: this query always fails", { code: "NOPE", message: "this query always fails" });
    },
  },
  "messages:failingMutation": {
    kind: "mutation",
    run: () => {
      throw new FunctionFailed("Uncaught ConvexError: this mutation always fails", {
        code: "NOPE",
        message: "this mutation always fails",
      });
    },
  },
  "messages:echo": { kind: "action", run: (_ctx, args) => args.value },
  "files:generateUploadUrl": {
    kind: "mutation",
    run: (ctx) => {
      const token = randomUUID();
      ctx.uploadTokens.add(token);
      return `${ctx.siteUrl}/api/storage/upload?token=${token}`;
    },
  },
  "files:url": { kind: "query", run: (ctx, args) => `${ctx.siteUrl}/api/storage/${args.storageId as string}` },
};

export interface FakeEngine extends Engine {
  /** Milliseconds every query run waits before reading (to widen race windows). */
  queryDelayMs: number;
  mutationRuns: number;
}

export function makeFakeEngine(opts: EngineOptions): FakeEngine {
  let tables: Tables = new Map();
  let ts = BigInt(Date.now()) * 1_000_000n;
  const commitListeners = new Set<(c: Commit) => void>();
  const reloadListeners = new Set<() => void>();
  const idempotent = new Map<string, RunResult & { ts: bigint }>();
  const env: Record<string, string> = {};
  const blobs = new Map<string, { bytes: Uint8Array; contentType: string | null; sha256: string }>();
  const uploadTokens = new Set<string>();

  const call = (path: string, kind: Fn["kind"], args: JSONValue, identity: Identity | null) => {
    const fn = FUNCTIONS[path];
    const ctx: Ctx = { tables: new Map(tables), identity, reads: new Set(), writes: new Set(), uploadTokens, siteUrl: opts.siteUrl };
    if (!fn) return { ctx, result: { ok: false as const, error: `Could not find public function for '${path}'`, logLines: [] } };
    if (fn.kind !== kind) {
      return { ctx, result: { ok: false as const, error: `Trying to execute ${path} as ${kind}, but it is defined as ${fn.kind}.`, logLines: [] } };
    }
    try {
      return { ctx, result: { ok: true as const, value: fn.run(ctx, args as Record<string, JSONValue>), logLines: [] } };
    } catch (error) {
      const f = error as FunctionFailed;
      return { ctx, result: { ok: false as const, error: f.message, errorData: f.data, logLines: [] } };
    }
  };

  const engine: FakeEngine = {
    queryDelayMs: 0,
    mutationRuns: 0,
    async runQuery(path, args, identity) {
      if (engine.queryDelayMs > 0) await new Promise((r) => setTimeout(r, engine.queryDelayMs));
      const at = ts;
      const { ctx, result } = call(path, "query", args, identity);
      return { ...result, ts: at, reads: [...ctx.reads] as unknown as ReadSet, journal: null };
    },
    async runMutation(path, args, identity, o) {
      if (o?.idempotencyKey && idempotent.has(o.idempotencyKey)) return idempotent.get(o.idempotencyKey)!;
      engine.mutationRuns++;
      const { ctx, result } = call(path, "mutation", args, identity);
      let out: RunResult & { ts: bigint };
      if (result.ok && ctx.writes.size > 0) {
        tables = ctx.tables;
        ts += 1000n;
        out = { ...result, ts };
        for (const l of commitListeners) l({ ts, writes: [...ctx.writes] as unknown as WriteSet });
      } else {
        out = { ...result, ts };
      }
      if (o?.idempotencyKey && result.ok) idempotent.set(o.idempotencyKey, out);
      return out;
    },
    async runAction(path, args, identity) {
      return call(path, "action", args, identity).result;
    },
    async runHttpAction(request) {
      const url = new URL(request.url);
      if (url.pathname === "/hello") return new Response(`hello ${request.method} anonymous`, { headers: { "Content-Type": "text/plain" } });
      return null;
    },
    invalidates(reads, writes) {
      const r = reads as unknown as string[];
      return (writes as unknown as string[]).some((w) => r.includes(w));
    },
    onCommit(l) {
      commitListeners.add(l);
      return () => commitListeners.delete(l);
    },
    onReload(l) {
      reloadListeners.add(l);
      return () => reloadListeners.delete(l);
    },
    currentTs: () => ts,
    async storeBlob(bytes, contentType) {
      const id = randomUUID();
      blobs.set(id, { bytes, contentType, sha256: id });
      return id;
    },
    async getBlob(id) {
      return blobs.get(id) ?? null;
    },
    consumeUploadToken(token) {
      return uploadTokens.delete(token);
    },
    getEnv: () => ({ ...opts.defaultEnv, ...env }),
    async setEnv(name, value) {
      if (value === null) delete env[name];
      else env[name] = value;
    },
    authProviders() {
      const issuer = { ...opts.defaultEnv, ...env }.POLARIS_LOCAL_AUTH_ISSUER;
      return issuer ? [{ domain: issuer, applicationID: "convex" }] : [];
    },
    async reload() {
      for (const l of reloadListeners) l();
    },
    async close() {},
  };
  return engine;
}
