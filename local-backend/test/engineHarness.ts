import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { JSONValue } from "convex/values";
import { openEngine } from "../src/engine/index.js";
import type { Engine, EngineOptions, RunResult } from "../src/engine/types.js";

export const FIXTURE_CONVEX = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "basic", "convex");
export const SITE_URL = "http://127.0.0.1:3999";

export function tempDir(prefix = "polaris-engine-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export async function open(dataDir: string, extra: Partial<EngineOptions> = {}): Promise<Engine> {
  return openEngine({ dataDir, convexDir: FIXTURE_CONVEX, siteUrl: SITE_URL, log: () => undefined, ...extra });
}

export function removeDir(dir: string) {
  rmSync(dir, { recursive: true, force: true });
}

/** The value of a successful result; fails the test with the function's error otherwise. */
export function ok<T = JSONValue>(result: RunResult): T {
  if (!result.ok) throw new Error(`function failed: ${result.error}`);
  return result.value as T;
}

export function err(result: RunResult): string {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

export async function waitFor<T>(probe: () => Promise<T>, accept: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (accept(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
