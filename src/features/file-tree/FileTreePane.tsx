import { useEffect, useMemo } from "react";
import { useConvex, useMutation, useQuery } from "convex/react";
import type { OptimisticUpdate } from "convex/browser";
import type { FunctionArgs, FunctionReference } from "convex/server";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { useAppStore } from "../../store";
import { QuickOpen } from "../quick-open/QuickOpen";
import { FileTree } from "./FileTree";
import type { FileId } from "./model";
import {
  optimisticCopy,
  optimisticCreateBinaryFile,
  optimisticCreateFile,
  optimisticCreateFolder,
  optimisticMove,
  optimisticRemove,
  optimisticRename,
} from "./optimistic";
import { openInEditor } from "./openFile";
import type { FileTreeActions } from "./types";
import { readSmallText } from "./upload";

const opId = () => crypto.randomUUID();

/** `useMutation` with an optimistic update, stable across renders (withOptimisticUpdate makes a new function). */
function useOptimistic<M extends FunctionReference<"mutation">>(mutation: M, update: OptimisticUpdate<FunctionArgs<M>>) {
  const plain = useMutation(mutation);
  return useMemo(() => plain.withOptimisticUpdate(update), [plain, update]);
}

/**
 * The file tree of one project, wired to Convex: `files.tree` for data, optimistic mutations for writes
 * (rows change in the same frame and roll back if the server refuses), the editor's store for opening.
 * Also hosts Quick Open (Ctrl/Cmd+P), which searches the same data.
 */
export function FileTreePane({ projectId }: { projectId: Id<"projects"> }) {
  const files = useQuery(api.files.tree, { projectId });
  const convex = useConvex();
  const createFile = useOptimistic(api.files.createFile, optimisticCreateFile);
  const createFolder = useOptimistic(api.files.createFolder, optimisticCreateFolder);
  const rename = useOptimistic(api.files.rename, optimisticRename);
  const move = useOptimistic(api.files.move, optimisticMove);
  const copy = useOptimistic(api.files.copy, optimisticCopy);
  const remove = useOptimistic(api.files.remove, optimisticRemove);
  const generateUploadUrl = useMutation(api.files.generateUploadUrl);
  const createBinaryFile = useOptimistic(api.files.createBinaryFile, optimisticCreateBinaryFile);

  useEffect(() => {
    useAppStore.getState().resetTree(projectId);
  }, [projectId]);

  const actions: FileTreeActions = useMemo(
    () => ({
      createFile: (parentId, name, content) => createFile({ projectId, parentId, name, content, clientOpId: opId() }),
      createFolder: (parentId, name) => createFolder({ projectId, parentId, name, clientOpId: opId() }),
      rename: (fileId, name) => rename({ fileId, name, clientOpId: opId() }),
      move: (fileId, parentId) => move({ fileId, parentId, clientOpId: opId() }),
      copy: (fileId, parentId) => copy({ fileId, parentId, clientOpId: opId() }),
      remove: (fileId) => remove({ fileId, clientOpId: opId() }),
      open: openInEditor,
      readContent: async (fileId) => {
        const file = await convex.query(api.files.get, { fileId });
        return file.isBinary || file.content === undefined ? null : file.content;
      },
      upload: async (parentId, dropped) => {
        for (const file of dropped) {
          const text = await readSmallText(file);
          if (text !== null) {
            await createFile({ projectId, parentId, name: file.name, content: text, clientOpId: opId() });
            continue;
          }
          const url = await generateUploadUrl({ projectId });
          const response = await fetch(url, {
            method: "POST",
            headers: { "Content-Type": file.type || "application/octet-stream" },
            body: file,
          });
          if (!response.ok) throw new Error(`Uploading "${file.name}" failed (HTTP ${response.status}). Try again.`);
          const { storageId } = (await response.json()) as { storageId: Id<"_storage"> };
          await createBinaryFile({ projectId, parentId, name: file.name, storageId, clientOpId: opId() });
        }
      },
    }),
    [projectId, convex, createFile, createFolder, rename, move, copy, remove, generateUploadUrl, createBinaryFile],
  );

  return (
    <section aria-label="Explorer" className="file-tree-pane" data-project={projectId} style={{ height: "100%" }}>
      <FileTree files={files} actions={actions} label="Files" />
      <QuickOpen
        files={files}
        onOpen={(fileId: FileId) => {
          useAppStore.getState().setSelection([fileId], fileId, fileId);
          openInEditor(fileId, { preview: false, focusEditor: true });
        }}
      />
    </section>
  );
}
