import { useEffect, useRef, useState } from "react";
import { Dialog } from "../../lib/Dialog";
import { SHORTCUT_LABELS } from "./keymap";
import { describeUndoLoss, type PreparedDelete, type UndoLoss } from "./operations";

/**
 * Asks before deleting: one item by its path, several by count with the first ten paths listed (two files of
 * the same name in different folders stay apart). Says before the delete whether Ctrl/Cmd+Z can take it back
 * and, when not, exactly why: what the tree shows at once (binary files, too many files), what reading the
 * content finds (not cached while offline) as soon as it is known. Enter confirms.
 */
export function ConfirmDeleteDialog({
  paths,
  knownLosses,
  prepared,
  onConfirm,
  onCancel,
}: {
  paths: string[];
  knownLosses: UndoLoss[];
  prepared: Promise<PreparedDelete>;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  const [found, setFound] = useState<UndoLoss[] | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void prepared.then((p) => live && setFound(p.losses));
    return () => {
      live = false;
    };
  }, [prepared]);
  const losses = knownLosses.length > 0 ? knownLosses : found;
  const title = paths.length === 1 ? `Delete "${paths[0]}"?` : `Delete ${paths.length} items?`;
  return (
    <Dialog title={title} onClose={onCancel} initialFocusRef={confirmRef} role="alertdialog" size="wide">
      {paths.length > 1 && (
        <ul className="file-tree-confirm-list">
          {paths.slice(0, 10).map((path, i) => (
            <li key={i}>{path}</li>
          ))}
          {paths.length > 10 && <li>and {paths.length - 10} more</li>}
        </ul>
      )}
      <p>Folders are deleted with everything in them.</p>
      <p role="status" className="file-tree-confirm-undo">
        {losses === undefined
          ? "Checking whether Undo can restore it…"
          : losses.length === 0
            ? `Undo (${SHORTCUT_LABELS.undo}) restores it.`
            : `This delete cannot be undone. ${losses.map(describeUndoLoss).join(" ")}`}
      </p>
      <div
        className="dialog-actions"
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.target as HTMLElement).tagName !== "BUTTON") {
            e.preventDefault();
            onConfirm();
          }
        }}
      >
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button ref={confirmRef} type="button" className="btn btn-danger" onClick={onConfirm}>
          Delete
        </button>
      </div>
    </Dialog>
  );
}
