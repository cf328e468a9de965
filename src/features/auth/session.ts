import { createContext, useContext } from "react";

/** Who is signed in, whatever the auth provider (Clerk or the local issuer). */
export interface SessionInfo {
  userName: string;
  /** Stable per-user key (the token's subject) under which the offline outbox and cache are stored. */
  userKey: string;
  signOut: () => void;
  /** The user's current Convex token (renewed when `forceRefresh`), for services that act as the user (the runner). */
  getToken?: (forceRefresh: boolean) => Promise<string | null>;
  /**
   * The app may show at once, before the backend has confirmed who this is: a token from an earlier sign-in is
   * stored and not yet expired, or a sign-in's token is on its way (queries wait for the token on the socket;
   * writes wait in the outbox until it is confirmed).
   */
  earlyStart?: boolean;
}

export const SessionContext = createContext<SessionInfo | null>(null);

export function useSession(): SessionInfo {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession must be used inside an auth root (LocalAuthRoot or ClerkRoot).");
  return session;
}
