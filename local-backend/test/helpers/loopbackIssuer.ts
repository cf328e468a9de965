import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from "jose";

// A token issuer on loopback for tests: a real HTTP server that serves OpenID discovery
// (`/.well-known/openid-configuration`) and a key set (`/.well-known/jwks.json`), as Clerk's Frontend API or any
// OIDC issuer does, and signs tokens with jose. Invariants:
// - The key set holds exactly the keys in `published`; `rotate()` adds a new key and, unless told to keep it,
//   removes the old one, so a token signed with a rotated-away key names a kid the set no longer holds.
// - Every request is counted by path, so tests can see that a verifier did (or did not) fetch something.

export type Alg = "RS256" | "ES256";

interface Key {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface LoopbackIssuer {
  /** http://127.0.0.1:<port>: the issuer (`iss`) of its tokens and the domain to configure. */
  url: string;
  jwksUrl: string;
  /** Requests served, by path. */
  hits: Map<string, number>;
  /** Key ids in the served key set, oldest first. */
  published(): string[];
  /** The key used by `sign` unless a kid is given. */
  currentKid(): string;
  /** Adds a fresh key and makes it current; drops the previous keys unless `keepOld`. */
  rotate(opts?: { keepOld?: boolean }): Promise<string>;
  sign(claims: JWTPayload, opts?: { kid?: string; typ?: string }): Promise<string>;
  close(): Promise<void>;
}

let counter = 0;

async function newKey(alg: Alg): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `key-${++counter}-${alg}`;
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** `discovery: false` serves only the key set, as many custom JWT issuers do (no OpenID discovery document). */
export async function startLoopbackIssuer(alg: Alg = "RS256", opts: { discovery?: boolean } = {}): Promise<LoopbackIssuer> {
  const all = new Map<string, Key>();
  let served: string[] = [];
  const first = await newKey(alg);
  all.set(first.kid, first);
  served = [first.kid];
  let current = first.kid;
  const hits = new Map<string, number>();
  let url = "";

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const json = (body: unknown) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (path === "/.well-known/openid-configuration" && opts.discovery !== false) {
      return json({ issuer: url, jwks_uri: `${url}/.well-known/jwks.json`, id_token_signing_alg_values_supported: [alg] });
    }
    if (path === "/.well-known/jwks.json") return json({ keys: served.map((kid) => all.get(kid)!.jwk) });
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    jwksUrl: `${url}/.well-known/jwks.json`,
    hits,
    published: () => [...served],
    currentKid: () => current,
    async rotate(opts = {}) {
      const key = await newKey(alg);
      all.set(key.kid, key);
      served = opts.keepOld ? [...served, key.kid] : [key.kid];
      current = key.kid;
      return key.kid;
    },
    sign(claims, opts = {}) {
      const key = all.get(opts.kid ?? current)!;
      return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: opts.typ ?? "JWT" }).sign(key.privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
