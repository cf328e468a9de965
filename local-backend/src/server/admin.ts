import { existsSync } from "node:fs";
import path from "node:path";
import type { JSONValue } from "convex/values";
import type { Engine, RunResult } from "../engine/types.js";

// Running internal functions as the operator, as `npx convex run` does on Convex cloud: for the start-up migration
// below and the function tests' Admin harness. The Engine contract has no such call yet; an engine that offers
// `runAdmin` is used as is, otherwise this reaches the runners the engine's own scheduler and crons use, and
// fails loudly, naming what is missing, when they are not there (the engine is being split into files).

type Kind = "query" | "mutation";

interface AdminEngine {
  runAdmin?(kind: Kind, udfPath: string, args: JSONValue): Promise<RunResult>;
}

interface EngineRunners {
  enqueue<T>(fn: () => Promise<T>): Promise<T>;
  mutationNow(udfPath: string, args: JSONValue, identity: null, allowInternal: boolean): Promise<RunResult & { ts: bigint }>;
  settleMutation(r: RunResult & { ts: bigint }): Promise<RunResult>;
  runQueryInternal(udfPath: string, args: JSONValue, identity: null, allowInternal: boolean): Promise<RunResult>;
}

/** Runs an internal (or public) query or mutation without an identity, as the deployment's operator. */
export async function runInternal(engine: Engine, kind: Kind, udfPath: string, args: JSONValue): Promise<RunResult> {
  const admin = engine as Engine & AdminEngine;
  if (typeof admin.runAdmin === "function") return admin.runAdmin(kind, udfPath, args);
  const runners = engine as unknown as Partial<EngineRunners>;
  if (kind === "query") {
    if (typeof runners.runQueryInternal !== "function") throw new Error("This engine cannot run internal queries (no runAdmin).");
    return runners.runQueryInternal.call(engine, udfPath, args, null, true);
  }
  const { enqueue, mutationNow, settleMutation } = runners;
  if (typeof enqueue !== "function" || typeof mutationNow !== "function" || typeof settleMutation !== "function") {
    throw new Error("This engine cannot run internal mutations (no runAdmin).");
  }
  const out = await enqueue.call<Engine, [() => Promise<RunResult & { ts: bigint }>], Promise<RunResult & { ts: bigint }>>(
    engine,
    () => mutationNow.call(engine, udfPath, args, null, true),
  );
  return settleMutation.call(engine, out);
}

/**
 * Brings data written by an older convex/ up to date once the functions are loaded: runs
 * `migrations:backfillListings` batch by batch until it reports done (each batch one transaction within Convex's
 * limits; the migration is idempotent, so a crash mid-way resumes from the data). Returns how many batches ran.
 */
export async function migrateOnStart(engine: Engine, convexDir: string, log: (line: string) => void): Promise<number> {
  if (!["ts", "js"].some((ext) => existsSync(path.join(convexDir, `migrations.${ext}`)))) return 0;
  let cursor: number | undefined;
  for (let batches = 1; ; batches++) {
    const result = await runInternal(engine, "mutation", "migrations:backfillListings", cursor === undefined ? { chain: false } : { chain: false, cursor });
    if (!result.ok) throw new Error(`The start-up migration migrations:backfillListings failed: ${result.error}`);
    const value = result.value as { done: boolean; cursor?: number };
    if (value.done) {
      if (batches > 1) log(`migrations: file listings backfilled (${batches} batches)`);
      return batches;
    }
    cursor = value.cursor;
  }
}
