import { readJson, removeKey, writeJson } from "../../lib/storage";

/**
 * The local (no-Clerk) session: a name and a short-lived token issued by the embedded backend's
 * development issuer. It proves nothing beyond "this browser said this name" and is meant only for the
 * loopback backend; production uses Clerk.
 */
export interface LocalSession {
  name: string;
  token: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export const LOCAL_SESSION_KEY = "polaris.localSession";
/** Tokens this close to expiry are renewed before use, so a request never leaves with a dying token. */
const EXPIRY_MARGIN_MS = 30_000;

export function loadLocalSession(): LocalSession | null {
  const value = readJson(LOCAL_SESSION_KEY);
  if (hasToken(value) && "name" in value && typeof value.name === "string") {
    return { name: value.name, token: value.token, expiresAt: value.expiresAt };
  }
  return null;
}

export function saveLocalSession(session: LocalSession): void {
  writeJson(LOCAL_SESSION_KEY, session);
}

export function clearLocalSession(): void {
  removeKey(LOCAL_SESSION_KEY);
}

export function isExpired(session: LocalSession, now = Date.now()): boolean {
  return session.expiresAt - EXPIRY_MARGIN_MS <= now;
}

export class SignInError extends Error {}

/** Asks the embedded backend's issuer for a token for `name`. Throws SignInError with a readable message. */
export async function requestLocalToken(convexUrl: string, name: string): Promise<LocalSession> {
  const url = `${convexUrl.replace(/\/+$/, "")}/polaris/auth/sign-in`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name }),
    });
  } catch {
    throw new SignInError(`Cannot reach the Polaris backend at ${convexUrl}. Is it running? Start it with \`npm start\`.`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    throw new SignInError(serverMessage(body) ?? `Sign-in failed (HTTP ${response.status}).`);
  }
  if (hasToken(body)) {
    const signedName = "name" in body && typeof body.name === "string" ? body.name : name;
    return { name: signedName, token: body.token, expiresAt: body.expiresAt };
  }
  throw new SignInError("The backend answered the sign-in with something that is not a token.");
}

/** A token with its expiry, as the issuer answers and as a session is stored. */
function hasToken(value: unknown): value is { token: string; expiresAt: number } {
  return (
    typeof value === "object" &&
    value !== null &&
    "token" in value &&
    typeof value.token === "string" &&
    "expiresAt" in value &&
    typeof value.expiresAt === "number"
  );
}

function serverMessage(body: unknown): string | undefined {
  if (!body || typeof body !== "object") return undefined;
  for (const key of ["message", "error"] as const) {
    if (key in body) {
      const value = (body as Record<string, unknown>)[key];
      if (typeof value === "string" && value) return value;
      if (value && typeof value === "object" && "message" in value && typeof value.message === "string") {
        return value.message;
      }
    }
  }
  return undefined;
}
