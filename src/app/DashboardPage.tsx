import { useEffect } from "react";
import { ProjectsDashboard } from "../features/projects/ProjectsDashboard";
import { AppHeader } from "./AppHeader";
import { loadWorkspacePage } from "./routes";

export function DashboardPage() {
  // A created project opens itself: its page's code is fetched now, so opening it waits only for the server's id.
  useEffect(() => void loadWorkspacePage(), []);
  return (
    <div className="app-page">
      <AppHeader />
      <main className="app-scroll">
        <ProjectsDashboard />
      </main>
    </div>
  );
}
