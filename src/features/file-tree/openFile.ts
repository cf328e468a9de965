import { useAppStore } from "../../store";
import type { FileId } from "./model";
import type { OpenOptions } from "./types";

type OpenFile = (fileId: FileId, opts?: OpenOptions) => void;

/**
 * Opens a file in the editor through the tabs slice's `openFile` (owned by the editor feature). Looked up at
 * call time so the tree works, and only opens nothing, while no editor is mounted.
 */
export function openInEditor(fileId: FileId, options: OpenOptions): void {
  const openFile = (useAppStore.getState() as unknown as { openFile?: OpenFile }).openFile;
  if (typeof openFile === "function") openFile(fileId, options);
}
