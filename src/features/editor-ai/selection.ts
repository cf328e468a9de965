import { useSyncExternalStore } from "react";

// The editor's current selection per file, published by aiEditorExtensions so the chat can share it with the
// assistant without the chat knowing about CodeMirror. Offsets are character offsets into the document.

export interface EditorSelection {
  fileId: string;
  from: number;
  to: number;
}

let current: EditorSelection | null = null;
const listeners = new Set<() => void>();

export function publishSelection(selection: EditorSelection | null) {
  if (
    current?.fileId === selection?.fileId &&
    current?.from === selection?.from &&
    current?.to === selection?.to
  ) {
    return;
  }
  current = selection;
  for (const listener of listeners) listener();
}

export function getSelection(): EditorSelection | null {
  return current;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useEditorSelection(): EditorSelection | null {
  return useSyncExternalStore(subscribe, getSelection, getSelection);
}
