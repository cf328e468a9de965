import { ClerkProvider, SignIn, useAuth, useClerk, useUser } from "@clerk/clerk-react";
import type { ConvexReactClient } from "convex/react";
import { ConvexProviderWithClerk } from "convex/react-clerk";
import { useMemo, type ReactNode } from "react";
import { AuthGate } from "../../app/AuthGate";
import { SessionContext } from "./session";
import "./auth.css";

/**
 * Production auth: Clerk's hosted sign-in, its JWT (template "convex") passed to Convex. Loaded with a
 * dynamic import only when VITE_CLERK_PUBLISHABLE_KEY is set, so the local build never ships Clerk.
 */
export default function ClerkRoot({
  client,
  publishableKey,
  convexUrl,
  children,
}: {
  client: ConvexReactClient;
  publishableKey: string;
  convexUrl: string;
  children: ReactNode;
}) {
  return (
    <ClerkProvider publishableKey={publishableKey} afterSignOutUrl="/">
      <ConvexProviderWithClerk client={client} useAuth={useAuth}>
        <ClerkSession>
          <AuthGate signIn={<ClerkSignInPage />} backendUrl={convexUrl}>
            {children}
          </AuthGate>
        </ClerkSession>
      </ConvexProviderWithClerk>
    </ClerkProvider>
  );
}

function ClerkSession({ children }: { children: ReactNode }) {
  const { user } = useUser();
  const clerk = useClerk();
  const { getToken } = useAuth();
  const session = useMemo(
    () =>
      user
        ? {
            userName: user.fullName ?? user.username ?? user.primaryEmailAddress?.emailAddress ?? "Signed in",
            userKey: user.id,
            // To "/" (not the current page), so the next person to sign in does not land on this user's project.
            signOut: () => void clerk.signOut({ redirectUrl: "/" }),
            // The same token ConvexProviderWithClerk hands Convex (template "convex").
            getToken: (forceRefresh: boolean) => getToken({ template: "convex", skipCache: forceRefresh }),
          }
        : null,
    [user, clerk, getToken],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

function ClerkSignInPage() {
  return (
    <main className="auth-page">
      <SignIn routing="hash" />
    </main>
  );
}
