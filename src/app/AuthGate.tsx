import { useConvex, useConvexAuth } from "convex/react";
import { useContext, useEffect, useState, type ReactNode } from "react";
import { SessionContext } from "../features/auth/session";
import { useEarlyListing } from "../features/file-tree/earlyListing";
import { SyncProvider } from "../features/sync";
import { watchConnectivity } from "../features/sync/connectivity";
import { PageMessage } from "./PageMessage";

/** True while the backend cannot be reached: the browser says it is offline, or the socket failed to connect. */
function useBackendUnreachable(): boolean {
  const convex = useConvex();
  const [unreachable, setUnreachable] = useState(false);
  useEffect(
    () =>
      watchConnectivity(convex, (state, online) =>
        setUnreachable(!online || (!state.isWebSocketConnected && state.connectionRetries > 0)),
      ),
    [convex],
  );
  return unreachable;
}

/**
 * Shows `signIn` until Convex has accepted a token, then the app. "Authenticated" here means the backend
 * confirmed the identity, not merely that a token is stored, with two exceptions that show the app at once,
 * working from the offline cache and outbox: a user whose stored token has not expired or who has just signed in
 * (so the workspace's code, IndexedDB and queries start while the socket connects and authenticates, not one
 * after another, and what the person types lands in the app), and a user who signed in before and whose backend
 * is unreachable. Either way no write is sent until the backend
 * confirms the token (the outbox waits for `authenticated`; the client sends queries after the token); if it
 * then refuses it, the sign-in page replaces the app and the outbox waits in IndexedDB for the same user's next
 * sign-in.
 */
export function AuthGate({ signIn, backendUrl, children }: { signIn: ReactNode; backendUrl: string; children: ReactNode }) {
  const { isLoading, isAuthenticated } = useConvexAuth();
  const session = useContext(SessionContext);
  const unreachable = useBackendUnreachable();
  const userKey = session?.userKey ?? null;
  // The project's listing goes out with the token, not after the page's code and the offline cache have loaded.
  useEarlyListing(userKey !== null);
  const earlyStart = isLoading && userKey !== null && (unreachable || session?.earlyStart === true);
  // Once the app is showing for a user, reconnecting (loading again) must not unmount it and its open editors.
  const [shownFor, setShownFor] = useState<string | null>(null);
  if ((isAuthenticated || earlyStart) && userKey !== null && shownFor !== userKey) setShownFor(userKey);
  const keepShowing = isLoading && userKey !== null && shownFor === userKey;

  if ((isAuthenticated || earlyStart || keepShowing) && userKey !== null) {
    // One position in the tree for both cases, so coming back online keeps the same outbox and pages.
    return (
      <SyncProvider userKey={userKey} authenticated={isAuthenticated}>
        {children}
      </SyncProvider>
    );
  }
  // Signed in, but the identity provider has not said who yet (Clerk loads the user after the token).
  if (isLoading || isAuthenticated) {
    return (
      <PageMessage title="Connecting…" busy>
        <p className="muted">
          Connecting to the Polaris backend at <code>{backendUrl}</code>. If this takes long, check that the backend
          is running (<code>npm start</code>).
        </p>
      </PageMessage>
    );
  }
  return <>{signIn}</>;
}
