import { useState } from "react";
import type { Doc, Id } from "../../../convex/_generated/dataModel";
import { Dialog } from "../../lib/Dialog";
import { PencilIcon, PlusIcon, TrashIcon } from "../../lib/icons";

export interface ConversationBarProps {
  conversations: Doc<"conversations">[];
  activeId: Id<"conversations"> | null;
  onSelect: (id: Id<"conversations">) => void;
  onCreate: () => void;
  onRename: (id: Id<"conversations">, title: string) => void;
  onDelete: (id: Id<"conversations">) => void;
}

/**
 * Picks, creates, renames and deletes conversations, on one line: the actions are icon buttons (named, with
 * tooltips), so the picker keeps the rest of the pane's width (as text buttons, Delete wrapped to a second line).
 */
export function ConversationBar({ conversations, activeId, onSelect, onCreate, onRename, onDelete }: ConversationBarProps) {
  const [renaming, setRenaming] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const active = conversations.find((c) => c._id === activeId) ?? null;
  if (renaming !== null && active !== null) {
    return (
      <form
        className="chat-bar"
        onSubmit={(event) => {
          event.preventDefault();
          const title = renaming.trim();
          if (title.length > 0 && title !== active.title) onRename(active._id, title);
          setRenaming(null);
        }}
      >
        <input
          className="input"
          aria-label="Conversation title"
          autoFocus
          value={renaming}
          onChange={(event) => setRenaming(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Escape") setRenaming(null);
          }}
        />
        <button type="submit" className="btn btn-small btn-primary">
          Save
        </button>
      </form>
    );
  }
  return (
    <div className="chat-bar">
      <select
        className="input"
        aria-label="Conversation"
        title={active?.title}
        value={activeId ?? ""}
        onChange={(event) => onSelect(event.target.value as Id<"conversations">)}
        disabled={conversations.length === 0}
      >
        {conversations.length === 0 && <option value="">No conversations yet</option>}
        {conversations.map((c) => (
          <option key={c._id} value={c._id}>
            {c.title}
          </option>
        ))}
      </select>
      <button type="button" className="btn btn-small" onClick={onCreate} title="New conversation" aria-label="New conversation">
        <PlusIcon />
      </button>
      <button
        type="button"
        className="btn btn-small"
        disabled={active === null}
        onClick={() => active && setRenaming(active.title)}
        aria-label="Rename conversation"
        title="Rename conversation"
      >
        <PencilIcon />
      </button>
      <button
        type="button"
        className="btn btn-small"
        disabled={active === null}
        aria-label="Delete conversation"
        title="Delete conversation"
        onClick={() => setConfirming(true)}
      >
        <TrashIcon />
      </button>
      {confirming && active !== null && (
        <Dialog
          title="Delete conversation?"
          description={`“${active.title}” and all its messages will be deleted.`}
          role="alertdialog"
          onClose={() => setConfirming(false)}
        >
          <div className="chat-apply-actions">
            <button type="button" className="btn" onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => {
                setConfirming(false);
                onDelete(active._id);
              }}
            >
              Delete conversation
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}
