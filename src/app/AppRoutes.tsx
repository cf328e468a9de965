import { lazy, Suspense } from "react";
import { Route, Switch } from "wouter";
import { DashboardPage } from "./DashboardPage";
import { NotFoundPage } from "./NotFoundPage";
import { PageMessage } from "./PageMessage";

const WorkspacePage = lazy(() => import("./WorkspacePage"));

export function AppRoutes() {
  return (
    <Switch>
      <Route path="/">
        <DashboardPage />
      </Route>
      <Route path="/p/:projectId">
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
  );
}
