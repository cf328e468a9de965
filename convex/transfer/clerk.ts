"use node";

import { TransferFailed } from "./http";

// The GitHub token of a user signed in with Clerk who connected GitHub (Clerk's social connection), read from
// Clerk's Backend API on the server only: GET {CLERK_API}/v1/users/{user_id}/oauth_access_tokens/oauth_github with
// the instance's CLERK_SECRET_KEY. The token is used for the export and never stored, returned or logged. The base
// URL is POLARIS_CLERK_API_URL (https://api.clerk.com by default; the tests point it at a loopback stand-in).

export const CLERK_API_ENV = "POLARIS_CLERK_API_URL";

/** The Clerk user id of `ownerId` (a tokenIdentifier, "issuer|subject") when its issuer is the configured Clerk. */
export function clerkUserId(ownerId: string): string | null {
  const issuer = process.env.CLERK_JWT_ISSUER_DOMAIN?.replace(/\/+$/, "");
  const bar = ownerId.indexOf("|");
  if (!issuer || bar < 0 || ownerId.slice(0, bar).replace(/\/+$/, "") !== issuer) return null;
  return ownerId.slice(bar + 1);
}

/** True when this deployment can ask Clerk for GitHub tokens (its secret key and issuer are set). */
export function clerkConfigured(): boolean {
  return Boolean(process.env.CLERK_SECRET_KEY) && Boolean(process.env.CLERK_JWT_ISSUER_DOMAIN);
}

/**
 * The GitHub OAuth token of the Clerk user behind `ownerId`, or null when Clerk is not configured, the user is not
 * a Clerk user, or has no GitHub connection (then the token saved under Credentials is used).
 */
export async function clerkGithubToken(ownerId: string): Promise<string | null> {
  const secret = process.env.CLERK_SECRET_KEY;
  const userId = clerkUserId(ownerId);
  if (!secret || userId === null) return null;
  const base = (process.env[CLERK_API_ENV] ?? "https://api.clerk.com").replace(/\/+$/, "");
  let response: Response;
  try {
    response = await fetch(`${base}/v1/users/${encodeURIComponent(userId)}/oauth_access_tokens/oauth_github`, {
      headers: { authorization: `Bearer ${secret}`, accept: "application/json" },
    });
  } catch {
    throw new TransferFailed("Clerk could not be reached for your GitHub connection. Try again later.");
  }
  // 404 (or 422, depending on the API version): the user has no GitHub connection.
  if (response.status === 404 || response.status === 422) return null;
  if (!response.ok) {
    throw new TransferFailed(`Clerk answered HTTP ${response.status} when asked for your GitHub connection. The server's CLERK_SECRET_KEY may be wrong.`);
  }
  const body = (await response.json()) as unknown;
  // A list of OAuth access tokens; newer API versions wrap it in { data: [...] }.
  const list = Array.isArray(body) ? body : (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(list)) return null;
  const found = (list as { token?: unknown }[]).find((t) => typeof t.token === "string" && t.token !== "");
  return found === undefined ? null : (found.token as string);
}
