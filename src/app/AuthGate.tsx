import { AuthLoading, Authenticated, Unauthenticated } from "convex/react";
import type { ReactNode } from "react";
import { PageMessage } from "./PageMessage";

/**
 * Shows `signIn` until Convex has accepted a token, then the app. "Authenticated" here means the backend
 * confirmed the identity, not merely that a token is stored.
 */
export function AuthGate({ signIn, backendUrl, children }: { signIn: ReactNode; backendUrl: string; children: ReactNode }) {
  return (
    <>
      <AuthLoading>
        <PageMessage title="Connecting…" busy>
          <p className="muted">
            Connecting to the Polaris backend at <code>{backendUrl}</code>. If this takes long, check that the
            backend is running (<code>npm start</code>).
          </p>
        </PageMessage>
      </AuthLoading>
      <Unauthenticated>{signIn}</Unauthenticated>
      <Authenticated>{children}</Authenticated>
    </>
  );
}
