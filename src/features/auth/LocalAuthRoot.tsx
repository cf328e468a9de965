import { ConvexProviderWithAuth, type ConvexReactClient } from "convex/react";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { navigate } from "wouter/use-browser-location";
import { AuthGate } from "../../app/AuthGate";
import { abandonEarlyStart } from "../../app/earlyStart";
import {
  LOCAL_SESSION_KEY,
  clearLocalSession,
  isExpired,
  loadLocalSession,
  requestLocalToken,
  saveLocalSession,
  tokenSubject,
  type LocalSession,
} from "./localSession";
import { LocalSignInForm } from "./LocalSignInForm";
import { SessionContext, type SessionInfo } from "./session";

interface LocalAuthValue {
  userName: string | null;
  signIn: (name: string) => Promise<void>;
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
      if (!sessionRef.current) leavePage();
      setUserName(sessionRef.current?.name ?? null);
    }
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, []);

  const signIn = useCallback(
    async (name: string) => setSession(await requestLocalToken(convexUrl, name)),
    [convexUrl, setSession],
  );
  const signOut = useCallback(() => {
    leavePage();
    setSession(null);
  }, [setSession]);

  const fetchAccessToken = useCallback(
    async ({ forceRefreshToken }: { forceRefreshToken: boolean }) => {
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
    () => ({ userName, signIn, signOut, fetchAccessToken }),
    [userName, signIn, signOut, fetchAccessToken],
  );
  const session = useMemo<SessionInfo | null>(
    () =>
      userName === null
        ? null
        : {
            userName,
            userKey: tokenSubject(sessionRef.current?.token ?? "") ?? `local:${userName}`,
            signOut,
            getToken: (forceRefresh) => fetchAccessToken({ forceRefreshToken: forceRefresh }),
            cachedToken: sessionRef.current !== null && !isExpired(sessionRef.current),
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
  const { signIn } = useLocalAuth();
  return <LocalSignInForm onSignIn={signIn} />;
}
