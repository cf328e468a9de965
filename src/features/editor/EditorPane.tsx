import type { ConvexReactClient } from "convex/react";
import { useConvex } from "convex/react";
import type { FunctionArgs } from "convex/server";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api } from "../../../convex/_generated/api";
import { utf8Length } from "../../../convex/lib/text";
import type { Id } from "../../../convex/_generated/dataModel";
import { errorCode, errorMessage } from "../../lib/errors";
import { useAppStore } from "../../store";
import {
  extendOptimisticUpdate,
  isTempId,
  optimisticId,
  readSyncedQuery,
  registerOptimisticUpdate,
  useOutbox,
  useWrite,
  watchResolvedIds,
  watchSyncedQuery,
  type Outbox,
} from "../sync";
import { pathLookup } from "../file-tree/model";
import { listedEntry } from "../file-tree/optimistic";
import { useProvidedListing } from "../file-tree/ProjectListingProvider";
import { usePendingChanges } from "../review/usePendingChanges";
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

function watchFile(convex: ConvexReactClient, outbox: Outbox, fileId: Id<"files">, onData: (load: FileLoad) => void) {
  return watchSyncedQuery(convex, outbox, api.files.get, { fileId }, (update) => {
    if ("error" in update) {
      const { error } = update;
      onData(errorCode(error) === "NOT_FOUND" ? { status: "missing" } : { status: "error", message: errorMessage(error) });
    } else {
      onData({ status: "ready", file: toFileData(update.value) });
    }
  });
}

/**
 * Shows the new text in `files.get` in the same frame as the edit, live and in the offline overlay. The
 * revision stays the old one: only the server assigns revisions, and the editor treats a value at its own base
 * revision as its own echo.
 */
// One reference each: every `api.x.y` access builds a new proxy, and the offline overlay runs these updates for
// every pending entry each time it is recomputed.
const filesGet = api.files.get;

registerOptimisticUpdate(api.files.updateContent, (store, { fileId, content }: FunctionArgs<typeof api.files.updateContent>) => {
  const current = store.getQuery(filesGet, { fileId });
  if (current?.content === undefined) return;
  store.setQuery(filesGet, { fileId }, { ...current, content, size: utf8Length(content) });
});

/**
 * A file just created (offline, or before the server answered) opens and takes typing at once: `files.get` of
 * its temporary id holds the text it was created with, at revision 1, the revision the server gives every new
 * file (convex/model/files.ts), so the first save is based on exactly what the create makes. Only when the tree
 * listing guess placed the entry (known parent, free name): otherwise the file is not shown anywhere to open.
 */
extendOptimisticUpdate(api.files.createFile, "editor/files.get", (store, args: FunctionArgs<typeof api.files.createFile>) => {
  const fileId = optimisticId(args) as Id<"files">;
  const entry = listedEntry(store, args.projectId, fileId);
  if (!entry) return;
  const content = args.content ?? "";
  const now = Date.now();
  store.setQuery(filesGet, { fileId }, {
    ...entry,
    type: "file",
    _creationTime: now,
    projectId: args.projectId,
    updatedAt: now,
    revision: 1,
    isBinary: false,
    content,
    size: utf8Length(content),
  });
});

/** The middle pane of a project: Convex wiring around EditorWorkspace. */
export function EditorPane({ projectId }: { projectId: Id<"projects"> }) {
  const convex = useConvex();
  const outbox = useOutbox();
  // The workspace's one listing (ProjectListingProvider), once complete: joining the listing again here doubled
  // that work on every change of it (bench/offline profile).
  const listing = useProvidedListing();
  const tree = listing.complete ? listing.entries : undefined;
  const updateContent = useWrite(api.files.updateContent);
  const createFileMutation = useWrite(api.files.createFile);
  const pending = usePendingChanges(projectId);
  const reviewFiles = useMemo(() => new Map([...pending.values()].map((p) => [p.line.fileId, p.line._id as string])), [pending]);
  // Tabs of another project must not reach the workspace, not even for one render (the workspace switches the tabs
  // to its project: WorkspacePage.tsx).
  const tabsReady = useAppStore((s) => s.tabsProjectId === projectId);

  // The workspace keeps one backend for its life; keep the latest mutation function and listing behind it.
  const updateRef = useRef(updateContent);
  const treeRef = useRef(tree);
  const [pathIn] = useState(pathLookup);
  useEffect(() => {
    updateRef.current = updateContent;
    treeRef.current = tree;
  });

  // Every save goes through the outbox: stored durably first, then sent, merged on CONFLICT.
  const backend = useMemo<EditorBackend>(
    () => ({
      watchFile: (fileId, onData) => watchFile(convex, outbox, fileId as Id<"files">, onData),
      saveContent: (fileId, content, baseRevision) =>
        updateRef.current(
          { fileId: fileId as Id<"files">, content, baseRevision },
          `Edit ${pathIn(treeRef.current, fileId) ?? "a file"}`,
        ),
      dismissIssue: (issueId) => void outbox.dismissIssue(issueId),
      watchResolvedIds: (onResolved) => watchResolvedIds(outbox, onResolved),
      // One read per change, not a subscription: the marks map along later edits (review/reviewMarks.ts).
      readReviewBase: async (changeId) => {
        const texts = await readSyncedQuery(convex, outbox, api.changes.texts, { changeId: changeId as Id<"fileChanges"> }, true);
        return texts === undefined || texts.binary || texts.line.type === "folder" ? null : texts.before;
      },
    }),
    [convex, outbox, pathIn],
  );

  const createFile = useCallback(
    (name: string, parentId: Id<"files"> | undefined, content: string) =>
      createFileMutation({ projectId, parentId, name, content }),
    [createFileMutation, projectId],
  );

  // Each tab has its own EditorState, so the AI extensions of a state always act for that tab's file.
  // The AI actions take server ids only: a file created offline gets AI help once its create is confirmed.
  const loadExtensions = useCallback<ExtensionLoader>(
    (_fileId, currentFileId) =>
      import("../editor-ai").then((ai) =>
        ai.aiEditorExtensions({
          projectId,
          getFileId: () => {
            const id = currentFileId() as Id<"files">;
            return isTempId(id) ? null : id;
          },
          convex,
        }),
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
      reviewFiles={reviewFiles}
    />
  );
}
