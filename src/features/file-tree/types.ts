import type { DroppedItem } from "./folderDrop";
import type { FileId } from "./model";

export interface OpenOptions {
  /** A preview tab is replaced by the next preview; a pinned one stays. */
  preview: boolean;
  focusEditor: boolean;
  /** A request `reserveEditorFocus` made before the file existed, which this opening fulfils (tabsSlice). */
  focusRequest?: number;
}

/**
 * A create's promise for the id its row keeps, with `shownId`: the id the row shows at once (the optimistic row's
 * temporary id, named by later writes until the server's id replaces it), when the implementation has one.
 */
export type CreatedId = Promise<FileId> & { shownId?: FileId };

/**
 * Everything the tree view asks of the outside world. FileTreePane implements it with Convex mutations
 * (optimistic) and the editor's store; tests pass spies. Promises reject with the server's error.
 */
export interface FileTreeActions {
  createFile: (parentId: FileId | undefined, name: string, content?: string) => Promise<FileId>;
  createFolder: (parentId: FileId | undefined, name: string) => CreatedId;
  rename: (id: FileId, name: string) => Promise<unknown>;
  move: (id: FileId, parentId: FileId | undefined) => Promise<unknown>;
  /** Recursive copy; the server picks a free name (" copy") on a clash. Resolves to the new id. */
  copy: (id: FileId, parentId: FileId | undefined) => Promise<FileId>;
  /** Puts the item in the server's trash (convex/model/trash.ts). */
  remove: (id: FileId) => Promise<unknown>;
  /**
   * Takes a deleted item out of the trash (Undo); `path` names it in the sync panel. Resolves to the name it has
   * now (its own, or "name (restored).ext" when that was taken), or undefined while offline (the restore waits
   * in the outbox).
   */
  restore: (id: FileId, path: string) => Promise<string | undefined>;
  open: (id: FileId, options: OpenOptions) => void;
  /**
   * Saves the folder as a ZIP download, built in the browser (import-export/zipDownload.ts); tells the person, in
   * a toast, which files it had to leave out.
   */
  downloadZip: (folderId: FileId) => Promise<unknown>;
  /**
   * Files and folders dropped from the desktop (folderDrop.ts), created under `parentId` with their structure.
   * Resolves to the first created row's id (undefined when none is known yet, e.g. offline text files).
   */
  upload: (parentId: FileId | undefined, items: DroppedItem[]) => Promise<FileId | undefined>;
}
