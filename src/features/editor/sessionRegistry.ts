import { useAppStore } from "../../store";
import type { FileId } from "../../store/tabsSlice";
import { DocumentSession, type EditorBackend } from "./documentSession";

function publisher(session: DocumentSession) {
  return () => {
    const fileId = session.fileId as FileId;
    const view = session.getView();
    const store = useAppStore.getState();
    store.setTabDirty(fileId, view.dirty);
    store.setSaveState(fileId, view.saveState);
  };
}

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

  /** Opens sessions for new tabs and retires those of closed tabs (saving what they still hold); true if it did either. */
  sync(fileIds: readonly FileId[]): boolean {
    const wanted = new Set(fileIds);
    let changed = false;
    for (const fileId of this.sessions.keys()) {
      if (wanted.has(fileId)) continue;
      this.retire(fileId);
      changed = true;
    }
    for (const fileId of fileIds) {
      if (this.sessions.has(fileId)) continue;
      const session = new DocumentSession(fileId, this.backend, this.delayMs);
      this.sessions.set(fileId, { session, unsubscribe: session.subscribe(publisher(session)) });
      changed = true;
    }
    return changed;
  }

  /**
   * A file created offline got its real id: its session (buffer, undo history, unsaved text, saves in flight)
   * moves to the new key. Call before the tabs slice moves the tab, so `sync` finds the session in place.
   */
  rekey(from: FileId, to: FileId) {
    const entry = this.sessions.get(from);
    if (!entry || from === to) return;
    this.retire(to);
    this.sessions.delete(from);
    entry.unsubscribe();
    entry.session.rekey(to);
    this.sessions.set(to, { session: entry.session, unsubscribe: entry.session.subscribe(publisher(entry.session)) });
  }

  /** Saves every open tab's unsaved text now; resolves when each is stored or storing failed. */
  async flushAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map(({ session }) => session.flush()));
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
