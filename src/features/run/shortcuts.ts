/** Ctrl+` (as in VS Code, on every platform): show or hide the terminal panel. */
export function isToggleTerminalKey(event: KeyboardEvent): boolean {
  return event.type === "keydown" && event.ctrlKey && !event.altKey && !event.metaKey && (event.code === "Backquote" || event.key === "`");
}

/** F5 runs (or restarts), Shift+F5 stops, as VS Code starts and stops a program. */
export function runKey(event: KeyboardEvent): "run" | "stop" | "restart" | null {
  if (event.type !== "keydown" || event.key !== "F5" || event.altKey || event.metaKey) return null;
  if (event.shiftKey) return event.ctrlKey ? "restart" : "stop";
  return event.ctrlKey ? null : "run";
}
