import { useRef } from "react";
import { TRASH_RETENTION_DAYS } from "../../../convex/lib/limits";
import { Dialog } from "../../lib/Dialog";
import { SHORTCUT_LABELS } from "./keymap";

/**
 * Asks before deleting: one item by its path, several by count with the first ten paths listed (two files of
 * the same name in different folders stay apart). A delete goes to the server's trash whatever its size or
 * content (convex/model/trash.ts), so the dialog says plainly that Undo takes it back, and for how long.
 * Focus starts on Cancel, the safe choice, as in the project-delete dialog: Enter there keeps everything; Tab
 * reaches Delete.
 */
export function ConfirmDeleteDialog({
  paths,
  folders,
  onConfirm,
  onCancel,
}: {
  paths: string[];
  /** A folder is among the items: the dialog says its content goes with it (said only then, not for a file). */
  folders: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const title = paths.length === 1 ? `Delete "${paths[0]}"?` : `Delete ${paths.length} items?`;
  const them = paths.length === 1 ? "it" : "them";
  return (
    <Dialog
      title={title}
      // The consequence is the dialog's description (aria-describedby), read with its name.
      description={
        folders
          ? `Folders are deleted with everything in them. Undo (${SHORTCUT_LABELS.undo}) restores ${them}, with everything in ${them}, for ${TRASH_RETENTION_DAYS} days.`
          : `Undo (${SHORTCUT_LABELS.undo}) restores ${them} for ${TRASH_RETENTION_DAYS} days.`
      }
      onClose={onCancel}
      initialFocusRef={cancelRef}
      role="alertdialog"
      size="wide"
    >
      {paths.length > 1 && (
        <ul className="file-tree-confirm-list">
          {paths.slice(0, 10).map((path, i) => (
            <li key={i}>{path}</li>
          ))}
          {paths.length > 10 && <li>and {paths.length - 10} more</li>}
        </ul>
      )}
      <div className="dialog-actions">
        <button ref={cancelRef} type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="btn btn-danger" onClick={onConfirm}>
          Delete
        </button>
      </div>
    </Dialog>
  );
}
