import { useAppStore } from "../../store";
import type { TreeUndoEntry } from "../../store/treeSlice";
import { errorMessage } from "../../lib/errors";
import { notify } from "../../lib/notify";
import { SHORTCUT_LABELS } from "./keymap";
import { isWithin, pathOf, ROOT, topLevelOnly, type FileId, type TreeIndex } from "./model";
import type { FileTreeActions } from "./types";

export interface OpContext {
  index: TreeIndex;
  actions: FileTreeActions;
  /** Moves tree focus (and DOM focus, when the tree has it) to an item once it exists. */
  focusItem: (id: string) => void;
}

export const toParentId = (key: string): FileId | undefined => (key === ROOT ? undefined : (key as FileId));

export function reportError(error: unknown) {
  notify(errorMessage(error), "error");
}

const store = () => useAppStore.getState();

/**
 * Tree operations whose writes are still being made. A delete or create shows at once (optimistically) but its undo
 * entry is pushed once its writes are queued, so a Ctrl/Cmd+Z pressed right after it (as people do) waits for them
 * here; otherwise it would take back the operation before (issue seen in an e2e: Delete, Enter, Ctrl+Z restored the
 * file deleted before).
 */
const inFlight = new Set<Promise<unknown>>();

function tracked<A extends unknown[], R>(op: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => {
    const work = op(...args);
    inFlight.add(work);
    const done = () => void inFlight.delete(work);
    work.then(done, done);
    return work;
  };
}

export const createItem = tracked(async function createItem(
  ctx: OpContext,
  type: "file" | "folder",
  parentKey: string,
  name: string,
): Promise<FileId | undefined> {
  // A new file opens in the editor with focus, as in VS Code. The request is made now, in the task of the Enter
  // that named the file, so what is typed while the create travels is held for the new file (store/editorFocus.ts)
  // instead of reaching the tree.
  const focusRequest = type === "file" ? store().reserveEditorFocus() : undefined;
  const previous = store().focusedId;
  let shownId: FileId | undefined;
  let id: FileId | undefined;
  try {
    const parentId = toParentId(parentKey);
    let request: Promise<FileId>;
    if (type === "file") request = ctx.actions.createFile(parentId, name);
    else {
      const created = ctx.actions.createFolder(parentId, name);
      request = created;
      shownId = created.shownId;
      if (shownId !== undefined) {
        // The new folder is the tree's focus at once, in the task of the Enter that named it, shown before the
        // listing has it: the next New File (typed before the row rendered or the server answered) goes into it.
        store().addCreatingFolder({ id: shownId, name, parentKey });
        ctx.focusItem(shownId);
      }
    }
    id = await request;
    store().pushUndo({ kind: "create", ids: [id] });
    if (focusRequest === undefined) {
      // Focus goes to the server's row, unless the person moved it elsewhere since the folder had it.
      const focused = store().focusedId;
      if (shownId === undefined || focused === shownId || focused === id) ctx.focusItem(id);
    } else {
      // The new row is the tree's focused item, without taking DOM focus: that would end the editor's request.
      store().setSelection([id], id, id);
      ctx.actions.open(id, { preview: false, focusEditor: false, focusRequest });
    }
    return id;
  } catch (error) {
    if (focusRequest !== undefined) {
      // No file to focus: back to the tree, on the row that was focused before.
      store().endEditorFocusRequest(focusRequest);
      const focused = store().focusedId;
      if (focused) ctx.focusItem(focused);
    } else if (shownId !== undefined && store().focusedId === shownId && previous) {
      // No folder: focus goes back to the row that had it before the folder took it.
      ctx.focusItem(previous);
    }
    reportError(error);
    return undefined;
  } finally {
    if (shownId !== undefined) {
      // The listing has the row now (under the server's id, which replaceTreeId moved the record to), or it failed.
      store().endCreatingFolder(id === undefined ? [shownId] : [shownId, id]);
    }
  }
});

export const renameItem = tracked(async function renameItem(ctx: OpContext, id: FileId, name: string) {
  const node = ctx.index.byId.get(id);
  if (!node || node.name === name) return;
  try {
    await ctx.actions.rename(id, name);
    store().pushUndo({ kind: "rename", id, from: node.name });
  } catch (error) {
    reportError(error);
  }
});

/** Moves items into a folder (ROOT for the root). Items already there are skipped; a folder never moves into itself. */
export const moveItems = tracked(async function moveItems(ctx: OpContext, ids: readonly string[], targetKey: string) {
  const { index } = ctx;
  const top = topLevelOnly(index, ids).filter((id) => index.byId.has(id));
  if (targetKey !== ROOT && top.some((id) => isWithin(index, targetKey, id))) {
    notify("A folder cannot be moved into itself or one of its subfolders.", "error");
    return;
  }
  const moves: { id: FileId; from: FileId | undefined }[] = [];
  for (const id of top) {
    const node = index.byId.get(id)!;
    if ((node.parentId ?? ROOT) === targetKey) continue;
    try {
      await ctx.actions.move(node._id, toParentId(targetKey));
      moves.push({ id: node._id, from: node.parentId });
    } catch (error) {
      reportError(error);
      break;
    }
  }
  if (moves.length > 0) {
    store().pushUndo({ kind: "move", moves });
    if (targetKey !== ROOT) store().setExpanded(targetKey, true);
  }
});

export const pasteInto = tracked(async function pasteInto(ctx: OpContext, targetKey: string) {
  const clipboard = store().clipboard;
  if (!clipboard) return;
  const ids = clipboard.ids.filter((id) => ctx.index.byId.has(id));
  if (ids.length === 0) {
    store().setClipboard(null);
    return;
  }
  if (clipboard.mode === "cut") {
    store().setClipboard(null);
    await moveItems(ctx, ids, targetKey);
    return;
  }
  const created: FileId[] = [];
  for (const id of topLevelOnly(ctx.index, ids)) {
    try {
      created.push(await ctx.actions.copy(id as FileId, toParentId(targetKey)));
    } catch (error) {
      reportError(error);
      break;
    }
  }
  if (created.length > 0) {
    store().pushUndo({ kind: "create", ids: created });
    if (targetKey !== ROOT) store().setExpanded(targetKey, true);
    ctx.focusItem(created[created.length - 1]);
  }
});

/**
 * Deletes the top-level items of `ids` into the server's trash, one request each, and pushes one undo entry for
 * those the server took: Ctrl/Cmd+Z restores them, with everything they held, for TRASH_RETENTION_DAYS.
 */
export const deleteItems = tracked(async function deleteItems(ctx: OpContext, ids: readonly string[]) {
  const top = topLevelOnly(ctx.index, ids).filter((id) => ctx.index.byId.has(id));
  if (top.length === 0) return;
  const removed: { id: FileId; name: string; path: string }[] = [];
  for (const id of top) {
    const item = { id: id as FileId, name: ctx.index.byId.get(id)!.name, path: pathOf(ctx.index, id) };
    try {
      await ctx.actions.remove(item.id);
      removed.push(item);
    } catch (error) {
      reportError(error);
      break;
    }
  }
  const gone = new Set<string>(removed.map((r) => r.id));
  const { selected, clipboard } = store();
  if ([...gone].some((id) => selected.has(id))) store().setSelection([...selected].filter((id) => !gone.has(id)));
  if (clipboard && clipboard.ids.some((id) => gone.has(id))) store().setClipboard(null);
  if (removed.length === 0) return;
  const entry: TreeUndoEntry = { kind: "delete", items: removed };
  store().pushUndo(entry);
  const what = removed.length === 1 ? `"${removed[0].path}"` : `${removed.length} items`;
  notify(`Deleted ${what}. Undo (${SHORTCUT_LABELS.undo}) restores it.`, "info", {
    label: "Undo",
    // This delete, even when other changes were made since; nothing when Ctrl+Z has restored it already.
    run: () => {
      if (store().takeUndo(entry)) void runRevert(ctx, entry);
    },
  });
});

async function revert(ctx: OpContext, entry: TreeUndoEntry) {
  switch (entry.kind) {
    case "create":
      for (const id of [...entry.ids].reverse()) await ctx.actions.remove(id);
      return;
    case "rename":
      await ctx.actions.rename(entry.id, entry.from);
      ctx.focusItem(entry.id);
      return;
    case "move":
      for (const move of [...entry.moves].reverse()) {
        // A parent deleted since the move falls back to the root.
        const from = move.from && ctx.index.byId.has(move.from) ? move.from : undefined;
        await ctx.actions.move(move.id, from);
      }
      ctx.focusItem(entry.moves[0].id);
      return;
    case "delete":
      // Newest first, so an item deleted before its folder waits for the folder to come back.
      for (const item of [...entry.items].reverse()) {
        const name = await ctx.actions.restore(item.id, item.path);
        if (name !== undefined && name !== item.name) {
          notify(`"${item.path}" is restored as "${name}": another item has taken its name.`, "info");
        }
        ctx.focusItem(item.id);
      }
      return;
  }
}

/** Ctrl/Cmd+Z: reverts the newest file operation still on the stack. */
export async function undoLast(ctx: OpContext) {
  await Promise.allSettled([...inFlight]);
  const entry = store().popUndo();
  if (!entry) {
    notify("Nothing to undo.", "info");
    return;
  }
  await runRevert(ctx, entry);
}

async function runRevert(ctx: OpContext, entry: TreeUndoEntry) {
  try {
    await revert(ctx, entry);
  } catch (error) {
    reportError(error);
  }
}
