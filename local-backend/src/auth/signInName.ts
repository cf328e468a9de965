// The name a person signs in with at the local issuer: the issuer's rule, and a pure module the SPA's sign-in form
// imports to explain a bad name at once. A name is taken NFC-normalized and trimmed, so equal-looking names are
// the same user; its length is counted in code points, as a person counts characters.

import { sha256 } from "@noble/hashes/sha2.js";

export const MAX_SIGN_IN_NAME_LENGTH = 64;

/** The name as it will be signed in: NFC, trimmed. */
export function normalizeSignInName(raw: string): string {
  return raw.normalize("NFC").trim();
}

/** Why `raw` cannot be signed in with, or null when it can. */
export function signInNameProblem(raw: string): string | null {
  const name = normalizeSignInName(raw);
  if (name === "") return "The name is empty. Enter a name to sign in.";
  const length = [...name].length;
  if (length > MAX_SIGN_IN_NAME_LENGTH) {
    return `That name is too long. Use at most ${MAX_SIGN_IN_NAME_LENGTH} characters (this one has ${length}).`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return "A name cannot contain control characters or line breaks.";
  return null;
}

/**
 * The subject of the local issuer's tokens for a (normalized) name: equal names give equal subjects, different
 * names different ones (SHA-256, 128 bits kept). The SPA names the user's offline outbox and cache with it, so it
 * knows where they live before the token has arrived. (@noble/hashes: the same code in Node and in the page, where
 * `crypto.subtle` exists only in secure contexts.)
 */
export function localSubject(name: string): string {
  const digest = sha256(new TextEncoder().encode(name));
  const base64url = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_");
  return `local_${base64url.slice(0, 22)}`;
}
