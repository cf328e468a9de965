import { statSync } from "node:fs";
import path from "node:path";
import { SignJWT, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenVerifier } from "../src/auth/verify.js";
import { startTestBackend, type TestBackend } from "./helpers/backend.js";
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
    const verifier = new TokenVerifier(() => [{ domain: backend.issuer.issuer, applicationID: "convex" }], null);
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

  it("answers a bad token on the sync protocol with an AuthError naming the reason", async () => {
    const raw = await RawClient.connect(backend.url);
    const expired = await backend.issuer.signRaw({ ...base(), iat: now() - 7200, exp: now() - 3600 });
    raw.send({ type: "Authenticate", tokenType: "User", value: expired, baseVersion: 0 });
    const error = await raw.waitFor((m) => m.type === "AuthError");
    expect(error).toMatchObject({ baseVersion: 0, authUpdateAttempted: true });
    expect(error.error).toMatch(/expired/);

    const { token } = await backend.signIn("Eve");
    raw.send({ type: "Authenticate", tokenType: "User", value: token, baseVersion: 0 });
    const transition = await raw.waitFor((m) => m.type === "Transition");
    expect(transition.endVersion.identity).toBe(1);
    raw.close();
  });
});
