import { useMemo } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { PendingChanges } from "../../../convex/lib/validators";
import { useSyncedQuery } from "../sync";

export type PendingChange = PendingChanges[number];

/**
 * The project's assistant changes waiting for review (convex/changes.ts `pending`: recorded while the project's
 * setting is "wait for review", neither kept nor undone yet), by the id of the file or folder they left. Empty
 * while loading and in "apply at once" projects.
 */
export function usePendingChanges(projectId: Id<"projects">): ReadonlyMap<string, PendingChange> {
  const pending = useSyncedQuery(api.changes.pending, { projectId });
  return useMemo(() => new Map((pending ?? []).map((p) => [p.line.fileId as string, p])), [pending]);
}
