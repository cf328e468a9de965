import { lazy, Suspense } from "react";
import { APP_CONTENT_ID } from "../lib/Dialog";
import { env } from "../lib/env";
import { LocalAuthRoot } from "../features/auth/LocalAuthRoot";
import { Announcer } from "./Announcer";
import { AppRoutes } from "./AppRoutes";
import { ConfigError } from "./ConfigError";
import { getConvexClient } from "./convexClient";
import { PageMessage } from "./PageMessage";
import { Toaster } from "./Toaster";
import "./app.css";

// Clerk is a large dependency; the local path never loads it.
const ClerkRoot = lazy(() => import("../features/auth/ClerkRoot"));

export function App() {
  return (
    <>
      <div id={APP_CONTENT_ID} className="app-content">
        <AppBody />
      </div>
      <Toaster />
      <Announcer />
    </>
  );
}

function AppBody() {
  const { convexUrl, clerkPublishableKey } = env;
  if (!convexUrl) {
    return <ConfigError problem="VITE_CONVEX_URL is not set, so the app does not know where its backend is." />;
  }
  let client;
  try {
    client = getConvexClient(convexUrl);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return <ConfigError problem={`VITE_CONVEX_URL is "${convexUrl}", which is not usable: ${reason}`} />;
  }
  if (clerkPublishableKey) {
    return (
      <Suspense fallback={<PageMessage title="Loading…" busy />}>
        <ClerkRoot client={client} publishableKey={clerkPublishableKey} convexUrl={convexUrl}>
          <AppRoutes />
        </ClerkRoot>
      </Suspense>
    );
  }
  return (
    <LocalAuthRoot client={client} convexUrl={convexUrl}>
      <AppRoutes />
    </LocalAuthRoot>
  );
}
