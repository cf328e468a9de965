import { useRef } from "react";
import { Dialog } from "../../lib/Dialog";

/** Asks before deleting: one item by name, several by count with the first ten listed. Enter confirms. */
export function ConfirmDeleteDialog({
  names,
  onConfirm,
  onCancel,
}: {
  names: string[];
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  const title = names.length === 1 ? `Delete "${names[0]}"?` : `Delete ${names.length} items?`;
  return (
    <Dialog title={title} onClose={onCancel} initialFocusRef={confirmRef} role="alertdialog">
      {names.length > 1 && (
        <ul className="file-tree-confirm-list">
          {names.slice(0, 10).map((name, i) => (
            <li key={i}>{name}</li>
          ))}
          {names.length > 10 && <li>and {names.length - 10} more</li>}
        </ul>
      )}
      <p>Folders are deleted with everything in them. Text files and folders can be restored with Undo.</p>
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
