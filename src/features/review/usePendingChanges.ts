import { useMemo } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { PendingChanges } from "../../../convex/lib/validators";
import { useAfterFirstRows } from "../../lib/afterFirstRows";
import { useSyncedQuery } from "../sync";

export type PendingChange = PendingChanges[number];

/**
 * The project's assistant changes waiting for review (convex/changes.ts `pending`: recorded while the project's
 * setting is "wait for review", neither kept nor undone yet), by the id of the file or folder they left. Empty
 * while loading and in "apply at once" projects. Asked once the tree has shown its first rows (lib/afterFirstRows.ts):
 * they do not need it, and its query and answer need not compete with the listing's on the socket and the backend.
 */
export function usePendingChanges(projectId: Id<"projects">): ReadonlyMap<string, PendingChange> {
  const pending = useSyncedQuery(api.changes.pending, useAfterFirstRows() ? { projectId } : "skip");
  return useMemo(() => new Map((pending ?? []).map((p) => [p.line.fileId as string, p])), [pending]);
}
