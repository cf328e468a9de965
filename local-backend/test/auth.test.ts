import { readFileSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { SignJWT, generateKeyPair } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { localSubject, normalizeSignInName } from "../src/auth/signInName.js";
import { TokenVerifier, identityFromClaims } from "../src/auth/verify.js";
import { PROJECT_CONVEX_DIR, startTestBackend, type TestBackend } from "./helpers/backend.js";
import { RawClient } from "./helpers/rawClient.js";

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => {
  await backend.stop();
});

async function whoami(token: string | null) {
  const res = await fetch(`${backend.url}/api/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ path: "messages:whoami", format: "convex_encoded_json", args: [{}] }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const signInRaw = (body: unknown) =>
  fetch(`${backend.url}/polaris/auth/sign-in`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

const now = () => Math.floor(Date.now() / 1000);
// A test that moves the clock puts it back also when it fails.
afterEach(() => {
  vi.useRealTimers();
});

describe("development sign-in", () => {
  it("turns a name into a user: the same name is the same user, different names are different users", async () => {
    const before = Date.now();
    const alice = await backend.signIn("Alice");
    expect(alice.name).toBe("Alice");
    expect(alice.expiresAt).toBeGreaterThan(before + 23 * 3600_000);
    expect(alice.expiresAt).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
    const again = await backend.signIn("  Alice ");
    const bob = await backend.signIn("Bob");
    expect(again.subject).toBe(alice.subject);
    expect(bob.subject).not.toBe(alice.subject);
    expect((await backend.signIn("alice")).subject).not.toBe(alice.subject);

    const me = await whoami(alice.token);
    expect(me.status).toBe(200);
    expect(me.body.value).toEqual({ subject: alice.subject, name: "Alice", issuer: `${backend.url}/polaris/auth` });
    expect((await whoami(null)).body.value).toBeNull();
  });

  it("gives the subject the page computes from the name before the token arrives (where its outbox lives)", async () => {
    for (const raw of ["Alice", "  Ωmega ✦ 名前 ", "e\u0301clair", "x".repeat(64)]) {
      const { subject, token } = await backend.signIn(raw);
      expect(subject).toBe(localSubject(normalizeSignInName(raw)));
      const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as { sub: string };
      expect(claims.sub).toBe(subject);
    }
  });

  it.each([
    [{ name: "" }, /empty/],
    [{ name: "   " }, /empty/],
    [{ name: "x".repeat(65) }, /too long/],
    [{ name: "a\nb" }, /control characters/],
    [{ name: "a\u0007b" }, /control characters/],
    [{ name: 42 }, /must be a string/],
    [{}, /must be a string/],
  ])("refuses the sign-in %j with 400 and a clear message", async (body, message) => {
    const res = await signInRaw(body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(message);
  });

  it("accepts a 64-character name and refuses a body that is not JSON", async () => {
    expect((await signInRaw({ name: "é".repeat(64) })).status).toBe(200);
    const res = await fetch(`${backend.url}/polaris/auth/sign-in`, { method: "POST", body: "{nope" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/not valid JSON/);
  });

  it("serves its OpenID configuration and keys, and keeps its private key and admin key private", async () => {
    const config = (await (await fetch(`${backend.url}/polaris/auth/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(config.issuer).toBe(`${backend.url}/polaris/auth`);
    const jwks = (await (await fetch(config.jwks_uri)).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0].kty).toBe("RSA");
    expect(jwks.keys[0].d).toBeUndefined();
    expect(statSync(path.join(backend.dataDir, "auth", "local-issuer-key.json")).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(backend.dataDir, "admin_key")).mode & 0o777).toBe(0o600);
  });

  it("verifies tokens through OpenID discovery for an issuer it does not hold the key of", async () => {
    const verifier = new TokenVerifier(() => [{ type: "oidc", domain: backend.issuer.issuer, applicationID: "convex" }], null);
    const { token, subject } = await backend.signIn("Remote");
    const identity = await verifier.verify(token);
    expect(identity.tokenIdentifier).toBe(`${backend.issuer.issuer}|${subject}`);
    expect(identity.name).toBe("Remote");
  });
});

describe("rejected tokens", () => {
  const base = () => ({ sub: "local_x", iss: backend.issuer.issuer, aud: "convex", iat: now(), exp: now() + 600, name: "X" });

  it("refuses an expired token", async () => {
    const token = await backend.issuer.signRaw({ ...base(), iat: now() - 7200, exp: now() - 3600 });
    const res = await whoami(token);
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/expired/);
  });

  it("refuses a token for another audience", async () => {
    const res = await whoami(await backend.issuer.signRaw({ ...base(), aud: "someone-else" }));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/wrong audience/);
  });

  it("refuses a token from an issuer that is not configured", async () => {
    const res = await whoami(await backend.issuer.signRaw({ ...base(), iss: "https://evil.example" }));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/wrong issuer "https:\/\/evil.example"/);
  });

  it("refuses a tampered token and one signed by another key", async () => {
    const { token } = await backend.signIn("Mallory");
    const [h, p, s] = token.split(".");
    const payload = JSON.parse(Buffer.from(p, "base64url").toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: "local_someone_else" })).toString("base64url");
    const tampered = await whoami(`${h}.${forged}.${s}`);
    expect(tampered.status).toBe(401);
    expect(tampered.body.message).toMatch(/bad signature/);

    const { privateKey } = await generateKeyPair("RS256");
    const otherKey = await new SignJWT(base()).setProtectedHeader({ alg: "RS256" }).sign(privateKey);
    const res = await whoami(otherKey);
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/bad signature/);
    const unsigned = await whoami(`${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`);
    expect(unsigned.status).toBe(401);
  });

  it("answers a bad token on the sync protocol with an AuthError naming the reason, then closes", async () => {
    const raw = await RawClient.connect(backend.url);
    const expired = await backend.issuer.signRaw({ ...base(), iat: now() - 7200, exp: now() - 3600 });
    raw.send({ type: "Authenticate", tokenType: "User", value: expired, baseVersion: 0 });
    const error = await raw.waitFor((m) => m.type === "AuthError");
    expect(error).toMatchObject({ baseVersion: 0, authUpdateAttempted: true });
    expect(error.error).toMatch(/expired/);
    expect((await raw.waitClosed()).reason).toBe("AuthError");

    const again = await RawClient.connect(backend.url);
    const { token } = await backend.signIn("Eve");
    again.send({ type: "Authenticate", tokenType: "User", value: token, baseVersion: 0 });
    const transition = await again.waitFor((m) => m.type === "Transition");
    expect(transition.endVersion.identity).toBe(1);
    again.close();
  });

  it("drops the previous identity when a new token is refused: nothing more runs as that user", async () => {
    const raw = await RawClient.connect(backend.url);
    const { token } = await backend.signIn("Alice");
    raw.send({ type: "Authenticate", tokenType: "User", value: token, baseVersion: 0 });
    await raw.waitFor((m) => m.type === "Transition" && m.endVersion.identity === 1);
    raw.send({ type: "Authenticate", tokenType: "User", value: "not-a-jwt", baseVersion: 1 });
    raw.send({ type: "Mutation", requestId: 0, udfPath: "messages:send", args: [{ body: "sent after a refused token" }] });
    expect((await raw.waitFor((m) => m.type === "AuthError")).authUpdateAttempted).toBe(true);
    await raw.waitClosed();
    expect(raw.messages.some((m) => m.type === "MutationResponse")).toBe(false);
    const rows = (await (
      await fetch(`${backend.url}/api/query`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ path: "messages:list", args: [{}] }),
      })
    ).json()) as { value: { author: string; body: string }[] };
    expect(rows.value.filter((r) => r.body === "sent after a refused token")).toEqual([]);
  });

  it("stops running queries under a token once it expires, and tells the client to refresh it", async () => {
    const raw = await RawClient.connect(backend.url);
    const exp = now() + 60;
    const token = await backend.issuer.signRaw({ ...base(), name: "Shortlived", exp });
    raw.send({ type: "Authenticate", tokenType: "User", value: token, baseVersion: 0 });
    raw.send({
      type: "ModifyQuerySet",
      baseVersion: 0,
      newVersion: 1,
      modifications: [{ type: "Add", queryId: 0, udfPath: "messages:list", args: [{}] }],
    });
    await raw.waitFor((m) => m.type === "Transition" && m.endVersion.querySet === 1);
    // The clock moves past the token's expiry instead of the test waiting for it (only Date is faked: sockets and
    // timers run as they do; the session's own expiry timer, a minute away, is not what this checks).
    vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
    vi.setSystemTime((exp + 1) * 1000);
    const before = raw.messages.length;
    // A commit the subscribed query depends on: it must not re-run as the expired user.
    await fetch(`${backend.url}/api/mutation`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: "messages:send", args: [{ body: "after expiry" }] }),
    });
    const error = await raw.waitFor((m) => m.type === "AuthError", 5000);
    expect(error).toMatchObject({ authUpdateAttempted: false, baseVersion: 1 });
    expect(error.error).toMatch(/expired/);
    await raw.waitClosed();
    expect(raw.messages.slice(before).filter((m) => m.type === "Transition")).toEqual([]);
  });
});

describe("identity claims", () => {
  it("never lets a claim replace tokenIdentifier, subject or issuer", async () => {
    const iss = backend.issuer.issuer;
    const alice = await backend.signIn("Alice");
    const forged = {
      iss,
      sub: "local_mallory",
      aud: "convex",
      iat: now(),
      exp: now() + 600,
      name: "Mallory",
      tokenIdentifier: `${iss}|${alice.subject}`,
      subject: alice.subject,
      issuer: "https://elsewhere.example",
    };
    expect(identityFromClaims(forged)).toMatchObject({
      tokenIdentifier: `${iss}|local_mallory`,
      subject: "local_mallory",
      issuer: iss,
      name: "Mallory",
    });
    const verifier = new TokenVerifier(() => [{ type: "oidc", domain: iss, applicationID: "convex" }], backend.issuer);
    const identity = await verifier.verify(await backend.issuer.signRaw(forged));
    expect(identity.tokenIdentifier).toBe(`${iss}|local_mallory`);
    expect(identity.subject).toBe("local_mallory");
    const me = await whoami(await backend.issuer.signRaw(forged));
    expect(me.body.value).toEqual({ subject: "local_mallory", name: "Mallory", issuer: iss });
    // Custom claims still come through under their own names.
    expect(identityFromClaims({ ...forged, team: "blue" }).team).toBe("blue");
  });

  it("keeps another user's projects out of reach of a token claiming their tokenIdentifier", async () => {
    const app = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR });
    try {
      const alice = await app.signIn("Alice");
      const asAlice = new ConvexHttpClient(app.url);
      asAlice.setAuth(alice.token);
      await asAlice.mutation(createProject, { name: "Alice's secrets" });
      const forged = await app.issuer.signRaw({
        iss: app.issuer.issuer,
        sub: "local_mallory",
        aud: "convex",
        iat: now(),
        exp: now() + 600,
        tokenIdentifier: `${app.issuer.issuer}|${alice.subject}`,
      });
      const asMallory = new ConvexHttpClient(app.url);
      asMallory.setAuth(forged);
      expect(await asMallory.query(listProjects, {})).toEqual([]);
      expect((await asAlice.query(listProjects, {})).map((p) => p.name)).toEqual(["Alice's secrets"]);
    } finally {
      await app.stop();
    }
  });
});

const createProject = makeFunctionReference<"mutation", { name: string }, string>("projects:create");
const listProjects = makeFunctionReference<"query", Record<string, never>, { name: string }[]>("projects:list");

describe("the issuer is fixed per data directory", () => {
  it("keeps every user's projects when the backend restarts on another port", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "polaris-issuer-"));
    let occupied: Server | null = null;
    try {
      const first = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR, dataDir });
      const firstIssuer = first.issuer.issuer;
      expect(firstIssuer).toBe(`${first.url}/polaris/auth`);
      const asAda = new ConvexHttpClient(first.url);
      asAda.setAuth((await first.signIn("Ada")).token);
      await asAda.mutation(createProject, { name: "Engine" });
      const firstPort = Number(new URL(first.url).port);
      await first.stop();

      // Something else takes the old port, so the backend must come back on a different one.
      const blocker = createServer();
      occupied = blocker;
      await new Promise<void>((resolve) => blocker.listen(firstPort, "127.0.0.1", resolve));
      const second = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR, dataDir });
      try {
        expect(second.url).not.toBe(first.url);
        expect(second.issuer.issuer).toBe(firstIssuer);
        const again = new ConvexHttpClient(second.url);
        again.setAuth((await second.signIn("Ada")).token);
        expect((await again.query(listProjects, {})).map((p) => p.name)).toEqual(["Engine"]);

        // Discovery stays consistent: the stored issuer, and keys served where this backend runs now.
        const config = (await (await fetch(`${second.url}/polaris/auth/.well-known/openid-configuration`)).json()) as {
          issuer: string;
          jwks_uri: string;
        };
        expect(config.issuer).toBe(firstIssuer);
        expect(config.jwks_uri).toBe(`${second.url}/polaris/auth/.well-known/jwks.json`);
        expect(((await (await fetch(config.jwks_uri)).json()) as { keys: unknown[] }).keys).toHaveLength(1);
        const stored = path.join(dataDir, "auth", "local-issuer.json");
        expect(JSON.parse(readFileSync(stored, "utf8"))).toEqual({ issuer: firstIssuer });
        expect(statSync(stored).mode & 0o777).toBe(0o600);
      } finally {
        await second.stop();
      }
    } finally {
      await new Promise<void>((resolve) => (occupied ? occupied.close(() => resolve()) : resolve()));
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
