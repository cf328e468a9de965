import { lazy, Suspense, useState } from "react";
import { Link, Route, Switch, useLocation } from "wouter";
import { useSession } from "../features/auth/session";
import { errorMessage } from "../lib/errors";
import { DashboardPage } from "./DashboardPage";
import { ErrorBoundary } from "./ErrorBoundary";
import { NotFoundPage } from "./NotFoundPage";
import { PageMessage } from "./PageMessage";
import { loadedWorkspacePage, loadWorkspacePage, PROJECT_ROUTE } from "./routes";

const LazyWorkspacePage = lazy(loadWorkspacePage);

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
          {(params) => <WorkspaceRoute key={params.projectId} projectId={params.projectId} />}
        </Route>
        <Route>
          <NotFoundPage />
        </Route>
      </Switch>
    </ErrorBoundary>
  );
}

/**
 * The workspace page, rendered at once when its code is already in (at a project's address the entry waits for it
 * before the first render, main.tsx), else through React.lazy with "Opening project…" meanwhile. A fallback costs
 * more than its own wait: React reveals a suspended boundary's content no sooner than 300 ms after its fallback
 * showed (FALLBACK_THROTTLE_MS in react-dom), which held the first tree row back by up to 300 ms (bench/load).
 * Chosen once per mount: switching from the lazy page to the loaded one would remount the page.
 */
function WorkspaceRoute({ projectId }: { projectId: string }) {
  const [Page] = useState(() => loadedWorkspacePage() ?? LazyWorkspacePage);
  return (
    <Suspense fallback={<PageMessage title="Opening project…" busy />}>
      <Page projectId={projectId} />
    </Suspense>
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
