import { useMemo, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { suggestRunCommands, type RunCommands } from "../../../convex/lib/runCommands";
import { useAppStore } from "../../store";
import { pathLookup } from "../file-tree/model";
import { useProvidedListing } from "../file-tree/ProjectListingProvider";
import { useSyncedQuery } from "../sync/useSyncedQuery";

/**
 * The Run commands the project's files suggest (convex/lib/runCommands.ts), while `wanted`: from the listing's
 * root, the root package.json's text (read only then) and the open file. Fields the files say nothing about are "".
 */
export function useRunSuggestion(wanted: boolean): Required<RunCommands> | undefined {
  const { entries } = useProvidedListing();
  const activeFileId = useAppStore((s) => s.activeFileId);
  const rootFiles = useMemo(
    () => (wanted ? (entries ?? []).filter((e) => e.parentId === undefined && e.type === "file") : []),
    [wanted, entries],
  );
  const packageJsonId = rootFiles.find((e) => e.name === "package.json")?._id;
  const packageJson = useSyncedQuery(api.files.get, wanted && packageJsonId ? { fileId: packageJsonId } : "skip");
  const [pathIn] = useState(pathLookup);
  return useMemo(() => {
    if (!wanted) return undefined;
    return suggestRunCommands({
      rootFiles: rootFiles.map((e) => e.name),
      packageJson: packageJson?.content,
      activePath: activeFileId === null ? undefined : pathIn(entries, activeFileId),
    });
  }, [wanted, entries, rootFiles, packageJson, activeFileId, pathIn]);
}
