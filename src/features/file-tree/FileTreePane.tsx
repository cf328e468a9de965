import { useConvex } from "convex/react";
import { usePendingChanges } from "../review/usePendingChanges";
import { useEffect, useMemo, useRef, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { notify } from "../../lib/notify";
import { releaseAfterFirstRows } from "../../lib/afterFirstRows";
import { useAppStore } from "../../store";
import { QuickOpen } from "../quick-open/QuickOpen";
import { useLiveWrite, useOutbox, useWrite, type DurablePromise } from "../sync";
import { FileTree } from "./FileTree";
import { pathLookup, type FileId } from "./model";
import "./optimistic";
import { openInEditor } from "./openFile";
import type { FileTreeActions } from "./types";
import { uploadToStorage } from "../import-export/upload";
import { checkDropped, dropLimitProblem, offlineDropProblem, readDroppedTexts, refusedMessage, type DroppedItem } from "./folderDrop";
import { MAX_CREATE_MANY, MAX_CREATE_MANY_BYTES } from "../../../convex/lib/limits";
import { useProvidedListing } from "./ProjectListingProvider";

/**
 * A write counts as done for the tree once the outbox holds it durably: offline the server's answer may be
 * hours away, and later writes can already name a new row by its temporary id (the outbox swaps in the real
 * id when it sends them). Refusals arrive later, as sync issues (listed in the header and toasted).
 */
async function stored(request: DurablePromise<unknown>): Promise<void> {
  await request.stored;
}

/**
 * The id of a created row: the server's once it answers; while offline the temporary id of the optimistic row
 * (later writes naming it are chained onto the create in the outbox). Online it waits for the real id, so the
 * focus and the editor tab follow the row the server keeps.
 */
async function storedId(request: DurablePromise<unknown>, offline: () => boolean): Promise<FileId> {
  await request.stored;
  if (offline()) return request.tempId as FileId;
  return (await request) as FileId;
}

/** A drop of this many files or more says it has started (it may take a while). */
const PROGRESS_FROM = 50;

/**
 * The file tree of one project, wired to the offline layer: the project's listing (from ProjectListingProvider,
 * which reads it with useProjectListing: the listing's head and buckets through the read path, live, else cached,
 * with pending writes applied), every write through the outbox with the optimistic updates registered
 * in optimistic.ts (the one place for tree writes), the editor's store for opening. Also hosts Quick Open.
 */
export function FileTreePane({ projectId }: { projectId: Id<"projects"> }) {
  // Partial: a large project shows its root level and then each bucket as it arrives (see useProjectListing).
  const { entries: files, complete, preparing } = useProvidedListing();
  const pending = usePendingChanges(projectId);
  const outbox = useOutbox();
  const convex = useConvex();
  const createFile = useWrite(api.files.createFile);
  const createFolder = useWrite(api.files.createFolder);
  const rename = useWrite(api.files.rename);
  const move = useWrite(api.files.move);
  const copy = useWrite(api.files.copy);
  const remove = useWrite(api.files.remove);
  const restore = useWrite(api.trash.restore);
  const generateUploadUrl = useLiveWrite(api.files.generateUploadUrl);
  const createBinaryFile = useWrite(api.files.createBinaryFile);
  const createMany = useWrite(api.files.createMany);

  useEffect(() => {
    useAppStore.getState().resetTree(projectId);
  }, [projectId]);
  // A listing still being prepared has no rows to wait for: what waits for them (lib/afterFirstRows.ts) goes ahead.
  useEffect(() => {
    if (preparing) releaseAfterFirstRows();
  }, [preparing]);

  // The sync panel lists each write by what it does, with the paths as they were when it was made.
  const filesRef = useRef(files);
  const [pathIn] = useState(pathLookup);
  useEffect(() => {
    filesRef.current = files;
  });

  const actions: FileTreeActions = useMemo(() => {
    const offline = () => !navigator.onLine || outbox.state().status.phase === "offline";
    const path = (id: FileId) => pathIn(filesRef.current, id) ?? "an item";
    const inFolder = (parentId: FileId | undefined, name: string) => (parentId ? `${path(parentId)}/${name}` : name);
    const folderName = (parentId: FileId | undefined) => (parentId ? path(parentId) : "the project root");
    return {
      createFile: (parentId, name, content) =>
        storedId(createFile({ projectId, parentId, name, content }, `Create ${inFolder(parentId, name)}`), offline),
      createFolder: (parentId, name) => {
        const request = createFolder({ projectId, parentId, name }, `Create folder ${inFolder(parentId, name)}`);
        return Object.assign(storedId(request, offline), { shownId: request.tempId as FileId });
      },
      rename: (fileId, name) => {
        const from = path(fileId);
        const to = from.includes("/") ? `${from.slice(0, from.lastIndexOf("/"))}/${name}` : name;
        return stored(rename({ fileId, name }, `Rename ${from} → ${to}`));
      },
      move: (fileId, parentId) => stored(move({ fileId, parentId }, `Move ${path(fileId)} → ${folderName(parentId)}`)),
      copy: (fileId, parentId) => storedId(copy({ fileId, parentId }, `Copy ${path(fileId)} → ${folderName(parentId)}`), offline),
      remove: (fileId) => stored(remove({ fileId }, `Delete ${path(fileId)}`)),
      restore: async (fileId, deletedPath) => {
        const request = restore({ fileId }, `Restore ${deletedPath}`);
        await request.stored;
        return offline() ? undefined : await request;
      },
      open: openInEditor,
      downloadZip: async (folderId) => {
        const entries = filesRef.current;
        if (entries === undefined) throw new Error("The file list is still loading. Try again in a moment.");
        // fflate loads with the first download, not with the workspace.
        const { downloadZip, zipFileName } = await import("../import-export/zipDownload");
        const name = entries.find((e) => e._id === folderId)?.name ?? "folder";
        const problem = await downloadZip(convex, outbox, [...entries], folderId, zipFileName(name));
        notify(problem ?? `Downloaded ${zipFileName(name)}.`, problem === null ? "success" : "error");
      },
      upload: async (targetId, dropped) => {
        const { items, refused, fileCount } = checkDropped(dropped);
        // Refused whole before anything is written: over an import's limits, or (offline) holding files that must
        // go to storage. The error names the offending file; the drop can simply be made again.
        const limit = dropLimitProblem(items);
        if (limit !== null) throw new Error(limit);
        const texts = await readDroppedTexts(items);
        const offlineProblem = offline() ? offlineDropProblem(items, texts) : null;
        if (offlineProblem !== null) throw new Error(offlineProblem);
        if (refused.length > 0) notify(refusedMessage(refused), "error");
        // A large drop can be stopped between two writes; what was written stays, and the toast says how much.
        let cancelled = false;
        let filesDone = 0;
        if (fileCount >= PROGRESS_FROM) {
          notify(`Importing ${fileCount.toLocaleString("en-US")} files…`, "info", { label: "Cancel", run: () => (cancelled = true) });
        }
        const stopIfCancelled = () => {
          if (cancelled) throw new Error(`Import stopped: ${filesDone.toLocaleString("en-US")} of ${fileCount.toLocaleString("en-US")} files were imported, the rest was not.`);
        };
        // Focus goes to the first top-level item in the tree's order (checkDropped sorts each level so).
        const firstItem = items.at(0);
        let first: FileId | undefined;
        // Binaries go to storage first, as a dropped binary file always has; the row is written after.
        const binary = async (parentId: FileId | undefined, file: File) => {
          const storageId = await uploadToStorage((sha256) => generateUploadUrl({ projectId, sha256 }), file, "application/octet-stream");
          return storedId(createBinaryFile({ projectId, parentId, name: file.name, storageId }, `Upload ${inFolder(parentId, file.name)}`), offline);
        };
        // One folder level: its folders one by one (their children need the id; offline the temporary one, which
        // the outbox swaps for the real id), its text files in createMany groups within the server's limits.
        const put = async (parentId: FileId | undefined, level: DroppedItem[]): Promise<void> => {
          let group: { name: string; content: string }[] = [];
          let groupBytes = 0;
          let firstAt = -1;
          const flush = async () => {
            if (group.length === 0) return;
            stopIfCancelled();
            const request = createMany({ projectId, parentId, items: group }, `Upload ${group.length === 1 ? inFolder(parentId, group[0].name) : `${group.length} files to ${folderName(parentId)}`}`);
            const at = firstAt;
            const count = group.length;
            group = [];
            groupBytes = 0;
            firstAt = -1;
            await request.stored;
            filesDone += count;
            // Online the created rows are known by their ids; offline a group's rows are display-only (no focus).
            if (at >= 0 && !offline()) first = ((await request) as FileId[])[at];
          };
          for (const item of level) {
            if (item.kind === "folder") {
              stopIfCancelled();
              const id = await storedId(createFolder({ projectId, parentId, name: item.name }, `Create folder ${inFolder(parentId, item.name)}`), offline);
              if (item === firstItem) first = id;
              await put(id, item.children);
              continue;
            }
            const text = texts.get(item.file) ?? null;
            if (text === null) {
              stopIfCancelled();
              const id = await binary(parentId, item.file);
              filesDone++;
              if (item === firstItem) first = id;
              continue;
            }
            const bytes = new TextEncoder().encode(text).length;
            if (group.length >= MAX_CREATE_MANY || groupBytes + bytes > MAX_CREATE_MANY_BYTES) await flush();
            if (item === firstItem) firstAt = group.length;
            group.push({ name: item.name, content: text });
            groupBytes += bytes;
          }
          await flush();
        };
        await put(targetId, items);
        return first;
      },
    };
  }, [projectId, convex, outbox, pathIn, createFile, createFolder, rename, move, copy, remove, restore, generateUploadUrl, createBinaryFile, createMany]);

  return (
    <section aria-label="Explorer" className="file-tree-pane" data-project={projectId} style={{ height: "100%" }}>
      {preparing && (
        <p role="status" className="file-tree-empty">
          Preparing the file list of this project…
        </p>
      )}
      <FileTree files={files} complete={complete} actions={actions} label="Files" pending={pending} />
      <QuickOpen
        files={files}
        complete={complete}
        onOpen={(fileId: FileId) => {
          useAppStore.getState().setSelection([fileId], fileId, fileId);
          openInEditor(fileId, { preview: false, focusEditor: true });
        }}
      />
    </section>
  );
}
