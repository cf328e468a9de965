import { createHash, randomUUID } from "node:crypto";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { SignJWT, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import { localSubject, normalizeSignInName, signInNameProblem } from "./signInName.js";

// The development token issuer. Anyone who can reach the sign-in endpoint can sign in as anyone: that is
// the point of a local, single-machine issuer, and why the server listens on loopback unless told otherwise.
// The private key lives in dataDir with mode 0600 so tokens stay valid across restarts.
// The issuer identifier is fixed at the first start of a data dir and stored beside the key: every user's
// tokenIdentifier (`issuer|sub`, the owner of their projects) contains it, so it must not follow the port or host
// the backend happens to listen on later. It need not be reachable: this backend verifies its own tokens with
// the key directly, and serves the discovery documents at its current URL.

export const LOCAL_ISSUER_PATH = "/polaris/auth";
export const LOCAL_AUDIENCE = "convex";
export const TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;
const ALG = "RS256";

export interface SignInResult {
  token: string;
  subject: string;
  name: string;
  /** Unix milliseconds. */
  expiresAt: number;
}

export class SignInError extends Error {}

/** Normalizes the name and checks it (signInName.ts); throws SignInError with a message fit to show the user. */
export function normalizeName(raw: unknown): string {
  if (typeof raw !== "string") throw new SignInError('Send JSON {"name": "<your name>"}: "name" must be a string.');
  const problem = signInNameProblem(raw);
  if (problem !== null) throw new SignInError(problem);
  return normalizeSignInName(raw);
}


const MAX_ISSUER_LENGTH = 2048;

export const issuerFile = (dataDir: string) => path.join(dataDir, "auth", "local-issuer.json");

/** The issuer stored in dataDir, or (first start) `${siteUrl}/polaris/auth`, which is then stored. */
async function loadOrCreateIssuer(dataDir: string, siteUrl: string): Promise<string> {
  const file = issuerFile(dataDir);
  let text: string | null = null;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (text !== null) {
    let issuer: unknown;
    try {
      issuer = (JSON.parse(text) as { issuer?: unknown }).issuer;
    } catch {
      issuer = undefined;
    }
    if (typeof issuer !== "string" || issuer.length === 0 || issuer.length > MAX_ISSUER_LENGTH || /\s/.test(issuer)) {
      throw new Error(
        `${file} is damaged: it must be JSON {"issuer": "<url>"}. Restore it from a backup; deleting it changes the ` +
          "issuer, and every signed-in user then loses access to their projects.",
      );
    }
    return issuer;
  }
  const issuer = `${siteUrl.replace(/\/+$/, "")}${LOCAL_ISSUER_PATH}`;
  await writeFile(`${file}.tmp`, JSON.stringify({ issuer }), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return issuer;
}

export class LocalIssuer {
  private constructor(
    /** The `iss` of every token; fixed per data dir. */
    readonly issuer: string,
    /** Where this backend serves the issuer's endpoints now: `${siteUrl}/polaris/auth`. */
    readonly endpoint: string,
    private readonly privateKey: CryptoKey,
    private readonly publicJwk: JWK,
  ) {}

  /**
   * Loads the key pair from `${dataDir}/auth/local-issuer-key.json` and the issuer from
   * `${dataDir}/auth/local-issuer.json`, creating them (0600) on first start.
   */
  static async open(dataDir: string, siteUrl: string): Promise<LocalIssuer> {
    const dir = path.join(dataDir, "auth");
    const file = path.join(dir, "local-issuer-key.json");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const issuer = await loadOrCreateIssuer(dataDir, siteUrl);
    let privateJwk: JWK;
    try {
      privateJwk = JSON.parse(await readFile(file, "utf8")) as JWK;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new Error(`Cannot read the local auth key ${file}: ${(error as Error).message}. Delete it to make a new one.`, {
          cause: error,
        });
      }
      const { privateKey } = await generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
      privateJwk = await exportJWK(privateKey);
      privateJwk.kid = createHash("sha256").update(privateJwk.n ?? "").digest("base64url").slice(0, 16);
      privateJwk.alg = ALG;
      await writeFile(file, JSON.stringify(privateJwk), { mode: 0o600 });
    }
    await chmod(file, 0o600);
    const privateKey = (await importJWK(privateJwk, ALG)) as CryptoKey;
    const { kty, n, e, kid } = privateJwk;
    const publicJwk: JWK = { kty, n, e, kid, alg: ALG, use: "sig" };
    return new LocalIssuer(issuer, `${siteUrl.replace(/\/+$/, "")}${LOCAL_ISSUER_PATH}`, privateKey, publicJwk);
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.publicJwk] };
  }

  openidConfiguration(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.endpoint}/.well-known/jwks.json`,
      id_token_signing_alg_values_supported: [ALG],
      subject_types_supported: ["public"],
      response_types_supported: ["id_token"],
      claims_supported: ["sub", "iss", "aud", "exp", "iat", "name"],
    };
  }

  async signIn(rawName: unknown, now = Date.now()): Promise<SignInResult> {
    const name = normalizeName(rawName);
    const subject = localSubject(name);
    const expiresAt = now + TOKEN_LIFETIME_MS;
    const token = await new SignJWT({ name })
      .setProtectedHeader({ alg: ALG, kid: this.publicJwk.kid, typ: "JWT" })
      .setIssuer(this.issuer)
      .setSubject(subject)
      .setAudience(LOCAL_AUDIENCE)
      // A token id of its own, so two sign-ins within one second (same iat) still give distinct tokens.
      .setJti(randomUUID())
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(Math.floor(expiresAt / 1000))
      .sign(this.privateKey);
    return { token, subject, name, expiresAt: Math.floor(expiresAt / 1000) * 1000 };
  }

  /** For tests: signs arbitrary claims with this issuer's key. */
  async signRaw(claims: Record<string, unknown>): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: ALG, kid: this.publicJwk.kid, typ: "JWT" }).sign(this.privateKey);
  }
}
