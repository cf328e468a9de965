import { CollapseAllIcon, NewFileIcon, NewFolderIcon } from "./icons";
import { ARIA_SHORTCUTS, SHORTCUT_LABELS } from "./keymap";

/** The tree's title and its icon buttons; each button is named, and its tooltip gives the shortcut. */
export function FileTreeToolbar({
  label,
  onNew,
  onCollapseAll,
}: {
  label: string;
  onNew: (type: "file" | "folder") => void;
  onCollapseAll: () => void;
}) {
  return (
    <div className="file-tree-toolbar">
      <span className="file-tree-title">{label}</span>
      <button
        type="button"
        className="file-tree-tool"
        aria-label="New File"
        aria-keyshortcuts={ARIA_SHORTCUTS.newFile}
        title={`New File (${SHORTCUT_LABELS.newFile})`}
        onClick={() => onNew("file")}
      >
        <NewFileIcon />
      </button>
      <button
        type="button"
        className="file-tree-tool"
        aria-label="New Folder"
        aria-keyshortcuts={ARIA_SHORTCUTS.newFolder}
        title={`New Folder (${SHORTCUT_LABELS.newFolder})`}
        onClick={() => onNew("folder")}
      >
        <NewFolderIcon />
      </button>
      <button type="button" className="file-tree-tool" aria-label="Collapse All" title="Collapse All Folders" onClick={onCollapseAll}>
        <CollapseAllIcon />
      </button>
    </div>
  );
}
