import { useMutation } from "convex/react";
import { useMemo } from "react";
import { api } from "../../../convex/_generated/api";
import type { Doc, Id } from "../../../convex/_generated/dataModel";
import { errorMessage } from "../../lib/errors";
import { notify } from "../../lib/notify";
import { PENDING_ID_PREFIX } from "./projectName";

type Project = Doc<"projects">;
export type ProjectSettings = NonNullable<Project["settings"]>;

function newestFirst(a: Project, b: Project) {
  return b.updatedAt - a.updatedAt || b._creationTime - a._creationTime;
}

function reportFailure(action: string) {
  return (error: unknown) => {
    notify(`${action}: ${errorMessage(error)}`, "error");
  };
}

/**
 * Project writes with optimistic updates: the list and the open project change in the frame of the action,
 * and Convex replaces the guess with the server's answer (or rolls it back when the server refuses, in which
 * case the refusal appears as a toast). Every write carries a client operation id so a replay is harmless.
 */
export function useProjectActions() {
  const create = useMutation(api.projects.create).withOptimisticUpdate((store, { name, clientOpId }) => {
    const list = store.getQuery(api.projects.list, {});
    if (list === undefined) return;
    const now = Date.now();
    // The id derives from clientOpId so every re-run of this update yields the same row (a stable React key).
    const pending = {
      _id: `${PENDING_ID_PREFIX}${clientOpId}` as Id<"projects">,
      _creationTime: now,
      name: name.trim(),
      ownerId: "",
      updatedAt: now,
    } satisfies Project;
    store.setQuery(api.projects.list, {}, [pending, ...list]);
  });

  const rename = useMutation(api.projects.rename).withOptimisticUpdate((store, { projectId, name }) => {
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
    if (project !== undefined) {
      store.setQuery(api.projects.get, { projectId }, { ...project, name: name.trim(), updatedAt: now });
    }
  });

  const remove = useMutation(api.projects.remove).withOptimisticUpdate((store, { projectId }) => {
    const list = store.getQuery(api.projects.list, {});
    if (list !== undefined) {
      store.setQuery(
        api.projects.list,
        {},
        list.filter((p) => p._id !== projectId),
      );
    }
  });

  const updateSettings = useMutation(api.projects.updateSettings).withOptimisticUpdate(
    (store, { projectId, settings }) => {
      const project = store.getQuery(api.projects.get, { projectId });
      if (project === undefined) return;
      const next: ProjectSettings = { ...project.settings };
      for (const key of ["installCommand", "devCommand"] as const) {
        const value = settings[key]?.trim();
        if (value !== undefined) next[key] = value === "" ? undefined : value;
      }
      store.setQuery(api.projects.get, { projectId }, { ...project, settings: next, updatedAt: Date.now() });
    },
  );

  return useMemo(
    () => ({
      create: (name: string) =>
        create({ name, clientOpId: crypto.randomUUID() }).catch((error: unknown) => {
          reportFailure(`Could not create "${name}"`)(error);
          return null;
        }),
      rename: (projectId: Id<"projects">, name: string) =>
        rename({ projectId, name, clientOpId: crypto.randomUUID() }).then(
          () => true,
          (error: unknown) => {
            reportFailure(`Could not rename to "${name}"`)(error);
            return false;
          },
        ),
      remove: (projectId: Id<"projects">) =>
        remove({ projectId, clientOpId: crypto.randomUUID() }).then(
          () => true,
          (error: unknown) => {
            reportFailure("Could not delete the project")(error);
            return false;
          },
        ),
      updateSettings: (projectId: Id<"projects">, settings: ProjectSettings) =>
        updateSettings({ projectId, settings, clientOpId: crypto.randomUUID() }).then(
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
