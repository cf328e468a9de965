import { useMemo, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { filePath } from "../../../convex/model/filePath";
import { Dialog } from "../../lib/Dialog";
import { errorMessage } from "../../lib/errors";
import { notify } from "../../lib/notify";
import { useProjectListing } from "../file-tree/useProjectListing";
import { useSyncedQuery, useWrite } from "../sync";

type TreeEntry = { _id: Id<"files">; parentId?: Id<"files">; name: string; type: "file" | "folder" };

export function pathsOf(tree: readonly TreeEntry[]): Map<string, TreeEntry> {
  const byId = new Map(tree.map((f) => [f._id, f]));
  return new Map(tree.map((f) => [filePath(f, (id) => byId.get(id)), f]));
}

/**
 * Writes a code block from an answer to a file: the open tab's file by default, or any path the user types (an
 * existing file is replaced, a new one is created in an existing folder). Both go through the outbox like an
 * editor save: durable offline, and a replace is based on the revision read here, so a change made elsewhere
 * in between is merged or shown as a conflict instead of being overwritten.
 */
export function ApplyDialog({
  projectId,
  code,
  defaultFileId,
  onClose,
  fallbackFocus,
}: {
  projectId: Id<"projects">;
  code: string;
  defaultFileId: Id<"files"> | null;
  onClose: () => void;
  /** Where focus goes on close when the "Apply to file" button that opened it is gone. */
  fallbackFocus?: () => HTMLElement | null;
}) {
  const tree = useProjectListing(projectId).entries;
  const paths = useMemo(() => (tree ? pathsOf(tree) : null), [tree]);
  const defaultPath = useMemo(() => {
    if (!paths || !defaultFileId) return "";
    for (const [path, entry] of paths) if (entry._id === defaultFileId) return path;
    return "";
  }, [paths, defaultFileId]);
  const [typed, setTyped] = useState<string | null>(null);
  const path = (typed ?? defaultPath).trim().replace(/^\/+/, "");
  const updateContent = useWrite(api.files.updateContent);
  const createFile = useWrite(api.files.createFile);
  const [busy, setBusy] = useState(false);
  const target = paths?.get(path);
  const current = useSyncedQuery(api.files.get, target?.type === "file" ? { fileId: target._id } : "skip");
  const apply = async () => {
    if (!paths || path.length === 0) return;
    setBusy(true);
    try {
      if (target) {
        if (target.type !== "file") throw new Error(`“${path}” is a folder. Type the path of a file.`);
        if (!current) return;
        await updateContent({ fileId: target._id, content: code, baseRevision: current.revision }, `Edit ${path}`).stored;
      } else {
        const slash = path.lastIndexOf("/");
        const folder = slash === -1 ? undefined : paths.get(path.slice(0, slash));
        if (slash !== -1 && folder?.type !== "folder") {
          throw new Error(`The folder “${path.slice(0, slash)}” does not exist. Create it first or pick another path.`);
        }
        await createFile({ projectId, parentId: folder?._id, name: path.slice(slash + 1), content: code }, `Create ${path}`).stored;
      }
      notify(`Applied the code to ${path}.`, "success");
      onClose();
    } catch (error) {
      notify(errorMessage(error), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title="Apply code to a file" onClose={onClose} fallbackFocus={fallbackFocus}>
      <form
        className="chat-apply"
        onSubmit={(event) => {
          event.preventDefault();
          void apply();
        }}
      >
        <label>
          File path
          <input value={typed ?? defaultPath} onChange={(event) => setTyped(event.target.value)} placeholder="src/example.ts" autoFocus />
        </label>
        <p className="chat-apply-hint">
          {path.length === 0
            ? "Type the path of the file to write."
            : target
              ? target.type === "file" && !current
                ? `Reading ${path}…`
                : `Replaces the whole content of ${path}.`
              : `Creates ${path}.`}
        </p>
        <div className="chat-apply-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || path.length === 0 || !paths || (target?.type === "file" && !current)}>
            {target ? "Replace" : "Create"}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
