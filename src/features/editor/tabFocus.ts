import { announce } from "../../lib/announce";
import { useAppStore } from "../../store";

// Tab in the editor (issue 18): Tab indents, as a code editor's Tab should; a keyboard user is never trapped,
// because Escape then Tab leaves (CodeMirror's temporary tab focus mode) and Ctrl+M (Shift+Alt+M on macOS) makes
// Tab move focus until pressed again, as in VS Code. The mode lives in the store, so every editor view and the
// status bar agree; CodeMirror applies it per view (TextEditor.tsx).

/** The id of the hidden text that describes the editor's keys (the editing area's aria-describedby). */
export const EDITOR_KEYS_HELP_ID = "editor-keys-help";
export const EDITOR_KEYS_HELP =
  "Tab indents. To leave the editor, press Escape, then Tab. Ctrl+M (Shift+Alt+M on macOS) makes Tab move focus, until pressed again.";

/** Switches the mode and says the new one to screen readers (the status bar shows it while on). */
export function toggleTabMovesFocus(): void {
  const on = !useAppStore.getState().tabMovesFocus;
  useAppStore.getState().setTabMovesFocus(on);
  announce(on ? "Tab moves focus. Press Ctrl+M to make Tab indent again." : "Tab indents. Press Ctrl+M to make Tab move focus.");
}
