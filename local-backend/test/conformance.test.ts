/// <reference types="vite/client" />
import { type ConvexClient } from "convex/browser";
import { afterEach, describe } from "vitest";
import { allSuites } from "../../tests/functions/cases/index.js";
import type { Caller, Harness } from "../../tests/functions/harness.js";
import { PROJECT_CONVEX_DIR, startTestBackend, type TestBackend } from "./helpers/backend.js";

// The function test cases that also run on convex-test (tests/functions/convexTest.test.ts), here against the
// real local backend with the project's own convex/ folder, through the stock client over WebSocket, each
// user signed in through the development issuer.

const started: TestBackend[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((b) => b.stop()));
});

interface UntypedClient {
  query(ref: unknown, args: unknown): Promise<any>;
  mutation(ref: unknown, args: unknown): Promise<any>;
  action(ref: unknown, args: unknown): Promise<any>;
}

/** A fresh backend (own temp data dir) per harness, like convex-test's fresh deployment. */
export async function makeLocalBackendHarness(): Promise<Harness> {
  const backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR });
  started.push(backend);
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
  return {
    as(user?: string): Caller {
      const client = clientFor(user) as unknown as UntypedClient;
      return {
        query: (ref, args) => client.query(ref, args),
        mutation: (ref, args) => client.mutation(ref, args),
        action: (ref, args) => client.action(ref, args),
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
