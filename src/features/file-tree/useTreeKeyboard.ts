import { useRef, type KeyboardEvent as ReactKeyboardEvent } from "react";
import { useAppStore } from "../../store";
import { isCreatingFolder } from "../../store/treeSlice";
import { ROW_HEIGHT } from "./FileTreeRow";
import { commandFor, hasPrimary, type TreeCommand } from "./keymap";
import { isTextField, type TreeElements } from "./rowDom";
import type { TreeCommands } from "./useTreeCommands";
import type { TreeNavigation } from "./useTreeNavigation";
import { findRow, type TreeView } from "./useTreeView";
import type { VisibleRows } from "./visibleRows";
import type { FileTreeActions } from "./types";

const TYPE_AHEAD_RESET_MS = 700;

/** The commands that mean something with the root focused (no row): they act on the root. */
const ROOT_COMMANDS: ReadonlySet<TreeCommand> = new Set(["newFile", "newFolder", "paste", "undo", "selectAll"]);

/** Whether the tree's focus is on a folder just named (see CreatingFolder), still selected as its Enter left it. */
function focusOnCreatingFolder(): boolean {
  const state = useAppStore.getState();
  return state.focusedId !== null && state.selected.has(state.focusedId) && isCreatingFolder(state, state.focusedId);
}

/**
 * The index of the next row whose name starts with `prefix` (case-blind), searching from `start` and wrapping
 * around; -1 when none does.
 */
export function findByPrefix(rows: VisibleRows, prefix: string, start: number): number {
  const from = Math.min(Math.max(0, start), rows.length);
  const order = [...rows.slice(from, rows.length), ...rows.slice(0, from)];
  const k = order.findIndex((row) => row.node?.name.toLowerCase().startsWith(prefix));
  return k < 0 ? -1 : (from + k) % rows.length;
}

/**
 * The tree's keys (WAI-ARIA tree pattern plus VS Code's file commands): arrows, Home/End, PageUp/PageDown,
 * ArrowRight/Left to expand, collapse and move between levels, Enter/Space to open, type-ahead, the context
 * menu keys, and the commands of keymap.ts. Keys typed in the inline name editor stay with it. Escape steps
 * back to the root: focus on the tree itself, nothing selected, where New File / New Folder / Paste act on the
 * project root (the keyboard's way to create there once the root holds only folders); arrows go back to the rows.
 */
export function useTreeKeyboard({
  view,
  elements,
  nav,
  commands,
  actions,
  openMenuForFocused,
}: {
  view: TreeView;
  elements: TreeElements;
  nav: TreeNavigation;
  commands: TreeCommands;
  actions: FileTreeActions;
  openMenuForFocused: () => void;
}): (e: ReactKeyboardEvent<HTMLDivElement>) => void {
  const typeAhead = useRef({ text: "", at: 0 });
  const { rows, focusIndex, focusRowId, expanded, clipboard, selected } = view;
  const { moveFocus } = nav;

  const typeAheadFind = (char: string) => {
    const now = Date.now();
    const state = typeAhead.current;
    state.text = now - state.at > TYPE_AHEAD_RESET_MS ? char : state.text + char;
    state.at = now;
    // A fresh search starts after the focused row (repeating a letter cycles); a longer prefix may match it.
    const start = state.text.length === 1 ? focusIndex + 1 : Math.max(0, focusIndex);
    const found = findByPrefix(rows, state.text.toLowerCase(), start);
    if (found >= 0) moveFocus(found, false);
  };

  return (e) => {
    if (isTextField(e.target)) return;
    const command = commandFor(e);
    // Focus on the tree itself, not on a row (Escape from a row, or the empty tree): the project root. Not while
    // a folder just named has the tree's focus (selected: no Escape since) and its row has not taken DOM focus yet.
    const onRoot = e.target === elements.tree.current && !focusOnCreatingFolder();
    if (command) {
      e.preventDefault();
      if (!onRoot) commands.run(command);
      else if (ROOT_COMMANDS.has(command)) commands.run(command, null);
      return;
    }
    if (onRoot && rows.length > 0 && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      // Back from the root to the row that was current.
      e.preventDefault();
      moveFocus(focusIndex, false);
      return;
    }
    const { setExpanded, setClipboard, setSelection } = useAppStore.getState();
    const node = rows.at(focusIndex)?.node;
    const pageSize = Math.max(1, Math.floor((elements.scroll.current?.clientHeight || 600) / ROW_HEIGHT) - 1);
    let handled = true;
    switch (e.key) {
      case "ArrowDown":
        moveFocus(focusIndex < 0 ? 0 : focusIndex + 1, e.shiftKey);
        break;
      case "ArrowUp":
        moveFocus(focusIndex < 0 ? 0 : focusIndex - 1, e.shiftKey);
        break;
      case "Home":
        moveFocus(0, e.shiftKey);
        break;
      case "End":
        moveFocus(rows.length - 1, e.shiftKey);
        break;
      case "PageDown":
        moveFocus(focusIndex + pageSize, e.shiftKey);
        break;
      case "PageUp":
        moveFocus(focusIndex - pageSize, e.shiftKey);
        break;
      case "ArrowRight":
        if (node?.type === "folder") {
          if (!expanded.has(node._id)) setExpanded(node._id, true);
          else if ((rows.at(focusIndex + 1)?.depth ?? 0) > (rows.at(focusIndex)?.depth ?? 0)) moveFocus(focusIndex + 1, false);
        }
        break;
      case "ArrowLeft":
        if (node?.type === "folder" && expanded.has(node._id)) setExpanded(node._id, false);
        else if (node?.parentId) {
          const parent = findRow(rows, node.parentId, focusIndex - 1);
          if (parent >= 0) moveFocus(parent, false);
        }
        break;
      case "Enter":
        commands.run("open");
        break;
      case " ":
        if (node?.type === "file") actions.open(node._id, { preview: true, focusEditor: false });
        else if (node) nav.toggleFolder(node._id);
        break;
      case "Escape":
        // Step by step: drop the clipboard, then shrink the selection to the focused row, then go to the root.
        if (clipboard) setClipboard(null);
        else if (focusRowId && selected.size > 1) setSelection([focusRowId]);
        else if (rows.length > 0) {
          setSelection([]);
          elements.tree.current?.focus();
        }
        break;
      case "ContextMenu":
        openMenuForFocused();
        break;
      case "F10":
        if (e.shiftKey) openMenuForFocused();
        else handled = false;
        break;
      default:
        handled = false;
        if (e.key.length === 1 && !hasPrimary(e) && !e.altKey && e.key !== " ") {
          handled = true;
          typeAheadFind(e.key);
        }
    }
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  };
}
