import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from "jose";
import type { Identity } from "../engine/types.js";
import type { LocalIssuer } from "./localIssuer.js";

// Two kinds of provider, as Convex documents them (docs.convex.dev/auth/advanced/custom-auth and custom-jwt):
// - OIDC `{ domain, applicationID }`: keys found through `${domain}/.well-known/openid-configuration`; `iss` must be
//   the domain (a trailing slash either side is ignored); `aud` must contain applicationID.
// - Custom JWT `{ type: "customJwt", issuer, jwks, algorithm, applicationID? }`: keys fetched from the `jwks` URL
//   (or read from a `data:` URI), never through discovery; `iss` must equal `issuer` exactly; only `algorithm`
//   (RS256 or ES256) is accepted; `aud` is checked only when applicationID is set, so a token without `aud` is
//   accepted by a provider without one.
// Invariants: a token is verified against every provider its `iss` selects, and accepted if one accepts it;
// `exp` and `sub` are required; a remote key set is refetched when a token names a key id it does not hold (at
// most once per cooldown), so a key the issuer rotated away is refused once the set has been refetched.

export interface OidcProviderConfig {
  type: "oidc";
  domain: string;
  applicationID: string;
}

export interface CustomJwtProviderConfig {
  type: "customJwt";
  issuer: string;
  jwks: string;
  algorithm: CustomJwtAlgorithm;
  /** null: `aud` is not checked (Convex warns this is often insecure). */
  applicationID: string | null;
}

export type AuthProviderConfig = OidcProviderConfig | CustomJwtProviderConfig;

const CUSTOM_JWT_ALGORITHMS = ["RS256", "ES256"] as const;
export type CustomJwtAlgorithm = (typeof CUSTOM_JWT_ALGORITHMS)[number];

/** How often a remote key set may be refetched for an unknown key id, and how long a fetched set is trusted. */
export interface JwksPolicy {
  cooldownMs?: number;
  cacheMaxAgeMs?: number;
}

/**
 * Reads the providers of auth.config.ts's default export. Entries that cannot work are left out, each with a
 * problem in words, so the caller can say once why tokens of that provider will be refused.
 */
export function parseAuthProviders(config: unknown): { providers: AuthProviderConfig[]; problems: string[] } {
  const providers: AuthProviderConfig[] = [];
  const problems: string[] = [];
  const list = (config as { providers?: unknown } | null | undefined)?.providers;
  if (list === undefined) return { providers, problems };
  if (!Array.isArray(list)) return { providers, problems: ["convex/auth.config.ts: `providers` must be an array."] };
  list.forEach((raw: unknown, i) => {
    const p = (raw ?? {}) as Record<string, unknown>;
    const where = `convex/auth.config.ts providers[${i}]`;
    const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
    if (p.type === "customJwt") {
      const issuer = str(p.issuer);
      const jwks = str(p.jwks);
      const algorithm = p.algorithm;
      if (!issuer) return problems.push(`${where} (customJwt) has no issuer.`);
      if (!jwks) return problems.push(`${where} (customJwt, issuer ${issuer}) has no jwks URL.`);
      if (!/^(https?:|data:)/.test(jwks)) return problems.push(`${where} (customJwt, issuer ${issuer}): jwks must be an http(s) URL or a data: URI, got "${jwks}".`);
      if (!CUSTOM_JWT_ALGORITHMS.includes(algorithm as CustomJwtAlgorithm)) {
        return problems.push(`${where} (customJwt, issuer ${issuer}): algorithm must be ${CUSTOM_JWT_ALGORITHMS.join(" or ")}, got ${JSON.stringify(algorithm)}.`);
      }
      if (p.applicationID !== undefined && p.applicationID !== null && typeof p.applicationID !== "string") {
        return problems.push(`${where} (customJwt, issuer ${issuer}): applicationID must be a string when set.`);
      }
      providers.push({ type: "customJwt", issuer, jwks, algorithm: algorithm as CustomJwtAlgorithm, applicationID: str(p.applicationID) });
      return;
    }
    if (p.type !== undefined && p.type !== "oidc") return problems.push(`${where} has an unknown type ${JSON.stringify(p.type)}.`);
    // An unset environment variable (domain: process.env.X) is the usual reason for a missing domain: not an error.
    const domain = str(p.domain);
    if (!domain) return;
    const applicationID = str(p.applicationID);
    if (!applicationID) return problems.push(`${where} (domain ${domain}) has no applicationID.`);
    providers.push({ type: "oidc", domain, applicationID });
  });
  return { providers, problems };
}

const providerName = (p: AuthProviderConfig) => (p.type === "oidc" ? p.domain : p.issuer);

/** A token that must be refused; `message` says why in words a developer can act on. */
export class AuthTokenError extends Error {}

const OIDC_ALGORITHMS = ["RS256", "ES256"];
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
  const name = providerName(provider);
  if (error instanceof joseErrors.JWTExpired) {
    const exp = typeof error.payload.exp === "number" ? ` at ${new Date(error.payload.exp * 1000).toISOString()}` : "";
    return `Auth token expired${exp}: sign in again to get a fresh token.`;
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === "aud") {
      return `Auth token has the wrong audience ${JSON.stringify(error.payload.aud)}: the provider ${name} in convex/auth.config.ts expects applicationID "${provider.applicationID}".`;
    }
    if (error.claim === "iss") {
      return `Auth token has the wrong issuer ${JSON.stringify(error.payload.iss)}: the customJwt provider expects exactly "${name}".`;
    }
    if (error.claim === "nbf") return "Auth token is not valid yet (its nbf claim is in the future): check the clocks.";
    return `Auth token claim "${error.claim}" is invalid: ${error.message}.`;
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return `Auth token has a bad signature: it was not signed by ${name} (or it was altered).`;
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return `Auth token has a bad signature: no key of ${name} matches its key id (the key may have been rotated away).`;
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    const allowed = provider.type === "customJwt" ? [provider.algorithm] : OIDC_ALGORITHMS;
    return `Auth token uses an algorithm other than ${allowed.join(" or ")}.`;
  }
  if (error instanceof joseErrors.JOSEError) return `Auth token is invalid: ${error.message}.`;
  return `Could not verify the auth token: ${(error as Error)?.message ?? String(error)}.`;
}

/**
 * Verifies JWTs against the providers of convex/auth.config.ts. Keys of the local issuer are used directly;
 * OIDC issuers are discovered through `${domain}/.well-known/openid-configuration`, customJwt key sets fetched
 * from their `jwks` URL; remote key sets are cached (see JwksPolicy).
 */
export class TokenVerifier {
  private readonly remote = new Map<string, Promise<JWTVerifyGetKey>>();
  private readonly localKeys: JWTVerifyGetKey | null;

  constructor(
    private readonly providers: () => AuthProviderConfig[],
    private readonly local: LocalIssuer | null,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly jwksPolicy: JwksPolicy = {},
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
    const iss = unverified.iss;
    const providers = this.providers();
    const candidates = providers.filter((p) => (p.type === "oidc" ? normalizeIssuer(p.domain) === normalizeIssuer(iss) : p.issuer === iss));
    if (candidates.length === 0) {
      const known = providers.map(providerName).join(", ") || "none";
      throw new AuthTokenError(
        `Auth token has the wrong issuer "${unverified.iss}": it is not a provider in convex/auth.config.ts (configured: ${known}).`,
      );
    }
    let firstError: AuthTokenError | null = null;
    for (const provider of candidates) {
      try {
        return await this.verifyWith(token, provider);
      } catch (error) {
        if (!(error instanceof AuthTokenError)) throw error;
        firstError ??= error;
      }
    }
    throw firstError ?? new AuthTokenError("Auth token was refused.");
  }

  private async verifyWith(token: string, provider: AuthProviderConfig): Promise<Identity> {
    let keys: JWTVerifyGetKey;
    try {
      keys = await this.keysFor(provider);
    } catch (error) {
      if (error instanceof AuthTokenError) throw error;
      throw new AuthTokenError(`Could not read the keys of ${providerName(provider)}: ${(error as Error)?.message ?? String(error)}.`);
    }
    const options: JWTVerifyOptions =
      provider.type === "oidc"
        ? {
            issuer: [provider.domain, normalizeIssuer(provider.domain), `${normalizeIssuer(provider.domain)}/`],
            audience: provider.applicationID,
            algorithms: OIDC_ALGORITHMS,
            requiredClaims: ["exp", "sub"],
          }
        : {
            issuer: provider.issuer,
            ...(provider.applicationID === null ? {} : { audience: provider.applicationID }),
            algorithms: [provider.algorithm],
            requiredClaims: ["exp", "sub"],
          };
    try {
      const { payload } = await jwtVerify(token, keys, options);
      return identityFromClaims(payload);
    } catch (error) {
      throw new AuthTokenError(describeJoseError(error, provider));
    }
  }

  private keysFor(provider: AuthProviderConfig): Promise<JWTVerifyGetKey> {
    if (provider.type === "customJwt") {
      const source = provider.jwks;
      return this.cached(`jwks ${source}`, () =>
        Promise.resolve().then(() => (source.startsWith("data:") ? createLocalJWKSet(parseDataUriJwks(source)) : this.remoteKeys(source))),
      );
    }
    const domain = normalizeIssuer(provider.domain);
    if (this.local && this.localKeys && domain === normalizeIssuer(this.local.issuer)) return Promise.resolve(this.localKeys);
    return this.cached(`oidc ${domain}`, () => this.discover(domain));
  }

  private cached(key: string, load: () => Promise<JWTVerifyGetKey>): Promise<JWTVerifyGetKey> {
    let keys = this.remote.get(key);
    if (!keys) {
      keys = load();
      this.remote.set(key, keys);
      // A failed discovery is retried on the next token instead of being cached forever.
      keys.catch(() => this.remote.delete(key));
    }
    return keys;
  }

  private remoteKeys(url: string): JWTVerifyGetKey {
    return createRemoteJWKSet(new URL(url), {
      timeoutDuration: DISCOVERY_TIMEOUT_MS,
      ...(this.jwksPolicy.cooldownMs === undefined ? {} : { cooldownDuration: this.jwksPolicy.cooldownMs }),
      ...(this.jwksPolicy.cacheMaxAgeMs === undefined ? {} : { cacheMaxAge: this.jwksPolicy.cacheMaxAgeMs }),
    });
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
    return this.remoteKeys(config.jwks_uri);
  }
}

/** The key set of a `data:` URI (base64 or percent-encoded JSON), as @convex-dev/better-auth writes static JWKS. */
function parseDataUriJwks(uri: string): JSONWebKeySet {
  const comma = uri.indexOf(",");
  if (comma < 0) throw new AuthTokenError("The customJwt provider's jwks data: URI has no data.");
  const meta = uri.slice(5, comma);
  const data = uri.slice(comma + 1);
  try {
    const text = meta.endsWith(";base64") ? Buffer.from(data, "base64").toString("utf8") : decodeURIComponent(data);
    return JSON.parse(text) as JSONWebKeySet;
  } catch {
    throw new AuthTokenError("The customJwt provider's jwks data: URI does not hold a JSON key set.");
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
