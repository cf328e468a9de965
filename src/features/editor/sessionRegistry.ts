import { useAppStore } from "../../store";
import type { FileId } from "../../store/tabsSlice";
import { DocumentSession, type EditorBackend } from "./documentSession";

/**
 * The sessions of the open tabs of one editor pane. Each session mirrors its dirty flag and save state into
 * the tabs slice, where the tab bar reads them.
 */
export class SessionRegistry {
  private readonly sessions = new Map<FileId, { session: DocumentSession; unsubscribe: () => void }>();

  constructor(
    private readonly backend: EditorBackend,
    private readonly delayMs?: number,
  ) {}

  get(fileId: FileId): DocumentSession | undefined {
    return this.sessions.get(fileId)?.session;
  }

  /** Opens sessions for new tabs and retires those of closed tabs (saving what they still hold). */
  sync(fileIds: readonly FileId[]) {
    const wanted = new Set(fileIds);
    for (const fileId of this.sessions.keys()) {
      if (!wanted.has(fileId)) this.retire(fileId);
    }
    for (const fileId of fileIds) {
      if (this.sessions.has(fileId)) continue;
      const session = new DocumentSession(fileId, this.backend, this.delayMs);
      const publish = () => {
        const view = session.getView();
        const store = useAppStore.getState();
        store.setTabDirty(fileId, view.dirty);
        store.setSaveState(fileId, view.saveState);
      };
      this.sessions.set(fileId, { session, unsubscribe: session.subscribe(publish) });
    }
  }

  /** Drops a tab's unsaved text ("Don't save"). */
  discard(fileId: FileId) {
    const entry = this.sessions.get(fileId);
    if (!entry) return;
    this.sessions.delete(fileId);
    entry.unsubscribe();
    entry.session.dispose();
  }

  retireAll() {
    for (const fileId of [...this.sessions.keys()]) this.retire(fileId);
  }

  private retire(fileId: FileId) {
    const entry = this.sessions.get(fileId);
    if (!entry) return;
    this.sessions.delete(fileId);
    entry.unsubscribe();
    // A pending autosave still reaches the server after its tab is gone.
    void entry.session.flush().finally(() => entry.session.dispose());
  }
}
