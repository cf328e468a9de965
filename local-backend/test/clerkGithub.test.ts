import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { git, startGitServer, type GitServer } from "../../tests/git/gitServer";
import { ADA, GRACE, clerkConvexTemplateClaims, type ClerkUser } from "../../tests/functions/clerkClaims";
import { PROJECT_CONVEX_DIR, startTestBackend, waitFor, type TestBackend } from "./helpers/backend";
import { startLoopbackIssuer, type LoopbackIssuer } from "./helpers/loopbackIssuer";

// Clerk's GitHub connection as the token of a GitHub export (convex/transfer/clerk.ts). A loopback issuer signs
// Clerk-shaped tokens (as in clerk.test.ts); a loopback stand-in for Clerk's Backend API answers
// GET /v1/users/{user_id}/oauth_access_tokens/oauth_github (asserting the secret key), and one for GitHub's REST API
// creates the repository on a real Git server, recording the token it was sent.

let backend: TestBackend;
let clerk: LoopbackIssuer;
let gitServer: GitServer;
let clerkApi: Server;
let githubApi: Server;
const clerkRequests: { path: string; auth: string | undefined }[] = [];
const githubTokens: string[] = [];
/** Clerk user id → the GitHub token of their connection. */
const connections = new Map<string, string>([[ADA.id, "gho_from_clerk_ada"]]);
const logs: string[] = [];
/** A GitHub token the GitHub stand-in refuses, as GitHub does a revoked one. */
const REVOKED = "gho_revoked";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  gitServer = await startGitServer();
  clerk = await startLoopbackIssuer("RS256");
  clerkApi = createServer((req, res) => {
    clerkRequests.push({ path: req.url ?? "", auth: req.headers.authorization });
    const match = /^\/v1\/users\/([^/]+)\/oauth_access_tokens\/oauth_github$/.exec(req.url ?? "");
    if (req.headers.authorization !== "Bearer sk_test_polaris") return void res.writeHead(401).end('{"errors":[]}');
    const token = match === null ? undefined : connections.get(decodeURIComponent(match[1]));
    res.writeHead(200, { "content-type": "application/json" });
    // Clerk's shape: a list of OAuth access tokens (empty when the user has no GitHub connection).
    res.end(JSON.stringify(token === undefined ? [] : [{ object: "oauth_access_token", provider: "oauth_github", token, scopes: ["repo"], label: null, public_metadata: {} }]));
  });
  githubApi = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      githubTokens.push(req.headers.authorization ?? "");
      if (req.headers.authorization === `Bearer ${REVOKED}`) return void res.writeHead(401).end('{"message":"Bad credentials"}');
      const body = JSON.parse(raw) as { name: string };
      git(gitServer.root, "init", "--bare", "-q", "-b", "main", path.join(gitServer.root, `${body.name}.git`));
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ clone_url: gitServer.repoUrl(`${body.name}.git`), html_url: `https://github.example/${body.name}` }));
    });
  });
  const clerkApiUrl = await listen(clerkApi);
  const githubApiUrl = await listen(githubApi);
  backend = await startTestBackend({ convexDir: PROJECT_CONVEX_DIR, jwks: { cooldownMs: 0 }, log: (line) => logs.push(line) });
  for (const [name, value] of [
    ["CLERK_JWT_ISSUER_DOMAIN", clerk.url],
    ["CLERK_SECRET_KEY", "sk_test_polaris"],
    ["POLARIS_CLERK_API_URL", clerkApiUrl],
    ["POLARIS_GITHUB_API_URL", githubApiUrl],
    ["POLARIS_GIT_ALLOW_PRIVATE_NETWORK", "1"],
  ]) await backend.engine.setEnv(name, value);
}, 60_000);

afterAll(async () => {
  await backend?.stop();
  await clerk?.close();
  await gitServer?.close();
  await new Promise<void>((resolve) => clerkApi?.close(() => resolve()));
  await new Promise<void>((resolve) => githubApi?.close(() => resolve()));
});

function clientFor(user: ClerkUser) {
  return backend.client({ token: () => clerk.sign(clerkConvexTemplateClaims(clerk.url, user)) });
}

async function exportToGithub(client: ReturnType<typeof clientFor>, name: string) {
  const projectId: Id<"projects"> = await client.mutation(api.projects.create, { name });
  await client.mutation(api.files.createFile, { projectId, name: "a.txt", content: "a\n" });
  await client.mutation(api.transfers.exportGithub, { projectId, name });
  const status = await waitFor<{ export: { status: string; message?: string } | null }>(
    (cb, onError) => client.onUpdate(api.transfers.status, { projectId }, cb, onError),
    (s) => s.export !== null && s.export.status !== "running",
    60_000,
  );
  return status.export!;
}

describe("GitHub export with Clerk's GitHub connection", () => {
  it("uses the token of the user's GitHub connection, asked of Clerk's Backend API with the secret key, never shown or logged", async () => {
    const ada = clientFor(ADA);
    const result = await exportToGithub(ada, "ada-repo");
    expect(result.status, result.message).toBe("completed");
    expect(clerkRequests).toContainEqual({ path: `/v1/users/${ADA.id}/oauth_access_tokens/oauth_github`, auth: "Bearer sk_test_polaris" });
    expect(githubTokens).toEqual(["Bearer gho_from_clerk_ada"]);
    expect(git(path.join(gitServer.root, "ada-repo.git"), "ls-tree", "--name-only", "main").trim()).toBe("a.txt");
    expect(JSON.stringify(result)).not.toContain("gho_from_clerk_ada");
    for (const secret of ["gho_from_clerk_ada", "sk_test_polaris"]) expect(logs.filter((l) => l.includes(secret))).toEqual([]);
  }, 60_000);

  it("falls back to the pasted token when the user has no GitHub connection, and says what to do when there is neither", async () => {
    const grace = clientFor(GRACE);
    const without = await exportToGithub(grace, "grace-none");
    expect(without.status).toBe("failed");
    expect(without.message).toMatch(/needs a token\. Connect GitHub to your account, or save one for 127\.0\.0\.1:\d+ under Credentials/);
    expect(clerkRequests).toContainEqual({ path: `/v1/users/${GRACE.id}/oauth_access_tokens/oauth_github`, auth: "Bearer sk_test_polaris" });

    const githubApiHost = new URL(backend.engine.getEnv().POLARIS_GITHUB_API_URL).host;
    await grace.mutation(api.credentials.save, { host: githubApiHost, token: "ghp_pasted_grace" });
    const pasted = await exportToGithub(grace, "grace-pasted");
    expect(pasted.status, pasted.message).toBe("completed");
    expect(githubTokens.at(-1)).toBe("Bearer ghp_pasted_grace");
  }, 60_000);

  it("a refused token from the GitHub connection is named as such, with what to do (not as a saved token)", async () => {
    // Refused by the Git host at the push: the GitHub stand-in creates the repository, the Git server wants another token.
    gitServer.auth = { username: "x-access-token", password: "gho_other" };
    try {
      const atPush = await exportToGithub(clientFor(ADA), "ada-refused-push");
      expect(atPush.status).toBe("failed");
      expect(atPush.message).toMatch(/^127\.0\.0\.1:\d+ refused the token of your GitHub connection \(HTTP 401\)/);
      expect(atPush.message).toContain("Reconnect GitHub in your account (Manage account, Connected accounts)");
      expect(atPush.message).not.toContain("saved for it");
      expect(atPush.message).not.toContain("gho_from_clerk_ada");
    } finally {
      gitServer.auth = null;
    }
    // Refused by GitHub's API when creating the repository.
    connections.set(GRACE.id, REVOKED);
    try {
      const atCreate = await exportToGithub(clientFor(GRACE), "grace-revoked");
      expect(atCreate.status).toBe("failed");
      expect(atCreate.message).toMatch(/refused the token of your GitHub connection \(HTTP 401\).*Reconnect GitHub in your account.*create repositories/);
      expect(atCreate.message).not.toContain(REVOKED);
    } finally {
      connections.delete(GRACE.id);
    }
  }, 60_000);

  it("a wrong secret key fails the export readably, without the key", async () => {
    await backend.engine.setEnv("CLERK_SECRET_KEY", "sk_test_wrong");
    try {
      const result = await exportToGithub(clientFor(ADA), "ada-wrong-key");
      expect(result.status).toBe("failed");
      expect(result.message).toMatch(/Clerk answered HTTP 401.*CLERK_SECRET_KEY may be wrong/);
      expect(result.message).not.toContain("sk_test_wrong");
    } finally {
      await backend.engine.setEnv("CLERK_SECRET_KEY", "sk_test_polaris");
    }
  }, 60_000);
});
