/// <reference types="vite/client" />
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ConvexClient } from "convex/browser";
import { getFunctionName, type FunctionReference } from "convex/server";
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import { afterEach, describe } from "vitest";
import { allSuites } from "../../tests/functions/cases/index.js";
import type { EngineImpl } from "../src/engine/engine.js";
import { type Admin, type Caller, type Harness, SCALE_FILES } from "../../tests/functions/harness.js";
import { PROJECT_CONVEX_DIR, startTestBackend, type TestBackend } from "./helpers/backend.js";

// The function test cases that also run on convex-test (tests/functions/convexTest.test.ts), here against the
// real local backend with the project's own convex/ folder, through the stock client over WebSocket, each
// user signed in through the development issuer.

const started: TestBackend[] = [];
const dataDirs: string[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((b) => b.stop()));
  await Promise.all(dataDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});


interface UntypedClient {
  query(ref: unknown, args: unknown): Promise<any>;
  mutation(ref: unknown, args: unknown): Promise<any>;
  action(ref: unknown, args: unknown): Promise<any>;
}

/**
 * A fresh backend (own temp data dir) per harness, like convex-test's fresh deployment, with clients that offer
 * compression as browsers do.
 */
export async function makeLocalBackendHarness(): Promise<Harness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "polaris-conformance-"));
  dataDirs.push(dataDir);
  let backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR, dataDir });
  started.push(backend);
  let held = false;
  const clients = new Map<string, ConvexClient>();
  const clientFor = (user: string | undefined): ConvexClient => {
    const key = user ?? "";
    let client = clients.get(key);
    if (!client) {
      client =
        user === undefined
          ? backend.client()
          : backend.client({
              // The stock client may refetch a token while the harness is being torn down (after the server
              // closed its socket); then there is no backend to sign in to, and "no token" is the honest answer.
              token: async () => {
                try {
                  return (await backend.signIn(user)).token;
                } catch (error) {
                  if (backend.closing) return null;
                  throw error;
                }
              },
            });
      clients.set(key, client);
    }
    return client;
  };
  /** Runs an internal function the way `npx convex run` does: by path, without an identity. */
  const runAsOperator = async (kind: "query" | "mutation", ref: FunctionReference<"query" | "mutation", "internal">, args: unknown) => {
    const name = getFunctionName(ref);
    const encoded = convexToJson(args as Value);
    const result = await backend.engine.runAdmin(kind, name, encoded);
    if (!result.ok) throw new Error(`${name}: ${result.error}`);
    return jsonToConvex(result.value);
  };
  const admin: Admin = {
    query: (ref, args) => runAsOperator("query", ref, args),
    mutation: (ref, args) => runAsOperator("mutation", ref, args),
  };
  return {
    admin,
    scaleFiles: SCALE_FILES,
    idle: () => (backend.engine as EngineImpl).idle(),
    holdScheduled(hold) {
      held = hold;
      (backend.engine as EngineImpl).scheduler.hold(hold);
    },
    setEnv: (name, value) => backend.engine.setEnv(name, value),
    async restart() {
      // Clients of the stopped backend are dropped; callers look them up again on their next call.
      const old = backend;
      started.splice(started.indexOf(old), 1);
      await old.stop();
      clients.clear();
      backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR, dataDir });
      // A job due at the start may have run before this; it is one step of its chain like any other.
      (backend.engine as EngineImpl).scheduler.hold(held);
      started.push(backend);
    },
    as(user?: string): Caller {
      const client = () => clientFor(user) as unknown as UntypedClient;
      return {
        query: (ref, args) => client().query(ref, args),
        mutation: (ref, args) => client().mutation(ref, args),
        action: (ref, args) => client().action(ref, args),
      };
    },
    async upload(uploadUrl, bytes, contentType) {
      const res = await fetch(uploadUrl, {
        method: "POST",
        headers: { "Content-Type": contentType },
        body: new Uint8Array(bytes),
      });
      if (!res.ok) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { storageId: string }).storageId;
    },
  };
}

for (const [name, suite] of Object.entries(allSuites)) {
  describe(`local backend: ${name}`, () => suite(makeLocalBackendHarness));
}
