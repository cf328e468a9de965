import { makeFunctionReference } from "convex/server";
import { describe, expect, it } from "vitest";
import { identityFromClaims } from "../../local-backend/src/auth/verify";
import { ADA, GRACE, clerkConvexTemplateClaims } from "./clerkClaims";
import { makeConvexTestInstance } from "./convexTest";

// The identity the local backend derives from a Clerk "convex" template token (local-backend/test/clerk.test.ts
// verifies such tokens for real), handed to convex-test: Polaris's functions key ownership on its
// tokenIdentifier (`iss|sub`), so the same Clerk user is the same owner, and nobody else is.

const ISSUER = "https://verb-noun-42.clerk.accounts.dev";
const createProject = makeFunctionReference<"mutation", { name: string }, string>("projects:create");
const listProjects = makeFunctionReference<"query", Record<string, never>, { name: string }[]>("projects:list");

describe("a Clerk identity in convex-test", () => {
  it("owns what it creates under the tokenIdentifier issuer|sub; another user or issuer sees nothing", async () => {
    const t = makeConvexTestInstance();
    const ada = identityFromClaims(clerkConvexTemplateClaims(ISSUER, ADA));
    expect(ada).toMatchObject({
      tokenIdentifier: `${ISSUER}|${ADA.id}`,
      subject: ADA.id,
      issuer: ISSUER,
      name: "Ada Lovelace",
      givenName: "Ada",
      familyName: "Lovelace",
      email: "ada@example.com",
      emailVerified: true,
      nickname: "ada",
    });
    const asAda = t.withIdentity(ada);
    const id = await asAda.mutation(createProject, { name: "Analytical Engine" });
    expect((await asAda.query(listProjects, {})).map((p) => p.name)).toEqual(["Analytical Engine"]);
    const row = await t.run((ctx) => ctx.db.get(id as never));
    expect((row as { ownerId: string }).ownerId).toBe(`${ISSUER}|${ADA.id}`);

    const grace = t.withIdentity(identityFromClaims(clerkConvexTemplateClaims(ISSUER, GRACE)));
    expect(await grace.query(listProjects, {})).toEqual([]);
    const sameSubOtherIssuer = t.withIdentity(identityFromClaims(clerkConvexTemplateClaims("https://other.clerk.accounts.dev", ADA)));
    expect(await sameSubOtherIssuer.query(listProjects, {})).toEqual([]);
  });
});
