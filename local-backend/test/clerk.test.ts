import { readFile } from "node:fs/promises";
import path from "node:path";
import { ConvexHttpClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADA, GRACE, clerkConvexTemplateClaims } from "../../tests/functions/clerkClaims.js";
import { PROJECT_CONVEX_DIR, startTestBackend, waitFor, type TestBackend } from "./helpers/backend.js";
import { startLoopbackIssuer, type LoopbackIssuer } from "./helpers/loopbackIssuer.js";

// The server half of Clerk sign-in (issue 12 item 15), as far as this machine allows: a loopback OpenID issuer
// stands in for Clerk's Frontend API (discovery and key set served over HTTP), signs tokens shaped like Clerk's
// "convex" JWT template, and the backend runs Polaris's own convex/ with CLERK_JWT_ISSUER_DOMAIN set through the
// admin endpoint (what `npm run backend -- env set` and `npx convex env set` do). Not covered: a real Clerk tenant,
// Clerk's browser UI and its token refresh.

const createProject = makeFunctionReference<"mutation", { name: string }, string>("projects:create");
const listProjects = makeFunctionReference<"query", Record<string, never>, { name: string }[]>("projects:list");
const now = () => Math.floor(Date.now() / 1000);

let backend: TestBackend;
let clerk: LoopbackIssuer;
let impostor: LoopbackIssuer;

async function setEnv(name: string, value: string | null) {
  const adminKey = (await readFile(path.join(backend.dataDir, "admin_key"), "utf8")).trim();
  const res = await fetch(`${backend.url}/polaris/admin/env`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "polaris-admin-key": adminKey },
    body: JSON.stringify({ name, value }),
  });
  expect(res.status).toBe(200);
}

async function listAs(token: string) {
  const res = await fetch(`${backend.url}/api/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ path: "projects:list", args: [{}] }),
  });
  return { status: res.status, body: (await res.json()) as { value?: { name: string }[]; message?: string } };
}

beforeAll(async () => {
  clerk = await startLoopbackIssuer("RS256");
  impostor = await startLoopbackIssuer("RS256");
  backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR, jwks: { cooldownMs: 0 } });
});
afterAll(async () => {
  await backend.stop();
  await clerk.close();
  await impostor.close();
});

describe("Clerk tokens through CLERK_JWT_ISSUER_DOMAIN", () => {
  it("refuses Clerk tokens until the issuer domain is set, naming the configured issuers", async () => {
    const res = await listAs(await clerk.sign(clerkConvexTemplateClaims(clerk.url, ADA)));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(new RegExp(`wrong issuer "${clerk.url}".*configured: ${backend.issuer.issuer}\\)`));
  });

  it("accepts a token of the convex template over HTTP and over the sync protocol, as its own user", async () => {
    await setEnv("CLERK_JWT_ISSUER_DOMAIN", clerk.url);
    const asAda = new ConvexHttpClient(backend.url);
    asAda.setAuth(await clerk.sign(clerkConvexTemplateClaims(clerk.url, ADA)));
    await asAda.mutation(createProject, { name: "Analytical Engine" });
    expect((await asAda.query(listProjects, {})).map((p) => p.name)).toEqual(["Analytical Engine"]);
    // Keys came through OpenID discovery at the domain, as with Clerk's Frontend API.
    expect(clerk.hits.get("/.well-known/openid-configuration")).toBe(1);
    expect(clerk.hits.get("/.well-known/jwks.json")).toBeGreaterThanOrEqual(1);

    // Another Clerk user, and a local user, see none of Ada's projects.
    expect((await listAs(await clerk.sign(clerkConvexTemplateClaims(clerk.url, GRACE)))).body.value).toEqual([]);
    expect((await listAs((await backend.signIn("Ada")).token)).body.value).toEqual([]);

    const client = backend.client({ token: await clerk.sign(clerkConvexTemplateClaims(clerk.url, ADA)) });
    const seen = await waitFor<{ name: string }[]>(
      (cb, onError) => client.onUpdate(listProjects, {}, cb, onError),
      (projects) => projects.length > 0,
    );
    expect(seen.map((p) => p.name)).toEqual(["Analytical Engine"]);
  });

  it("refuses a token for another audience", async () => {
    const res = await listAs(await clerk.sign({ ...clerkConvexTemplateClaims(clerk.url, ADA), aud: "not-convex" }));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/wrong audience "not-convex".*applicationID "convex"/);
    const { aud: _aud, ...sessionToken } = clerkConvexTemplateClaims(clerk.url, ADA);
    // A plain Clerk session token (no template) carries no aud: refused too.
    expect((await listAs(await clerk.sign(sessionToken))).status).toBe(401);
  });

  it("refuses a token of another issuer, even one that serves discovery and signs with its own keys", async () => {
    const res = await listAs(await impostor.sign(clerkConvexTemplateClaims(impostor.url, ADA)));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/wrong issuer/);
    // Claiming Clerk's issuer with the impostor's key: the kid is not in Clerk's key set.
    const forged = await listAs(await impostor.sign(clerkConvexTemplateClaims(clerk.url, ADA)));
    expect(forged.status).toBe(401);
    expect(forged.body.message).toMatch(/bad signature/);
    expect(impostor.hits.get("/.well-known/openid-configuration")).toBeUndefined();
  });

  it("refuses an expired token", async () => {
    const res = await listAs(await clerk.sign(clerkConvexTemplateClaims(clerk.url, ADA, now() - 3600)));
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/expired/);
  });

  it("follows Clerk's key rotation: the new key is accepted, a key rotated out of the JWKS refused", async () => {
    const oldKid = clerk.currentKid();
    await clerk.rotate({ keepOld: true });
    expect((await listAs(await clerk.sign(clerkConvexTemplateClaims(clerk.url, ADA)))).status).toBe(200);
    expect((await listAs(await clerk.sign(clerkConvexTemplateClaims(clerk.url, ADA), { kid: oldKid }))).status).toBe(200);
    const newest = await clerk.rotate();
    expect(clerk.published()).toEqual([newest]);
    expect((await listAs(await clerk.sign(clerkConvexTemplateClaims(clerk.url, ADA)))).body.value).toHaveLength(1);
    const stale = await listAs(await clerk.sign(clerkConvexTemplateClaims(clerk.url, ADA), { kid: oldKid }));
    expect(stale.status).toBe(401);
    expect(stale.body.message).toMatch(/no key of .* matches its key id/);
  });

  it("stops accepting Clerk tokens once the variable is removed", async () => {
    await setEnv("CLERK_JWT_ISSUER_DOMAIN", null);
    expect((await listAs(await clerk.sign(clerkConvexTemplateClaims(clerk.url, ADA)))).status).toBe(401);
  });
});
