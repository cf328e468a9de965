import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import type { Identity } from "../engine/types.js";
import type { LocalIssuer } from "./localIssuer.js";

export interface AuthProviderConfig {
  domain: string;
  applicationID: string;
}

/** A token that must be refused; `message` says why in words a developer can act on. */
export class AuthTokenError extends Error {}

const ALGORITHMS = ["RS256", "ES256"];
const DISCOVERY_TIMEOUT_MS = 10_000;

// OIDC standard claims and the camelCase names Convex's UserIdentity gives them.
const STANDARD_CLAIMS: Record<string, string> = {
  name: "name",
  given_name: "givenName",
  family_name: "familyName",
  nickname: "nickname",
  preferred_username: "preferredUsername",
  profile: "profileUrl",
  picture: "pictureUrl",
  email: "email",
  email_verified: "emailVerified",
  gender: "gender",
  birthdate: "birthday",
  zoneinfo: "timezone",
  locale: "language",
  phone_number: "phoneNumber",
  phone_number_verified: "phoneNumberVerified",
  address: "address",
  updated_at: "updatedAt",
};
const DROPPED_CLAIMS = new Set(["iss", "sub", "aud", "exp", "iat", "nbf", "jti"]);
// Derived from the verified iss and sub only: a claim of the same name must never replace them, or a token for
// one subject could carry another user's tokenIdentifier (the key every ownership check uses).
const DERIVED_FIELDS = new Set(["tokenIdentifier", "subject", "issuer"]);

const normalizeIssuer = (s: string) => s.replace(/\/+$/, "");

export function identityFromClaims(payload: JWTPayload): Identity {
  const issuer = payload.iss ?? "";
  const subject = payload.sub ?? "";
  const identity: Record<string, unknown> = {};
  for (const [claim, value] of Object.entries(payload)) {
    if (DROPPED_CLAIMS.has(claim) || value === undefined) continue;
    const mapped = STANDARD_CLAIMS[claim];
    const field = mapped ?? claim;
    if (DERIVED_FIELDS.has(field) || field === "__proto__") continue;
    if (mapped === "updatedAt") identity.updatedAt = typeof value === "number" ? new Date(value * 1000).toISOString() : typeof value === "string" ? value : JSON.stringify(value);
    else if (mapped === "address" && typeof value === "object") identity.address = JSON.stringify(value);
    else identity[field] = value;
  }
  identity.tokenIdentifier = `${issuer}|${subject}`;
  identity.subject = subject;
  identity.issuer = issuer;
  return identity as Identity;
}

function describeJoseError(error: unknown, provider: AuthProviderConfig): string {
  if (error instanceof joseErrors.JWTExpired) {
    const exp = typeof error.payload.exp === "number" ? ` at ${new Date(error.payload.exp * 1000).toISOString()}` : "";
    return `Auth token expired${exp}: sign in again to get a fresh token.`;
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "aud") {
      return `Auth token has the wrong audience ${JSON.stringify(error.payload.aud)}: the provider ${provider.domain} in convex/auth.config.ts expects applicationID "${provider.applicationID}".`;
    }
    if (error.claim === "nbf") return "Auth token is not valid yet (its nbf claim is in the future): check the clocks.";
    return `Auth token claim "${error.claim}" is invalid: ${error.message}.`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return `Auth token has a bad signature: it was not signed by ${provider.domain} (or it was altered).`;
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return `Auth token has a bad signature: no key of ${provider.domain} matches its key id.`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return `Auth token uses an algorithm other than ${ALGORITHMS.join(" or ")}.`;
  }
  if (error instanceof joseErrors.JOSEError) return `Auth token is invalid: ${error.message}.`;
  return `Could not verify the auth token: ${(error as Error)?.message ?? String(error)}.`;
}

/**
 * Verifies JWTs against the providers of convex/auth.config.ts. Keys of the local issuer are used directly;
 * other issuers are discovered through `${domain}/.well-known/openid-configuration` and their key sets cached.
 */
export class TokenVerifier {
  private readonly remote = new Map<string, Promise<JWTVerifyGetKey>>();
  private readonly localKeys: JWTVerifyGetKey | null;

  constructor(
    private readonly providers: () => AuthProviderConfig[],
    private readonly local: LocalIssuer | null,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.localKeys = local ? createLocalJWKSet(local.jwks()) : null;
  }

  async verify(token: string): Promise<Identity> {
    if (typeof token !== "string" || token.length === 0) throw new AuthTokenError("Auth token is empty.");
    if (token.length > 16_384) throw new AuthTokenError("Auth token is too long (more than 16 KiB).");
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new AuthTokenError("Auth token is not a JWT (expected three base64url parts separated by dots).");
    }
    if (typeof unverified.iss !== "string") throw new AuthTokenError("Auth token has no issuer (iss claim).");
    if (typeof unverified.sub !== "string" || unverified.sub === "") {
      throw new AuthTokenError("Auth token has no subject (sub claim).");
    }
    const iss = normalizeIssuer(unverified.iss);
    const providers = this.providers();
    const provider = providers.find((p) => normalizeIssuer(p.domain) === iss);
    if (!provider) {
      const known = providers.map((p) => p.domain).join(", ") || "none";
      throw new AuthTokenError(
        `Auth token has the wrong issuer "${unverified.iss}": it is not a provider in convex/auth.config.ts (configured: ${known}).`,
      );
    }
    const keys = await this.keysFor(provider);
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: [provider.domain, normalizeIssuer(provider.domain), `${normalizeIssuer(provider.domain)}/`],
        audience: provider.applicationID,
        algorithms: ALGORITHMS,
        requiredClaims: ["exp", "sub"],
      });
      return identityFromClaims(payload);
    } catch (error) {
      throw new AuthTokenError(describeJoseError(error, provider));
    }
  }

  private async keysFor(provider: AuthProviderConfig): Promise<JWTVerifyGetKey> {
    const domain = normalizeIssuer(provider.domain);
    if (this.local && this.localKeys && domain === normalizeIssuer(this.local.issuer)) return this.localKeys;
    let keys = this.remote.get(domain);
    if (!keys) {
      keys = this.discover(domain);
      this.remote.set(domain, keys);
      // A failed discovery is retried on the next token instead of being cached forever.
      keys.catch(() => this.remote.delete(domain));
    }
    return keys;
  }

  private async discover(domain: string): Promise<JWTVerifyGetKey> {
    const url = `${domain}/.well-known/openid-configuration`;
    let config: { jwks_uri?: unknown };
    try {
      const response = await this.fetchImpl(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      config = (await response.json()) as { jwks_uri?: unknown };
    } catch (error) {
      throw new AuthTokenError(`Could not fetch ${url} to verify the auth token: ${(error as Error).message}.`);
    }
    if (typeof config.jwks_uri !== "string") throw new AuthTokenError(`${url} has no jwks_uri.`);
    return createRemoteJWKSet(new URL(config.jwks_uri), { timeoutDuration: DISCOVERY_TIMEOUT_MS });
  }
}

/** Seconds since the epoch at which an identity's token expires, when the verifier recorded it. */
export function tokenExpiry(token: string): number | null {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === "number" ? exp : null;
  } catch {
    return null;
  }
}
