import { memo, type CSSProperties } from "react";
import { InlineNameInput, type InlineEditor } from "./InlineNameInput";
import type { Row } from "./model";

export const ROW_HEIGHT = 22;
const INDENT = 12;

export interface FileTreeRowProps {
  row: Row;
  index: number;
  top: number;
  selected: boolean;
  focused: boolean;
  /** The file shown in the editor's active tab (aria-current): told apart from selected and focused rows. */
  open: boolean;
  tabbable: boolean;
  expanded: boolean;
  cut: boolean;
  dropTarget: boolean;
  /** Set only on the row being renamed or created. */
  editor: InlineEditor | null;
  /** An assistant change to this item waits for review (src/features/review). */
  pending?: boolean;
}

/**
 * One treeitem. Cheap and memoized: it owns no handlers (the tree delegates events by `data-index`), so
 * scrolling or moving focus re-renders only the rows whose props changed.
 */
export const FileTreeRow = memo(function FileTreeRow({
  row,
  index,
  top,
  selected,
  focused,
  open,
  tabbable,
  expanded,
  cut,
  dropTarget,
  editor,
  pending = false,
}: FileTreeRowProps) {
  const node = row.node;
  const type = node?.type ?? row.draftType ?? "file";
  const isFolder = type === "folder";
  const style: CSSProperties = {
    transform: `translateY(${top}px)`,
    height: ROW_HEIGHT,
    paddingLeft: (row.depth - 1) * INDENT + 4,
  };
  let className = "file-tree-row";
  if (selected) className += " is-selected";
  if (focused) className += " is-focused";
  if (open) className += " is-open";
  if (cut) className += " is-cut";
  if (dropTarget) className += " is-drop-target";
  if (editor) className += " is-editing";
  if (pending) className += " is-pending";
  return (
    <div
      role="treeitem"
      className={className}
      style={style}
      data-index={index}
      data-id={row.id}
      aria-level={row.depth}
      aria-setsize={row.setsize}
      aria-posinset={row.posinset}
      aria-selected={selected}
      aria-current={open || undefined}
      aria-expanded={isFolder && node ? expanded : undefined}
      aria-label={editor ? undefined : node?.name}
      aria-description={pending ? "changed by the assistant, waiting for review" : undefined}
      tabIndex={tabbable ? 0 : -1}
      draggable={!editor && node !== undefined}
    >
      <span className={`file-tree-twisty${isFolder ? (expanded ? " is-open" : " is-closed") : ""}`} aria-hidden="true" />
      <span className={`file-tree-icon is-${type}`} aria-hidden="true" />
      {editor ? <InlineNameInput editor={editor} /> : <span className="file-tree-name">{node?.name}</span>}
      {pending && !editor && (
        <span className="file-tree-pending" aria-hidden="true" title="Changed by the assistant, waiting for review">
          review
        </span>
      )}
    </div>
  );
});
