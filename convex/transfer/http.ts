"use node";

import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { GitHttpRequest, GitHttpResponse, HttpClient } from "isomorphic-git";

// The HTTP client of the import/export actions (isomorphic-git's smart HTTP and the GitHub REST calls), on the
// runtime's fetch. Before every request, and again at every redirect, it refuses hosts that resolve to a loopback,
// private or link-local address, so a user cannot make the server fetch from its own network (SSRF), unless the
// operator allows it with POLARIS_GIT_ALLOW_PRIVATE_NETWORK=1 (a self-hosted Git server on the same network, the
// tests' loopback servers). What this does not stop: a DNS answer that changes between the check and the connection.

/** A failure whose message is fit to show the user (it never contains a token). */
export class TransferFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TransferFailed";
  }
}

export const ALLOW_PRIVATE_ENV = "POLARIS_GIT_ALLOW_PRIVATE_NETWORK";
const MAX_REDIRECTS = 5;

function v4Private(address: string): boolean {
  const [a, b] = address.split(".").map(Number);
  return a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254)
    || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || a >= 224;
}

/** True for loopback, private, link-local, unspecified and multicast addresses (IPv4, IPv6, v4-mapped IPv6). */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) return v4Private(address);
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return v4Private(mapped[1]);
  return lower === "::" || lower === "::1" || /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) || /^ff/.test(lower);
}

/** Refuses `url` when its host is on a private network (unless allowed); see the header. */
export async function guardUrl(url: string): Promise<void> {
  if (process.env[ALLOW_PRIVATE_ENV] === "1") return;
  const { hostname, host } = new URL(url);
  const bare = hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = isIP(bare) !== 0 ? [bare] : (await lookup(bare, { all: true })).map((a) => a.address);
  } catch {
    throw new TransferFailed(`The host ${host} was not found. Check the URL.`);
  }
  const blocked = addresses.find(isPrivateAddress);
  if (blocked !== undefined) {
    throw new TransferFailed(
      `${host} is on a private or loopback network (${blocked}); this server does not connect there. An operator can allow it with ${ALLOW_PRIVATE_ENV}=1.`,
    );
  }
}

async function collect(body: AsyncIterableIterator<Uint8Array> | undefined): Promise<Uint8Array | undefined> {
  if (body === undefined) return undefined;
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const part of body) {
    parts.push(part);
    length += part.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Attempts of a request that may be repeated, and the pause before each repeat (ms). */
export const RETRY_DELAYS_MS = [300, 1000];
/** Answers that say "try again": a proxy or host briefly unable to serve. */
const TRANSIENT_STATUS = new Set([502, 503, 504]);

/**
 * Whether a request may be sent again after a transient failure: reads only (GET, and the POST of a fetch's
 * negotiation, which changes nothing on the server). A push or a repository creation is never repeated, since the
 * first one may have been applied before the connection dropped.
 */
function repeatable(url: string, init: RequestInit): boolean {
  const method = (init.method ?? "GET").toUpperCase();
  return method === "GET" || (method === "POST" && new URL(url).pathname.endsWith("/git-upload-pack"));
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * fetch with the private-network check at every hop, following at most MAX_REDIRECTS redirects itself. A
 * repeatable request (above) that fails on the network or gets 502/503/504 is sent again after RETRY_DELAYS_MS;
 * when every attempt failed, a TransferFailed says so.
 */
export async function guardedFetch(url: string, init: RequestInit): Promise<Response> {
  const attempts = repeatable(url, init) ? RETRY_DELAYS_MS.length + 1 : 1;
  const host = new URL(url).host;
  let failure = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await pause(RETRY_DELAYS_MS[attempt - 2]);
    const outcome = await fetchFollowing(url, init);
    if (outcome instanceof Response) {
      if (!TRANSIENT_STATUS.has(outcome.status) || attempts === 1) return outcome;
      await outcome.body?.cancel();
      failure = `answered HTTP ${outcome.status}`;
    } else failure = `could not be reached${outcome.cause === undefined ? "" : ` (${outcome.cause})`}`;
  }
  if (attempts === 1) throw new TransferFailed(`${host} ${failure}. Check the URL and that the server is up.`);
  throw new TransferFailed(`Gave up after ${attempts} attempts: ${host} ${failure}. Check the URL and that the server is up, then try again later.`);
}

/** One attempt: the response, or the network failure's code. */
async function fetchFollowing(url: string, init: RequestInit): Promise<Response | { cause?: string }> {
  let current = url;
  for (let hop = 0; ; hop++) {
    await guardUrl(current);
    let response: Response;
    try {
      response = await fetch(current, { ...init, redirect: "manual" });
    } catch (error) {
      return { cause: (error as { cause?: { code?: string } }).cause?.code };
    }
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      if (hop >= MAX_REDIRECTS) throw new TransferFailed(`Too many redirects from ${new URL(url).host}.`);
      const next = new URL(location, current);
      if (next.protocol !== "https:" && next.protocol !== "http:") throw new TransferFailed("The server redirected to a non-HTTP address.");
      // A redirect to another host must not carry the credentials meant for the first one.
      if (next.host !== new URL(current).host && init.headers !== undefined) {
        const headers = new Headers(init.headers);
        headers.delete("authorization");
        init = { ...init, headers };
      }
      current = next.href;
      continue;
    }
    return response;
  }
}

/** isomorphic-git's HTTP client on guardedFetch. */
export const gitHttp: HttpClient = {
  async request({ url, method, headers, body }: GitHttpRequest): Promise<GitHttpResponse> {
    const bytes = await collect(body);
    const response = await guardedFetch(url, { method: method ?? "GET", headers, body: bytes as BodyInit | undefined });
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      responseHeaders[key] = value;
    });
    const data = new Uint8Array(await response.arrayBuffer());
    // isomorphic-git reads the body as an async iterator; the bytes are already here.
    // eslint-disable-next-line @typescript-eslint/require-await
    async function* once() {
      yield data;
    }
    return {
      url: response.url || url,
      method: method ?? "GET",
      headers: responseHeaders,
      body: once(),
      statusCode: response.status,
      statusMessage: response.statusText,
    };
  },
};
