import { useRef } from "react";
import { Dialog } from "../../lib/Dialog";

/**
 * Asks before deleting: one item by name, several by count with the first ten listed. Focus starts on Cancel, the
 * safe choice (as in the project delete dialog): Enter on it keeps everything; Delete is one Tab away.
 */
export function ConfirmDeleteDialog({
  names,
  onConfirm,
  onCancel,
}: {
  names: string[];
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  const title = names.length === 1 ? `Delete "${names[0]}"?` : `Delete ${names.length} items?`;
  return (
    <Dialog
      title={title}
      description="Folders are deleted with everything in them. Text files and folders can be restored with Undo."
      onClose={onCancel}
      initialFocusRef={cancelRef}
      role="alertdialog"
    >
      {names.length > 1 && (
        <ul className="file-tree-confirm-list">
          {names.slice(0, 10).map((name, i) => (
            <li key={i}>{name}</li>
          ))}
          {names.length > 10 && <li>and {names.length - 10} more</li>}
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
