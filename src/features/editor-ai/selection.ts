// The editor's current selection, published by aiEditorExtensions so the chat can share it with the assistant
// without the chat knowing about CodeMirror. Offsets are character offsets into the document.
//
// Kept as one module-level value on purpose, not in the app store: it changes on every cursor move and
// keystroke, and nothing renders from it (the chat reads it once, when a message is sent). As store state it
// would wake every store subscriber of the page on each keystroke for nothing.

export interface EditorSelection {
  fileId: string;
  from: number;
  to: number;
}

let current: EditorSelection | null = null;

export function publishSelection(selection: EditorSelection | null): void {
  current = selection;
}

export function getSelection(): EditorSelection | null {
  return current;
}
