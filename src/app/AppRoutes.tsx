import { lazy, Suspense } from "react";
import { Link, Route, Switch, useLocation } from "wouter";
import { useSession } from "../features/auth/session";
import { errorMessage } from "../lib/errors";
import { DashboardPage } from "./DashboardPage";
import { ErrorBoundary } from "./ErrorBoundary";
import { NotFoundPage } from "./NotFoundPage";
import { PageMessage } from "./PageMessage";
import { loadWorkspacePage, PROJECT_ROUTE } from "./routes";

// Opened at a project's address: its code is fetched while the app signs in, not after.
if (window.location.pathname.startsWith("/p/")) void loadWorkspacePage();
const WorkspacePage = lazy(loadWorkspacePage);

export function AppRoutes() {
  const [location] = useLocation();
  return (
    // Keyed by page (the first two path segments, e.g. /p/<id>): moving to another page after a failure gives
    // it a fresh start, while changes deeper in a page's own path do not remount it.
    <ErrorBoundary key={location.split("/").slice(0, 3).join("/")} fallback={(error) => <PageError error={error} />}>
      <Switch>
        <Route path="/">
          <DashboardPage />
        </Route>
        <Route path={PROJECT_ROUTE}>
          {(params) => (
            <Suspense fallback={<PageMessage title="Opening project…" busy />}>
              <WorkspacePage key={params.projectId} projectId={params.projectId} />
            </Suspense>
          )}
        </Route>
        <Route>
          <NotFoundPage />
        </Route>
      </Switch>
    </ErrorBoundary>
  );
}

function PageError({ error }: { error: unknown }) {
  const { signOut } = useSession();
  return (
    <PageMessage title="Something went wrong">
      <p role="alert">{errorMessage(error)}</p>
      <p>
        <button type="button" className="btn btn-primary" onClick={() => window.location.reload()}>
          Reload
        </button>{" "}
        <Link href="/" className="btn">
          ← Your projects
        </Link>{" "}
        <button type="button" className="btn" onClick={signOut}>
          Sign out
        </button>
      </p>
    </PageMessage>
  );
}
