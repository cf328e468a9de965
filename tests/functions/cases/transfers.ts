import { describe, expect, it } from "vitest";
import { api, internal } from "../../../convex/_generated/api";
import { TRANSFER_DEAD_AFTER_MS } from "../../../convex/model/transfers";
import { startTransferHookServer } from "../../git/transferHook";
import type { CaseSuite } from "../harness";

// Imports, exports and ZIPs built on the server, through public functions and the action's own steps, on both
// backends. local-backend/test/transfers.test.ts has the cases that need Git servers and large archives.

const HOOK = "POLARIS_TRANSFER_HOOK_URL";

export const transferCases: CaseSuite = (makeHarness) => {
  describe("a run ended as dead", () => {
    it("whose action comes back after a retry started changes nothing of the retry: each step checks its run's attempt", async () => {
      const h = await makeHarness();
      const alice = h.as("alice");
      const projectId = await alice.mutation(api.projects.create, { name: "Late" });
      await alice.mutation(api.files.createFile, { projectId, name: "a.txt", content: "first\n" });
      const zipView = async () => (await alice.query(api.transfers.status, { projectId })).zip?.view;
      const hooks = await startTransferHookServer();
      await h.setEnv(HOOK, hooks.url);
      try {
        // The first run's action is held after reading the files: to the database it looks like one that died there.
        const first = hooks.holdNext((s) => s.step === "files read" && s.attempt === 1);
        await alice.mutation(api.transfers.zipProject, { projectId });
        expect(await first.arrived).toMatchObject({ source: "Late.zip", done: 1, total: 1 });
        const swept = await h.admin.mutation(internal.transfers.sweepDead, { now: Date.now() + TRANSFER_DEAD_AFTER_MS + 1, chain: false });
        expect(swept).toEqual({ ended: 1, done: true });
        expect(await zipView()).toMatchObject({ status: "failed" });

        // The retry, over one more file, is held at the same step; then the first run's action comes back.
        await alice.mutation(api.files.createFile, { projectId, name: "b.txt", content: "second\n" });
        const second = hooks.holdNext((s) => s.step === "files read" && s.attempt === 2);
        const firstEnded = hooks.holdNext((s) => s.step === "ended" && s.attempt === 1);
        await alice.mutation(api.transfers.zipProject, { projectId });
        expect(await second.arrived).toMatchObject({ done: 2, total: 2 });
        const retrying = await zipView();
        expect(retrying).toMatchObject({ status: "running", phase: "reading files", done: 0, total: 2 });
        first.release();
        await firstEnded.arrived;
        firstEnded.release();
        // Its progress, its archive and its end were all refused: the retry's state is as the retry left it.
        expect(await zipView()).toEqual(retrying);

        second.release();
        await h.idle();
        expect(await zipView()).toMatchObject({ status: "completed", message: "Late.zip is ready: 2 files." });
      } finally {
        await h.setEnv(HOOK, null);
        await hooks.close();
      }
    });
  });
};
