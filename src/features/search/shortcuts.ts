/** Ctrl/Cmd+Shift+F, as in VS Code. Apart from SearchPanel, which is a lazy chunk: the workspace checks it on every key. */
export function isSearchKey(e: { ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean; key: string }) {
  return (e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.key.toLowerCase() === "f";
}
