import { ProjectsDashboard } from "../features/projects/ProjectsDashboard";
import { AppHeader } from "./AppHeader";

export function DashboardPage() {
  return (
    <div className="app-page">
      <AppHeader />
      <main className="app-scroll">
        <ProjectsDashboard />
      </main>
    </div>
  );
}
