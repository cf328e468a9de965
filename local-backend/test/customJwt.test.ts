import { fileURLToPath } from "node:url";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAuthProviders } from "../src/auth/verify.js";
import { startTestBackend, type TestBackend } from "./helpers/backend.js";
import { startLoopbackIssuer, type LoopbackIssuer } from "./helpers/loopbackIssuer.js";

// Custom JWT providers (issue 12 item 17), with real issuers on loopback: keys come from the `jwks` URL (the
// strict issuer serves no OpenID discovery at all), `iss` must equal `issuer` exactly, only the configured
// algorithm is accepted, and `aud` is checked exactly when `applicationID` is set.

const CUSTOM_JWT_DIR = fileURLToPath(new URL("./fixtures/customJwt/convex", import.meta.url));
const now = () => Math.floor(Date.now() / 1000);

let backend: TestBackend;
let strict: LoopbackIssuer;
let open: LoopbackIssuer;
const logs: string[] = [];
let staticKey: CryptoKey;

beforeAll(async () => {
  strict = await startLoopbackIssuer("RS256", { discovery: false });
  open = await startLoopbackIssuer("ES256", { discovery: false });
  const pair = await generateKeyPair("RS256", { extractable: true });
  staticKey = pair.privateKey;
  const staticJwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: "static-1", alg: "RS256" }] };
  // A refetch for a key id the set does not hold may happen at once, so a rotation is seen without waiting.
  backend = await startTestBackend({ convexDir: CUSTOM_JWT_DIR, log: (line) => logs.push(line), jwks: { cooldownMs: 0 } });
  await backend.engine.setEnv("STRICT_ISSUER", strict.url);
  await backend.engine.setEnv("STRICT_JWKS", strict.jwksUrl);
  await backend.engine.setEnv("OPEN_ISSUER", open.url);
  await backend.engine.setEnv("OPEN_JWKS", open.jwksUrl);
  await backend.engine.setEnv("STATIC_JWKS", `data:text/plain;charset=utf-8;base64,${Buffer.from(JSON.stringify(staticJwks)).toString("base64")}`);
});
afterAll(async () => {
  await backend.stop();
  await strict.close();
  await open.close();
});

async function whoami(token: string) {
  const res = await fetch(`${backend.url}/api/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ path: "identity:whoami", args: [{}] }),
  });
  return { status: res.status, body: (await res.json()) as { value?: Record<string, unknown>; message?: string } };
}

describe("a customJwt provider with applicationID", () => {
  const claims = () => ({ iss: strict.url, sub: "user-1", aud: "my-app", iat: now(), exp: now() + 600, name: "Strict", team: "blue" });

  it("accepts its tokens with keys from the jwks URL, never asking for OpenID discovery", async () => {
    const res = await whoami(await strict.sign(claims()));
    expect(res.body.message).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.body.value).toMatchObject({
      tokenIdentifier: `${strict.url}|user-1`,
      subject: "user-1",
      issuer: strict.url,
      name: "Strict",
      team: "blue",
    });
    expect(strict.hits.get("/.well-known/jwks.json")).toBeGreaterThanOrEqual(1);
    expect(strict.hits.get("/.well-known/openid-configuration")).toBeUndefined();
  });

  it("refuses a token for another audience, and one with no audience", async () => {
    const wrong = await whoami(await strict.sign({ ...claims(), aud: "other-app" }));
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toMatch(/wrong audience "other-app".*applicationID "my-app"/);
    const { aud: _aud, ...withoutAud } = claims();
    const none = await whoami(await strict.sign(withoutAud));
    expect(none.status).toBe(401);
    expect(none.body.message).toMatch(/audience|"aud"/);
  });

  it("matches the issuer exactly: a trailing slash is another issuer", async () => {
    const res = await whoami(await strict.sign({ ...claims(), iss: `${strict.url}/` }));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/wrong issuer/);
  });

  it("accepts only its algorithm", async () => {
    // An ES256 token naming the strict issuer: refused for its algorithm before any key is looked up.
    const res = await whoami(await open.sign({ ...claims() }));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/algorithm other than RS256/);
  });

  it("refuses an expired token", async () => {
    const res = await whoami(await strict.sign({ ...claims(), iat: now() - 7200, exp: now() - 3600 }));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/expired/);
  });

  it("follows a key rotation: the new key is accepted and the rotated-away key refused", async () => {
    const oldKid = strict.currentKid();
    const fetches = strict.hits.get("/.well-known/jwks.json") ?? 0;
    await strict.rotate();
    const fresh = await whoami(await strict.sign(claims()));
    expect(fresh.status).toBe(200);
    expect(strict.hits.get("/.well-known/jwks.json")).toBeGreaterThan(fetches);
    const stale = await whoami(await strict.sign(claims(), { kid: oldKid }));
    expect(stale.status).toBe(401);
    expect(stale.body.message).toMatch(/no key of .* matches its key id/);
  });
});

describe("a customJwt provider without applicationID", () => {
  const claims = () => ({ iss: open.url, sub: "user-2", iat: now(), exp: now() + 600 });

  it("accepts a token with no aud claim (as OpenAuth issues them)", async () => {
    const res = await whoami(await open.sign(claims()));
    expect(res.body.message).toBeUndefined();
    expect(res.body.value).toMatchObject({ tokenIdentifier: `${open.url}|user-2`, subject: "user-2" });
  });

  it("does not check aud at all, and still checks the signature and the algorithm", async () => {
    expect((await whoami(await open.sign({ ...claims(), aud: "anything" }))).status).toBe(200);
    const rs = await generateKeyPair("RS256");
    const other = await new SignJWT(claims()).setProtectedHeader({ alg: "RS256", kid: open.currentKid() }).sign(rs.privateKey);
    expect((await whoami(other)).body.message).toMatch(/algorithm other than ES256/);
    const es = await generateKeyPair("ES256");
    const forged = await new SignJWT(claims()).setProtectedHeader({ alg: "ES256", kid: open.currentKid() }).sign(es.privateKey);
    const res = await whoami(forged);
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/bad signature/);
  });
});

describe("a customJwt provider with a data: URI key set", () => {
  it("verifies with the static keys, under an issuer that is not a URL", async () => {
    const sign = (aud: string) =>
      new SignJWT({ iss: "static-issuer", sub: "user-3", aud, iat: now(), exp: now() + 600 })
        .setProtectedHeader({ alg: "RS256", kid: "static-1", typ: "JWT" })
        .sign(staticKey);
    const res = await whoami(await sign("static-app"));
    expect(res.body.value).toMatchObject({ tokenIdentifier: "static-issuer|user-3" });
    expect((await whoami(await sign("other"))).status).toBe(401);
  });
});

describe("a provider that cannot work", () => {
  it("is named once in the log, with the reason, and its tokens are refused", async () => {
    const token = await new SignJWT({ iss: "https://hs.example", sub: "u", exp: now() + 600 })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode("x".repeat(32)));
    for (let i = 0; i < 3; i++) {
      const res = await whoami(token);
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(/wrong issuer "https:\/\/hs.example"/);
    }
    const said = logs.filter((l) => l.includes("https://hs.example"));
    expect(said).toEqual([
      'convex/auth.config.ts providers[3] (customJwt, issuer https://hs.example): algorithm must be RS256 or ES256, got "HS256". Tokens of this provider will be refused.',
    ].map((l) => `[auth] ${l}`));
  });

  it("parseAuthProviders explains each unusable entry", () => {
    const { providers, problems } = parseAuthProviders({
      providers: [
        { type: "customJwt", jwks: "https://a/jwks", algorithm: "RS256" },
        { type: "customJwt", issuer: "https://b", algorithm: "RS256" },
        { type: "customJwt", issuer: "https://c", jwks: "ftp://c/jwks", algorithm: "RS256" },
        { type: "oidc-ish", domain: "https://d" },
        { domain: "https://e" },
        { domain: undefined, applicationID: "convex" },
        { domain: "https://f", applicationID: "convex" },
      ],
    });
    expect(providers).toEqual([{ type: "oidc", domain: "https://f", applicationID: "convex" }]);
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/providers\[0\].*no issuer/);
    expect(problems[1]).toMatch(/providers\[1\].*no jwks URL/);
    expect(problems[2]).toMatch(/providers\[2\].*http\(s\) URL or a data: URI/);
    expect(problems[3]).toMatch(/providers\[3\].*unknown type "oidc-ish"/);
    expect(problems[4]).toMatch(/providers\[4\].*no applicationID/);
  });
});
