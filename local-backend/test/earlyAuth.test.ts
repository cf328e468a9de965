import { makeFunctionReference } from "convex/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { AppConvexClient } from "../../src/app/convexClient.js";
import { startTestBackend, type TestBackend } from "./helpers/backend.js";

// The app's Convex client sends the stored token before React renders (src/app/earlyStart.ts) and the auth
// provider's setAuth takes that authentication over (issue 18): against the real backend, over a real socket.

const whoami = makeFunctionReference<"query", Record<string, never>, { subject: string; name: string | null } | null>(
  "messages:whoami",
);

type Sent = { type: string; value?: string; tokenType?: string };

/** A socket recording what the client sends, and (as `{ type: "close" }`) when the client closes it. */
function recordingSocket(sent: Sent[]) {
  return class extends WebSocket {
    override send(data: string) {
      sent.push(JSON.parse(data) as Sent);
      super.send(data);
    }
    override close(code?: number, reason?: string) {
      sent.push({ type: "close" });
      super.close(code, reason);
    }
  } as unknown as typeof globalThis.WebSocket;
}

let backend: TestBackend | null = null;
let client: AppConvexClient | null = null;
afterEach(async () => {
  await client?.close();
  client = null;
  await backend?.stop();
  backend = null;
});

function appClient(url: string, sent: Sent[]) {
  client = new AppConvexClient(url, {
    webSocketConstructor: recordingSocket(sent),
    initialAuthTokenReuse: true,
    unsavedChangesWarning: false,
    logger: false,
  });
  return client;
}

/** The first whoami answer that satisfies `ok`. */
function whoamiUntil(c: AppConvexClient, ok: (value: { name: string | null } | null) => boolean) {
  return new Promise<{ name: string | null } | null>((resolve) => {
    const watch = c.watchQuery(whoami, {});
    const stop = watch.onUpdate(() => {
      const value = watch.localQueryResult();
      if (value !== undefined && ok(value)) {
        stop();
        resolve(value);
      }
    });
  });
}

/** A client that sent the token "not-a-jwt" early, which the server refuses; `fresh` is a valid token of Ada's. */
async function refusedEarly() {
  backend = await startTestBackend();
  const fresh = (await backend.signIn("Ada")).token;
  const sent: Sent[] = [];
  const c = appClient(backend.url, sent);
  c.authenticateEarly("not-a-jwt");
  return { fresh, sent, c, answered: whoamiUntil(c, (v) => v !== null) };
}

const authenticates = (sent: Sent[]) => sent.filter((m) => m.type === "Authenticate" && m.tokenType === "User");

describe("AppConvexClient's early authentication", () => {
  it("sends the stored token once: the provider's setAuth takes it over without a second Authenticate or a new token", async () => {
    backend = await startTestBackend();
    const { token } = await backend.signIn("Ada");
    const sent: Sent[] = [];
    const c = appClient(backend.url, sent);
    c.authenticateEarly(token);
    // The server has answered the early queries before the provider mounts (as on a page, where the socket opens
    // and the first answers arrive while React renders).
    expect(await whoamiUntil(c, (v) => v !== null)).toMatchObject({ name: "Ada" });
    const answers: unknown[] = [];
    const watch = c.watchQuery(whoami, {});
    watch.onUpdate(() => answers.push(watch.localQueryResult()));

    const fetchToken = vi.fn(({ forceRefreshToken }: { forceRefreshToken: boolean }) =>
      forceRefreshToken ? backend!.signIn("Ada").then((s) => s.token) : Promise.resolve(token),
    );
    const changes: boolean[] = [];
    c.setAuth(fetchToken, (ok) => changes.push(ok));

    await vi.waitFor(() => expect(changes).toEqual([true]));
    // A round trip after the takeover: a second Authenticate would have reached the server before this answer.
    expect(await c.query(whoami, {})).toMatchObject({ name: "Ada" });
    expect(authenticates(sent).map((m) => m.value)).toEqual([token]);
    // The server did not run the query again for a new identity (its answer would have come as an update).
    expect(answers).toEqual([]);
    // The stored token is valid: nothing asks for a new one.
    expect(fetchToken.mock.calls.every(([args]) => !args.forceRefreshToken)).toBe(true);
  });

  it("a stored token the server refuses is renewed through the provider's fetcher, once it has taken over", async () => {
    const { fresh, sent, c, answered } = await refusedEarly();
    const changes: boolean[] = [];
    c.setAuth(
      ({ forceRefreshToken }) => Promise.resolve(forceRefreshToken ? fresh : "not-a-jwt"),
      (ok) => changes.push(ok),
    );
    expect(await answered).toMatchObject({ name: "Ada" });
    expect(authenticates(sent).map((m) => m.value)).toEqual(["not-a-jwt", fresh]);
    await vi.waitFor(() => expect(changes.at(-1)).toBe(true));
  });

  it("a token refused before the provider mounts is renewed even when StrictMode sets the auth twice meanwhile", async () => {
    // The interleaving e2e/projects.spec.ts forces on a page: the client has the AuthError, has stopped its socket
    // and waits for the provider's fetcher, when the provider mounts. Under StrictMode that is setAuth, clearAuth
    // (the simulated unmount) and setAuth again; the second used to end the renewal with the socket left stopped.
    const { fresh, sent, c, answered } = await refusedEarly();
    await vi.waitFor(() => expect(sent.map((m) => m.type)).toContain("close"));
    // As the local provider: a renewed token is stored and given from then on.
    let stored = "not-a-jwt";
    const fetchToken = ({ forceRefreshToken }: { forceRefreshToken: boolean }) =>
      Promise.resolve(forceRefreshToken ? (stored = fresh) : stored);
    const first: boolean[] = [];
    const second: boolean[] = [];
    c.setAuth(fetchToken, (ok) => first.push(ok));
    c.clearAuth();
    c.setAuth(fetchToken, (ok) => second.push(ok));
    expect(await answered).toMatchObject({ name: "Ada" });
    await vi.waitFor(() => expect(second).toEqual([true]));
    expect(authenticates(sent).map((m) => m.value)).toEqual(["not-a-jwt", fresh, fresh]);
  });

  it("a later setAuth (another user) authenticates anew", async () => {
    backend = await startTestBackend();
    const ada = (await backend.signIn("Ada")).token;
    const bob = (await backend.signIn("Bob")).token;
    const sent: Sent[] = [];
    const c = appClient(backend.url, sent);
    c.authenticateEarly(ada);
    c.setAuth(() => Promise.resolve(ada));
    expect(await whoamiUntil(c, (v) => v !== null)).toMatchObject({ name: "Ada" });
    c.setAuth(() => Promise.resolve(bob));
    expect(await whoamiUntil(c, (v) => v?.name === "Bob")).toMatchObject({ name: "Bob" });
    expect(authenticates(sent).map((m) => m.value)).toEqual([ada, bob]);
  });

  it("abandonEarlyAuth takes the token back when no provider took it over (the session is gone)", async () => {
    backend = await startTestBackend();
    const { token } = await backend.signIn("Ada");
    const c = appClient(backend.url, []);
    c.authenticateEarly(token);
    expect(await whoamiUntil(c, (v) => v !== null)).toMatchObject({ name: "Ada" });
    c.abandonEarlyAuth();
    expect(await whoamiUntil(c, (v) => v === null)).toBeNull();
  });
});
