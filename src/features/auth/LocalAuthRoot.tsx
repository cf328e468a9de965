import { ConvexProviderWithAuth, type ConvexReactClient } from "convex/react";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { navigate } from "wouter/use-browser-location";
import { AuthGate } from "../../app/AuthGate";
import { abandonEarlyStart } from "../../app/earlyStart";
import { holdKeys } from "../../lib/keyHold";
import { localSubject } from "../../../local-backend/src/auth/signInName";
import {
  LOCAL_SESSION_KEY,
  clearLocalSession,
  isExpired,
  loadLocalSession,
  requestLocalToken,
  saveLocalSession,
  type LocalSession,
} from "./localSession";
import { LocalSignInForm, type SignInFailure } from "./LocalSignInForm";
import { SessionContext, type SessionInfo } from "./session";

interface LocalAuthValue {
  userName: string | null;
  signIn: (name: string) => void;
  /** Why the last sign-in failed, and with what name; null after a successful one. */
  failure: SignInFailure | null;
  signOut: () => void;
  fetchAccessToken: (args: { forceRefreshToken: boolean }) => Promise<string | null>;
}

const LocalAuthContext = createContext<LocalAuthValue | null>(null);

function useLocalAuth(): LocalAuthValue {
  const value = useContext(LocalAuthContext);
  if (!value) throw new Error("useLocalAuth must be used inside LocalAuthRoot.");
  return value;
}

/**
 * Signing out leaves the current page for "/": whoever signs in next must not land on the previous user's
 * project (which, for them, does not exist). Replaced, not pushed, so Back does not return to it either.
 */
function leavePage() {
  if (window.location.pathname !== "/") navigate("/", { replace: true });
}

/** The `useAuth` hook ConvexProviderWithAuth calls; its fetchAccessToken only changes when the user does. */
function useLocalConvexAuth() {
  const { userName, fetchAccessToken } = useLocalAuth();
  return useMemo(
    () => ({ isLoading: false, isAuthenticated: userName !== null, fetchAccessToken }),
    [userName, fetchAccessToken],
  );
}

/**
 * Auth without Clerk: the embedded backend issues tokens for a name. The session lives in localStorage so a
 * reload stays signed in; an expired or rejected token is renewed by signing in again with the stored name.
 *
 * Signing in shows the dashboard at once, while the token is on its way, as a stored token does on a reload
 * (AuthGate's early start). Queries wait for the token on the socket and writes wait in the outbox (kept under
 * the user's key, the token's subject, which the name alone determines). What the person types right after Enter
 * is kept until the dashboard puts focus somewhere (lib/keyHold.ts), then given to it: a new user's project name
 * and Enter create the project. If the sign-in fails, the form comes back with the name and the reason, and what
 * was typed for the dashboard is dropped rather than added to the name.
 */
export function LocalAuthRoot({
  client,
  convexUrl,
  children,
}: {
  client: ConvexReactClient;
  convexUrl: string;
  children: ReactNode;
}) {
  const sessionRef = useRef<LocalSession | null>(null);
  /** The sign-in request on its way, if any: fetchAccessToken waits for it rather than ask again. */
  const signingIn = useRef<Promise<LocalSession> | null>(null);
  const [failure, setFailure] = useState<SignInFailure | null>(null);
  const failures = useRef(0);
  const [userName, setUserName] = useState<string | null>(() => {
    sessionRef.current = loadLocalSession();
    return sessionRef.current?.name ?? null;
  });

  const setSession = useCallback((session: LocalSession | null) => {
    sessionRef.current = session;
    if (session) saveLocalSession(session);
    else clearLocalSession();
    setUserName(session?.name ?? null);
  }, []);

  // A token the entry sent before the first render (app/earlyStart.ts) is taken back if there is no user now.
  useEffect(() => {
    if (userName === null) abandonEarlyStart();
  }, [userName]);

  // Another tab signing in or out changes this tab's user too.
  useEffect(() => {
    function onStorage(event: StorageEvent) {
      if (event.key !== LOCAL_SESSION_KEY && event.key !== null) return;
      sessionRef.current = loadLocalSession();
      signingIn.current = null;
      if (!sessionRef.current) leavePage();
      setUserName(sessionRef.current?.name ?? null);
    }
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);

  const signIn = useCallback(
    (name: string) => {
      const hold = holdKeys({ submits: true });
      void hold.releaseOnNextFocus();
      const request = requestLocalToken(convexUrl, name);
      signingIn.current = request;
      sessionRef.current = null;
      setUserName(name);
      request.then(
        (session) => {
          if (signingIn.current !== request) return;
          signingIn.current = null;
          // Cleared only now: a form still showing keeps its key (a new one would take focus, and the held keys).
          setFailure(null);
          setSession(session);
        },
        (error: unknown) => {
          hold.take();
          if (signingIn.current !== request) return;
          signingIn.current = null;
          const message = error instanceof Error ? error.message : "Sign-in failed.";
          setFailure({ name, message, attempt: ++failures.current });
          setSession(null);
        },
      );
    },
    [convexUrl, setSession],
  );
  const signOut = useCallback(() => {
    leavePage();
    signingIn.current = null;
    setFailure(null);
    setSession(null);
  }, [setSession]);

  const fetchAccessToken = useCallback(
    async ({ forceRefreshToken }: { forceRefreshToken: boolean }) => {
      const pending = signingIn.current;
      if (pending) {
        const session = await pending.catch(() => null);
        return session !== null && session.name === userName && sessionRef.current === session ? session.token : null;
      }
      const current = sessionRef.current;
      if (!current || current.name !== userName) return null;
      if (!forceRefreshToken && !isExpired(current)) return current.token;
      try {
        const fresh = await requestLocalToken(convexUrl, current.name);
        // The user may have signed out or switched while the request was in flight.
        if (sessionRef.current?.name !== current.name) return null;
        sessionRef.current = fresh;
        saveLocalSession(fresh);
        return fresh.token;
      } catch {
        return null;
      }
    },
    [convexUrl, userName],
  );

  const value = useMemo(
    () => ({ userName, signIn, failure, signOut, fetchAccessToken }),
    [userName, signIn, failure, signOut, fetchAccessToken],
  );
  const session = useMemo<SessionInfo | null>(
    () =>
      userName === null
        ? null
        : {
            userName,
            userKey: localSubject(userName),
            signOut,
            getToken: (forceRefresh) => fetchAccessToken({ forceRefreshToken: forceRefresh }),
            earlyStart: signingIn.current !== null || (sessionRef.current !== null && !isExpired(sessionRef.current)),
          },
    [userName, signOut, fetchAccessToken],
  );

  return (
    <LocalAuthContext.Provider value={value}>
      <ConvexProviderWithAuth client={client} useAuth={useLocalConvexAuth}>
        <SessionContext.Provider value={session}>
          <AuthGate signIn={<LocalSignInPage />} backendUrl={convexUrl}>
            {children}
          </AuthGate>
        </SessionContext.Provider>
      </ConvexProviderWithAuth>
    </LocalAuthContext.Provider>
  );
}

function LocalSignInPage() {
  const { signIn, failure } = useLocalAuth();
  return <LocalSignInForm key={failure?.attempt ?? 0} onSignIn={signIn} failure={failure} />;
}
