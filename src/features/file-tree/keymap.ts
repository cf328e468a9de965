import type { KeyboardEvent as ReactKeyboardEvent } from "react";

export const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** Ctrl on Windows/Linux, Cmd on macOS; either is accepted everywhere. */
export const hasPrimary = (e: { ctrlKey: boolean; metaKey: boolean }) => e.ctrlKey || e.metaKey;

/** Ctrl/Cmd+Shift+E: focus the file tree from anywhere (VS Code's "Show Explorer"). */
export const isExplorerKey = (e: KeyboardEvent) => hasPrimary(e) && e.shiftKey && !e.altKey && e.code === "KeyE";

export type TreeCommand =
  | "open"
  | "newFile"
  | "newFolder"
  | "rename"
  | "delete"
  | "cut"
  | "copy"
  | "paste"
  | "undo"
  | "selectAll";

const primary = isMac ? "⌘" : "Ctrl+";
const alt = isMac ? "⌥" : "Alt+";
const shift = isMac ? "⇧" : "Shift+";

/** Shortcut labels shown in the context menu (and in aria-keyshortcuts). */
export const SHORTCUT_LABELS: Record<TreeCommand, string> = {
  open: "Enter",
  newFile: `${primary}${alt}N`,
  newFolder: `${primary}${alt}${shift}N`,
  rename: "F2",
  delete: isMac ? "⌘⌫" : "Delete",
  cut: `${primary}X`,
  copy: `${primary}C`,
  paste: `${primary}V`,
  undo: `${primary}Z`,
  selectAll: `${primary}A`,
};

export const ARIA_SHORTCUTS: Partial<Record<TreeCommand, string>> = {
  open: "Enter",
  newFile: "Control+Alt+N",
  newFolder: "Control+Alt+Shift+N",
  rename: "F2",
  delete: "Delete",
  cut: "Control+X",
  copy: "Control+C",
  paste: "Control+V",
  undo: "Control+Z",
};

/** The tree command a key press means, if any. Alt combinations match on `code`, since Alt changes `key` on macOS. */
export function commandFor(e: ReactKeyboardEvent): TreeCommand | null {
  const mod = hasPrimary(e);
  const isN = e.code === "KeyN" || e.key.toLowerCase() === "n";
  if (mod && e.altKey && isN) return e.shiftKey ? "newFolder" : "newFile";
  if (e.altKey) return null;
  if (mod && !e.shiftKey) {
    switch (e.key.toLowerCase()) {
      case "c":
        return "copy";
      case "x":
        return "cut";
      case "v":
        return "paste";
      case "z":
        return "undo";
      case "a":
        return "selectAll";
      case "backspace":
        return "delete";
    }
    return null;
  }
  if (e.key === "F2" && !mod) return "rename";
  if (e.key === "Delete" && !mod) return "delete";
  return null;
}
