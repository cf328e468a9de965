import { useMemo } from "react";
import { api } from "../../../convex/_generated/api";
import type { Doc, Id } from "../../../convex/_generated/dataModel";
import { errorMessage } from "../../lib/errors";
import { notify } from "../../lib/notify";
import { optimisticId, RefusedWriteError, registerOptimisticUpdate, useWrite } from "../sync";

type Project = Doc<"projects">;
export type ProjectSettings = NonNullable<Project["settings"]>;

function newestFirst(a: Project, b: Project) {
  return b.updatedAt - a.updatedAt || b._creationTime - a._creationTime;
}

// Registered once at module level: the outbox's overlay re-runs them over cached results (also after a reload),
// so each must be a pure function of (store, args).

registerOptimisticUpdate(api.projects.create, (store, args) => {
  const list = store.getQuery(api.projects.list, {});
  if (list === undefined) return;
  const now = Date.now();
  const pending = {
    _id: optimisticId(args) as Id<"projects">,
    _creationTime: now,
    name: args.name.trim(),
    ownerId: "",
    updatedAt: now,
  } satisfies Project;
  store.setQuery(api.projects.list, {}, [pending, ...list.filter((p) => p._id !== pending._id)]);
});

registerOptimisticUpdate(api.projects.rename, (store, { projectId, name }) => {
  const now = Date.now();
  const list = store.getQuery(api.projects.list, {});
  if (list !== undefined) {
    store.setQuery(
      api.projects.list,
      {},
      list.map((p) => (p._id === projectId ? { ...p, name: name.trim(), updatedAt: now } : p)).sort(newestFirst),
    );
  }
  const project = store.getQuery(api.projects.get, { projectId });
  if (project) store.setQuery(api.projects.get, { projectId }, { ...project, name: name.trim(), updatedAt: now });
});

registerOptimisticUpdate(api.projects.remove, (store, { projectId }) => {
  const list = store.getQuery(api.projects.list, {});
  if (list !== undefined) {
    store.setQuery(
      api.projects.list,
      {},
      list.filter((p) => p._id !== projectId),
    );
  }
});

registerOptimisticUpdate(api.projects.updateSettings, (store, { projectId, settings }) => {
  const project = store.getQuery(api.projects.get, { projectId });
  if (!project) return;
  const next: ProjectSettings = { ...project.settings };
  for (const key of ["installCommand", "devCommand"] as const) {
    const value = settings[key]?.trim();
    if (value !== undefined) next[key] = value === "" ? undefined : value;
  }
  if (settings.assistantChanges !== undefined) next.assistantChanges = settings.assistantChanges;
  store.setQuery(api.projects.get, { projectId }, { ...project, settings: next, updatedAt: Date.now() });
});

function reportFailure(action: string) {
  return (error: unknown) => {
    // Refusals the outbox recorded are already listed (and toasted) by the sync layer.
    if (error instanceof RefusedWriteError) return;
    notify(`${action}: ${errorMessage(error)}`, "error");
  };
}

/**
 * Project writes through the offline outbox: each is stored durably under its own client operation id before
 * it is sent, shows at once through its optimistic update (also after a reload while offline), and is applied
 * by the server once however often it is replayed. The promises resolve when the server answers, which may be
 * much later than the call when offline.
 */
export function useProjectActions() {
  const create = useWrite(api.projects.create);
  const rename = useWrite(api.projects.rename);
  const remove = useWrite(api.projects.remove);
  const updateSettings = useWrite(api.projects.updateSettings);

  return useMemo(
    () => ({
      create: (name: string) =>
        create({ name }).catch((error: unknown) => {
          reportFailure(`Could not create "${name}"`)(error);
          return null;
        }),
      rename: (projectId: Id<"projects">, name: string) =>
        rename({ projectId, name }).then(
          () => true,
          (error: unknown) => {
            reportFailure(`Could not rename to "${name}"`)(error);
            return false;
          },
        ),
      remove: (projectId: Id<"projects">) =>
        remove({ projectId }).then(
          () => true,
          (error: unknown) => {
            reportFailure("Could not delete the project")(error);
            return false;
          },
        ),
      updateSettings: (projectId: Id<"projects">, settings: ProjectSettings) =>
        updateSettings({ projectId, settings }).then(
          () => true,
          (error: unknown) => {
            reportFailure("Could not save the settings")(error);
            return false;
          },
        ),
    }),
    [create, rename, remove, updateSettings],
  );
}
