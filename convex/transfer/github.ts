"use node";

import { refusedToken, type Credential } from "./git";
import { guardedFetch, TransferFailed } from "./http";

// The one GitHub REST call an export makes: creating the repository on the first export (POST /user/repos). Later
// exports push to the repository the project is linked to. The API base URL is POLARIS_GITHUB_API_URL
// (https://api.github.com by default; https://HOST/api/v3 for GitHub Enterprise Server).

export const GITHUB_API_ENV = "POLARIS_GITHUB_API_URL";

export function githubApiBase(): string {
  return (process.env[GITHUB_API_ENV] ?? "https://api.github.com").replace(/\/+$/, "");
}

/** The host whose credential holds the GitHub token: github.com for the public API, else the API's host. */
export function githubCredentialHost(apiBase: string): string {
  const host = new URL(apiBase).host.toLowerCase();
  return host === "api.github.com" ? "github.com" : host;
}

function rateLimitMessage(response: Response): string | null {
  const remaining = response.headers.get("x-ratelimit-remaining");
  if (response.status === 429 || (response.status === 403 && remaining === "0")) {
    const reset = Number(response.headers.get("x-ratelimit-reset"));
    const when = Number.isFinite(reset) && reset > 0 ? ` after ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC` : " later";
    return `GitHub's rate limit is used up for this token. Try again${when}.`;
  }
  return null;
}

/**
 * Creates the repository `name` in the organization `owner` (POST /orgs/{owner}/repos), else in the token owner's
 * account (POST /user/repos); returns its clone URL and web URL.
 */
export async function createGithubRepo(
  credential: Credential,
  name: string,
  isPrivate: boolean,
  owner?: string,
): Promise<{ cloneUrl: string; htmlUrl: string }> {
  const base = githubApiBase();
  const path = owner === undefined ? "/user/repos" : `/orgs/${encodeURIComponent(owner)}/repos`;
  const response = await guardedFetch(`${base}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${credential.token}`,
      accept: "application/vnd.github+json",
      "content-type": "application/json",
      "x-github-api-version": "2022-11-28",
      "user-agent": "Polaris",
    },
    body: JSON.stringify({ name, private: isPrivate, auto_init: false }),
  });
  const limited = rateLimitMessage(response);
  if (limited !== null) throw new TransferFailed(limited);
  if (response.status === 401) throw new TransferFailed(refusedToken(githubCredentialHost(base), 401, credential.source, "create repositories"));
  if (response.status === 403) {
    throw new TransferFailed(
      credential.source === "clerk"
        ? "GitHub refused to create the repository (HTTP 403): your GitHub connection may not create repositories. The deployment's Clerk GitHub connection needs the repo scope; then reconnect GitHub in your account (Manage account, Connected accounts)."
        : "GitHub refused to create the repository (HTTP 403): the token may not create repositories. Give it the repo scope (or Administration: write).",
    );
  }
  if (response.status === 404 && owner !== undefined) {
    throw new TransferFailed(`GitHub has no organization "${owner}" that this token can create repositories in (HTTP 404). Check the name, or leave it empty for your own account.`);
  }
  if (response.status === 404) throw new TransferFailed(`GitHub's API was not found at ${base} (HTTP 404). Check ${GITHUB_API_ENV}.`);
  if (response.status === 422) {
    throw new TransferFailed(`A repository named "${name}" already exists in ${owner === undefined ? "your GitHub account" : `"${owner}"`}, or the name is not allowed. Choose another name.`);
  }
  if (response.status !== 201) throw new TransferFailed(`GitHub answered HTTP ${response.status} when creating the repository. Try again later.`);
  const body = (await response.json()) as { clone_url?: unknown; html_url?: unknown };
  if (typeof body.clone_url !== "string") throw new TransferFailed("GitHub's answer did not name the new repository's clone URL.");
  return { cloneUrl: body.clone_url, htmlUrl: typeof body.html_url === "string" ? body.html_url : body.clone_url };
}
