import type { ConvexReactClient } from "convex/react";
import { useConvex, useMutation, useQuery } from "convex/react";
import type { OptimisticLocalStore } from "convex/browser";
import { useCallback, useEffect, useMemo, useRef } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { errorCode, errorMessage } from "../../lib/errors";
import { useAppStore } from "../../store";
import type { ExtensionLoader } from "./codemirror";
import type { EditorBackend, FileData, FileLoad } from "./documentSession";
import { EditorWorkspace } from "./EditorWorkspace";

type GetResult = typeof api.files.get._returnType;

function toFileData(file: GetResult): FileData {
  if (file.content !== undefined) {
    return { kind: "text", name: file.name, revision: file.revision, content: file.content, size: file.size };
  }
  return { kind: "stored", name: file.name, revision: file.revision, url: file.url ?? null, size: file.size };
}

function watchFile(convex: ConvexReactClient, fileId: Id<"files">, onData: (load: FileLoad) => void) {
  const watch = convex.watchQuery(api.files.get, { fileId });
  const emit = () => {
    let result: GetResult | undefined;
    try {
      result = watch.localQueryResult();
    } catch (error) {
      onData(errorCode(error) === "NOT_FOUND" ? { status: "missing" } : { status: "error", message: errorMessage(error) });
      return;
    }
    if (result !== undefined) onData({ status: "ready", file: toFileData(result) });
  };
  const unsubscribe = watch.onUpdate(emit);
  emit();
  return unsubscribe;
}

/**
 * Shows the new text in `files.get` in the same frame as the edit. The revision stays the old one: only the
 * server assigns revisions, and the editor treats a value at its own base revision as its own echo.
 */
function optimisticContent(
  localStore: OptimisticLocalStore,
  { fileId, content }: { fileId: Id<"files">; content: string },
) {
  const current = localStore.getQuery(api.files.get, { fileId });
  if (current?.content === undefined) return;
  localStore.setQuery(api.files.get, { fileId }, { ...current, content, size: new TextEncoder().encode(content).length });
}

/** The middle pane of a project: Convex wiring around EditorWorkspace. */
export function EditorPane({ projectId }: { projectId: Id<"projects"> }) {
  const convex = useConvex();
  const tree = useQuery(api.files.tree, { projectId });
  const updateContent = useMutation(api.files.updateContent).withOptimisticUpdate(optimisticContent);
  const createFileMutation = useMutation(api.files.createFile);
  const setTabsProject = useAppStore((s) => s.setTabsProject);
  // Tabs of another project must not reach the workspace, not even for one render.
  const tabsReady = useAppStore((s) => s.tabsProjectId === projectId);

  // The workspace keeps one backend for its life; the mutation function changes identity every render.
  const updateRef = useRef(updateContent);
  useEffect(() => {
    updateRef.current = updateContent;
  });

  useEffect(() => setTabsProject(projectId), [projectId, setTabsProject]);

  const backend = useMemo<EditorBackend>(
    () => ({
      watchFile: (fileId, onData) => watchFile(convex, fileId as Id<"files">, onData),
      saveContent: (fileId, content, baseRevision) =>
        updateRef.current({ fileId: fileId as Id<"files">, content, baseRevision, clientOpId: crypto.randomUUID() }),
    }),
    [convex],
  );

  const createFile = useCallback(
    (name: string, parentId: Id<"files"> | undefined, content: string) =>
      createFileMutation({ projectId, parentId, name, content, clientOpId: crypto.randomUUID() }),
    [createFileMutation, projectId],
  );

  // Each tab has its own EditorState, so the AI extensions of a state always act for that tab's file.
  const loadExtensions = useCallback<ExtensionLoader>(
    (fileId) =>
      import("../editor-ai").then((ai) =>
        ai.aiEditorExtensions({ projectId, getFileId: () => fileId as Id<"files">, convex }),
      ),
    [projectId, convex],
  );

  if (!tabsReady) return null;
  return (
    <EditorWorkspace
      key={projectId}
      backend={backend}
      tree={tree}
      createFile={createFile}
      loadExtensions={loadExtensions}
    />
  );
}
