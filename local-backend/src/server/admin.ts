import { existsSync } from "node:fs";
import path from "node:path";
import type { Engine } from "../engine/types.js";

// Start-up work run as the deployment's operator (Engine.runAdmin, as `npx convex run` on Convex cloud).

/**
 * Brings data written by an older convex/ up to date once the functions are loaded: runs
 * `migrations:backfillListings`, then `migrations:backfillNameKeys` and `migrations:moveChangeTexts`, batch by batch until each reports done (each batch one transaction within Convex's
 * limits; the migration is idempotent, so a crash mid-way resumes from the data). Returns how many batches ran.
 */
export async function migrateOnStart(engine: Engine, convexDir: string, log: (line: string) => void): Promise<number> {
  if (!["ts", "js"].some((ext) => existsSync(path.join(convexDir, `migrations.${ext}`)))) return 0;
  let cursor: number | undefined;
  for (let batches = 1; ; batches++) {
    const result = await engine.runAdmin("mutation", "migrations:backfillListings", cursor === undefined ? { chain: false } : { chain: false, cursor });
    if (!result.ok) throw new Error(`The start-up migration migrations:backfillListings failed: ${result.error}`);
    const value = result.value as { done: boolean; cursor?: number };
    if (value.done) {
      if (batches > 1) log(`migrations: file listings backfilled (${batches} batches)`);
      return (
        batches +
        (await runToDone(engine, "migrations:backfillNameKeys", "file name keys set", log)) +
        (await runToDone(engine, "migrations:moveChangeTexts", "change texts moved out of their rows", log))
      );
    }
    cursor = value.cursor;
  }
}

/**
 * Runs a migration batch by batch until it reports done, passing on the cursor a batch returns (one that finds its
 * own remaining rows returns none).
 */
async function runToDone(engine: Engine, name: string, what: string, log: (line: string) => void): Promise<number> {
  let cursor: string | undefined;
  for (let batches = 1; ; batches++) {
    const result = await engine.runAdmin("mutation", name, cursor === undefined ? { chain: false } : { chain: false, cursor });
    if (!result.ok) throw new Error(`The start-up migration ${name} failed: ${result.error}`);
    const value = result.value as { done: boolean; cursor?: string };
    if (value.done) {
      if (batches > 1) log(`migrations: ${what} (${batches} batches)`);
      return batches;
    }
    cursor = value.cursor;
  }
}
