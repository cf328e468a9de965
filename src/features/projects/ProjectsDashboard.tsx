import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { ImportProjectButton } from "../import-export/ImportProjectDialog";
import { useSyncedQuery } from "../sync";
import { ProjectsView } from "./ProjectsView";
import { useProjectActions } from "./useProjectActions";

/** The signed-in user's projects, live from Convex (or from the offline cache), with
 * pending writes from the outbox shown on top. */
export function ProjectsDashboard() {
  const projects = useSyncedQuery(api.projects.list, {});
  const actions = useProjectActions();
  return (
    <ProjectsView
      projects={projects}
      onCreate={(name) => void actions.create(name)}
      onRename={(id, name) => void actions.rename(id as Id<"projects">, name)}
      onDelete={(id) => void actions.remove(id as Id<"projects">)}
      actions={<ImportProjectButton />}
    />
  );
}
