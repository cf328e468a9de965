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

/** fetch with the private-network check at every hop, following at most MAX_REDIRECTS redirects itself. */
export async function guardedFetch(url: string, init: RequestInit): Promise<Response> {
  let current = url;
  for (let hop = 0; ; hop++) {
    await guardUrl(current);
    let response: Response;
    try {
      response = await fetch(current, { ...init, redirect: "manual" });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      throw new TransferFailed(`Could not reach ${new URL(current).host}${cause ? ` (${cause})` : ""}. Check the URL and that the server is up.`);
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
