import { afterEach, describe, expect, it } from "vitest";
import { timedOutMessage } from "../src/engine/functions.js";
import type { Engine } from "../src/engine/types.js";
import { makeFunctionReference } from "convex/server";
import { err, FIXTURE_CONVEX, ok, open, removeDir, tempDir, waitFor } from "./engineHarness.js";
import { startTestBackend } from "./helpers/backend.js";
import type { OutliveProbe } from "./fixtures/basic/convex/scheduler.js";

// Convex ends an action 10 minutes after it started; the local backend does the same (engine/functions.ts), here
// with a limit of LIMIT_MS. The fixture's action (fixtures/basic/convex/scheduler.ts) writes, then waits at a gate
// the test opens only once the engine has ended it, then tries every kind of call and reports how each went.

const LIMIT_MS = 2_000;

let engine: Engine | null = null;
let dir: string | null = null;
afterEach(async () => {
  await engine?.close();
  if (dir !== null) removeDir(dir);
  engine = dir = null;
  delete (globalThis as { outliveProbe?: OutliveProbe }).outliveProbe;
});

/** Installs the probe the fixture's action reads; `open()` lets it past its gate; `reported` has its outcomes. */
function probe() {
  let open!: () => void;
  let report!: (outcomes: Record<string, string>) => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const reported = new Promise<Record<string, string>>((resolve) => (report = resolve));
  (globalThis as { outliveProbe?: OutliveProbe }).outliveProbe = { gate, report };
  return { open, reported };
}

async function start(): Promise<Engine> {
  dir = tempDir();
  engine = await open(dir, { durable: false, actionTimeLimitMs: LIMIT_MS });
  return engine;
}

const refused = `Convex function scheduler:outlive was ended (${timedOutMessage(LIMIT_MS)}); nothing it does afterwards reaches the deployment.`;

describe("the action time limit", () => {
  it("ends an action past the limit with Convex's error, and refuses every call it makes afterwards", async () => {
    const e = await start();
    const { open: letGo, reported } = probe();
    const result = await e.runAction("scheduler:outlive", {}, null);
    expect(err(result)).toBe("Function execution timed out (maximum duration: 2s)");
    expect(ok(await e.runQuery("scheduler:labels", {}, null))).toEqual(["before the limit"]);

    letGo();
    expect(await reported).toEqual({ runMutation: refused, runQuery: refused, scheduler: refused, fetch: refused });
    expect(ok(await e.runQuery("scheduler:labels", {}, null))).toEqual(["before the limit"]);
  });

  it("marks a scheduled action ended at the limit failed with the same error", async () => {
    const e = await start();
    const { open: letGo, reported } = probe();
    const jobId = ok<string>(await e.runMutation("scheduler:scheduleOutlive", {}, null));
    const state = await waitFor(
      async () => ok<{ kind: string; error?: string } | null>(await e.runQuery("scheduler:jobStateWithError", { id: jobId }, null)),
      (s) => s?.kind === "failed",
      10_000,
    );
    expect(state).toEqual({ kind: "failed", error: timedOutMessage(LIMIT_MS) });
    letGo();
    expect((await reported).runMutation).toBe(refused);
    expect(ok(await e.runQuery("scheduler:labels", {}, null))).toEqual(["before the limit"]);
  });

  it("reaches a client of the backend (startBackend's option) as the action's error", async () => {
    const backend = await startTestBackend({ convexDir: FIXTURE_CONVEX, actionTimeLimitMs: LIMIT_MS });
    try {
      const { open: letGo, reported } = probe();
      const outlive = makeFunctionReference<"action", Record<string, never>, string>("scheduler:outlive");
      await expect(backend.client().action(outlive, {})).rejects.toThrow("Function execution timed out (maximum duration: 2s)");
      letGo();
      expect((await reported).runMutation).toBe(refused);
    } finally {
      await backend.stop();
    }
  });

  it("leaves an action that ends within the limit alone", async () => {
    const e = await start();
    expect(ok(await e.runAction("scheduler:quick", {}, null))).toBe("finished");
    expect(ok(await e.runQuery("scheduler:labels", {}, null))).toEqual(["quick"]);
  });
});
