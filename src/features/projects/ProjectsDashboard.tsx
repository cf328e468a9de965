import { useLocation } from "wouter";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { holdKeys } from "../../lib/keyHold";
import { ImportProjectButton } from "../import-export/ImportProjectDialog";
import { useSyncedQuery } from "../sync";
import { ProjectsView } from "./ProjectsView";
import { useProjectActions } from "./useProjectActions";

/** The signed-in user's projects, live from Convex (or from the offline cache), with
 * pending writes from the outbox shown on top. */
export function ProjectsDashboard() {
  const projects = useSyncedQuery(api.projects.list, {});
  const actions = useProjectActions();
  const [, navigate] = useLocation();

  // A created project opens itself once the server has given it its id (its tree takes focus), and what is typed
  // meanwhile is kept and given to it (lib/keyHold.ts). A refused create, a server slower than the hold (offline:
  // the row waits as "Creating…"), a pointer press or Tab leave the person on the dashboard, keys given to the
  // name field they were typed after.
  async function createAndOpen(name: string) {
    const hold = holdKeys();
    const projectId = await actions.create(name);
    if (projectId === null || !hold.active) return hold.release();
    navigate(`/p/${projectId}`);
    return hold.releaseOnNextFocus();
  }

  return (
    <ProjectsView
      projects={projects}
      onCreate={(name) => void createAndOpen(name)}
      onRename={(id, name) => void actions.rename(id as Id<"projects">, name)}
      onDelete={(id) => void actions.remove(id as Id<"projects">)}
      actions={<ImportProjectButton />}
    />
  );
}
