import type { SaveState } from "../../store/tabsSlice";
import { errorCode, errorMessage } from "../../lib/errors";

/** What the server says about one file, normalized from `files.get`. */
export type FileData =
  | { kind: "text"; name: string; revision: number; content: string; size: number }
  // Binary files, and text larger than the inline limit, are served from storage by URL.
  | { kind: "stored"; name: string; revision: number; url: string | null; size: number };

export type FileLoad =
  | { status: "loading" }
  | { status: "missing" }
  | { status: "error"; message: string }
  | { status: "ready"; file: FileData };

export interface EditorBackend {
  /** Subscribes to one file; calls back with every new server (or optimistic) value. Returns the unsubscribe. */
  watchFile(fileId: string, onData: (load: FileLoad) => void): () => void;
  /** One write of the whole content, based on `baseRevision`; resolves with the new revision. */
  saveContent(fileId: string, content: string, baseRevision: number): Promise<{ revision: number }>;
}

/** The editor's text buffer for a session, provided by the (lazily loaded) CodeMirror layer. */
export interface TextBuffer {
  getText(): string;
  /** Replaces the text as a non-user change, as a minimal edit so cursor and scroll stay put. */
  applyRemoteText(text: string): void;
}

/** A server version that differs from a tab's unsaved text. */
export interface Divergence {
  revision: number;
  content: string;
}

export interface SessionView {
  load: FileLoad;
  dirty: boolean;
  saveState: SaveState;
  divergence: Divergence | null;
  deleted: boolean;
}

export const AUTOSAVE_DELAY_MS = 400;

/**
 * One open file: the last content the server confirmed, the revision it carries, and the autosave loop.
 *
 * Invariants:
 * - `baseRevision`/`serverText` are the newest server version this tab's buffer descends from; every save
 *   sends the whole buffer with that base, so the server rejects it (CONFLICT) if someone wrote in between.
 * - At most one save is in flight. Text typed meanwhile is saved by a follow-up save once the first returns.
 * - A server value whose revision is not newer than `baseRevision` is this tab's own echo (the optimistic
 *   update keeps the old revision) or stale, and never touches the buffer.
 * - While a divergence is shown or the file is deleted, nothing is saved until the person chooses.
 */
export class DocumentSession {
  private snapshot: SessionView = {
    load: { status: "loading" },
    dirty: false,
    saveState: { kind: "saved" },
    divergence: null,
    deleted: false,
  };
  private readonly listeners = new Set<() => void>();
  private buffer: TextBuffer | null = null;
  private baseRevision = -1;
  private serverText = "";
  private inFlight: string | null = null;
  private inFlightPromise: Promise<void> | null = null;
  private deferredRemote: Divergence | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly unwatch: () => void;
  private disposed = false;

  constructor(
    readonly fileId: string,
    private readonly backend: EditorBackend,
    private readonly delayMs = AUTOSAVE_DELAY_MS,
  ) {
    this.unwatch = backend.watchFile(fileId, (load) => this.receive(load));
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getView = (): SessionView => this.snapshot;

  /** The text a new editor buffer starts from. */
  get initialText(): string {
    return this.serverText;
  }

  attachBuffer(buffer: TextBuffer) {
    this.buffer = buffer;
  }

  /** The buffer's current text, or the server text while no editor has been created for this tab. */
  currentText(): string {
    return this.buffer ? this.buffer.getText() : this.serverText;
  }

  /** Called by the editor for every user edit. */
  localChange() {
    if (this.disposed) return;
    this.update({ dirty: true, ...(this.canSave() ? { saveState: { kind: "saving" } } : {}) });
    this.schedule();
  }

  /** Saves now (Ctrl/Cmd+S, or "Save" when closing); resolves when the buffer is saved or saving failed. */
  async flush(): Promise<void> {
    this.clearTimer();
    while (this.inFlightPromise) await this.inFlightPromise;
    if (this.snapshot.dirty && this.canSave()) await this.startSave();
  }

  /** Keep mine: write this tab's text on top of the newer server version. */
  keepMine(): Promise<void> {
    const divergence = this.snapshot.divergence;
    if (!divergence) return Promise.resolve();
    this.baseRevision = divergence.revision;
    this.serverText = divergence.content;
    this.update({ divergence: null, dirty: this.currentText() !== divergence.content });
    return this.flush();
  }

  /** Take theirs: replace this tab's text with the server version. */
  takeTheirs() {
    const divergence = this.snapshot.divergence;
    if (!divergence) return;
    this.clearTimer();
    this.adopt(divergence);
    this.buffer?.applyRemoteText(divergence.content);
    this.update({ divergence: null, dirty: false, saveState: { kind: "saved" } });
  }

  markDeleted() {
    this.clearTimer();
    this.update({ deleted: true });
  }

  dispose() {
    this.disposed = true;
    this.clearTimer();
    this.unwatch();
    this.listeners.clear();
  }

  private canSave() {
    return !this.snapshot.divergence && !this.snapshot.deleted && this.snapshot.load.status === "ready";
  }

  private receive(load: FileLoad) {
    if (this.disposed) return;
    if (load.status !== "ready" || load.file.kind !== "text") {
      this.update({ load });
      return;
    }
    const { revision, content } = load.file;
    if (this.snapshot.load.status !== "ready" || this.snapshot.load.file.kind !== "text") {
      if (!this.buffer) this.adopt({ revision, content });
      this.update({ load });
      if (this.buffer) this.onRemote({ revision, content });
      return;
    }
    this.update({ load });
    this.onRemote({ revision, content });
  }

  private onRemote(remote: Divergence) {
    if (remote.revision <= this.baseRevision) return;
    if (this.inFlight !== null) {
      // Our own save (its response may come after the query update) or a write racing it: decide once
      // the save's revision is known.
      if (remote.content !== this.inFlight) this.deferredRemote = remote;
      return;
    }
    const text = this.currentText();
    if (remote.content === text) {
      this.adopt(remote);
      this.update({ dirty: false, divergence: null, saveState: { kind: "saved" } });
    } else if (!this.snapshot.dirty) {
      this.adopt(remote);
      this.buffer?.applyRemoteText(remote.content);
    } else {
      this.clearTimer();
      this.update({ divergence: remote, saveState: { kind: "error", message: "This file changed on the server" } });
    }
  }

  private adopt(version: Divergence) {
    this.baseRevision = version.revision;
    this.serverText = version.content;
  }

  private schedule() {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      // A save in flight picks up the newer text itself when it returns.
      if (!this.inFlight && this.canSave()) void this.startSave();
    }, this.delayMs);
  }

  private clearTimer() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private startSave(): Promise<void> {
    const content = this.currentText();
    if (content === this.serverText) {
      this.update({ dirty: false, saveState: { kind: "saved" } });
      return Promise.resolve();
    }
    this.inFlight = content;
    this.update({ saveState: { kind: "saving" } });
    const promise = this.backend.saveContent(this.fileId, content, this.baseRevision).then(
      ({ revision }) => this.saved(content, revision),
      (error: unknown) => this.failed(error),
    );
    this.inFlightPromise = promise;
    return promise;
  }

  private saved(content: string, revision: number) {
    this.inFlight = null;
    this.inFlightPromise = null;
    if (revision > this.baseRevision) this.adopt({ revision, content });
    if (this.disposed) return;
    const deferred = this.deferredRemote;
    this.deferredRemote = null;
    if (this.currentText() === content) this.update({ dirty: false, saveState: { kind: "saved" } });
    if (deferred) this.onRemote(deferred);
    if (this.snapshot.dirty && this.timer === null && this.canSave()) void this.startSave();
  }

  private failed(error: unknown) {
    this.inFlight = null;
    this.inFlightPromise = null;
    this.deferredRemote = null;
    if (this.disposed) return;
    if (errorCode(error) === "CONFLICT") {
      const data = (error as { data: { revision?: unknown; content?: unknown } }).data;
      if (typeof data.revision === "number" && typeof data.content === "string") {
        if (data.content === this.currentText()) {
          this.adopt({ revision: data.revision, content: data.content });
          this.update({ dirty: false, saveState: { kind: "saved" } });
          return;
        }
        this.clearTimer();
        this.update({
          divergence: { revision: data.revision, content: data.content },
          saveState: { kind: "error", message: "This file changed on the server" },
        });
        return;
      }
    }
    this.update({ saveState: { kind: "error", message: errorMessage(error, "Could not save the file.") } });
  }

  private update(patch: Partial<SessionView>) {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }
}
