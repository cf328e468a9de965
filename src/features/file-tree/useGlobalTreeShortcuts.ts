import { useEffect, useRef } from "react";
import { useAppStore } from "../../store";
import { hasPrimary, isExplorerKey, type TreeCommand } from "./keymap";
import { focusTree, isTextField, type TreeElements } from "./rowDom";

/**
 * Workspace-wide keys, as in VS Code: Ctrl/Cmd+Shift+E moves focus to the tree from anywhere, and New File /
 * New Folder (Ctrl/Cmd+Alt+[Shift+]N) work wherever focus is, except in a text field, where the keys belong to
 * the field. Inside the tree the tree's own key handler runs them.
 */
export function useGlobalTreeShortcuts(
  elements: TreeElements,
  run: (command: TreeCommand) => void,
  requestDomFocus: () => void,
): void {
  // The listener is installed once and calls the newest `run`.
  const runRef = useRef(run);
  useEffect(() => {
    runRef.current = run;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      if (isExplorerKey(e)) {
        e.preventDefault();
        // The person asked for the tree: a file still opening must not take focus from it when it appears (focus
        // may already be on the tree, so no focus move ends the request). What was typed for the file is kept.
        const { editorFocusRequest, endEditorFocusRequest } = useAppStore.getState();
        endEditorFocusRequest(editorFocusRequest);
        focusTree(elements.tree.current);
        // A tree just shown again (in the Search panel's place) has no rows in the page until its virtualizer has
        // measured it: the tree itself took focus, and its current row takes it once rendered.
        if (document.activeElement === elements.tree.current) requestDomFocus();
        return;
      }
      if (elements.root.current?.contains(e.target as Node)) return;
      if (isTextField(e.target)) return;
      if (!(hasPrimary(e) && e.altKey && e.code === "KeyN")) return;
      e.preventDefault();
      runRef.current(e.shiftKey ? "newFolder" : "newFile");
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [elements, requestDomFocus]);
}
