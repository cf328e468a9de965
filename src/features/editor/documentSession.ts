import type { SaveState } from "../../store/tabsSlice";
import { errorCode, errorMessage } from "../../lib/errors";
import { mergeThreeWay } from "../sync/merge";
import type { SyncIssue } from "../sync/types";

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

/**
 * What a save resolves with: the new revision and, when known, the text the server now holds at it (it differs
 * from the text sent when the offline layer merged it with another writer's change).
 */
export interface SaveResult {
  revision: number;
  content?: string;
}

/**
 * A save in progress. `stored`, when present, settles once the write is durable in the offline outbox: from
 * then on the text survives a reload, and the next save may start (the outbox chains it onto this one). Without
 * it the save counts as stored only when the server answers.
 */
export type SaveRequest = Promise<SaveResult> & { stored?: Promise<void> };

/** A problem the offline layer recorded for a write (see features/sync): it rejects a save with one of these. */
export function issueOf(error: unknown): SyncIssue | undefined {
  if (error && typeof error === "object" && "issue" in error) {
    const issue = (error).issue;
    if (issue && typeof issue === "object" && "kind" in issue && "id" in issue) return issue as SyncIssue;
  }
  return undefined;
}

export interface EditorBackend {
  /** Subscribes to one file; calls back with every new server (or optimistic) value. Returns the unsubscribe. */
  watchFile(fileId: string, onData: (load: FileLoad) => void): () => void;
  /** One write of the whole content, based on `baseRevision`. */
  saveContent(fileId: string, content: string, baseRevision: number): SaveRequest;
  /** Forgets a recorded problem once the person resolved it (kept mine, took theirs, saved elsewhere). */
  dismissIssue?(issueId: string): void;
  /**
   * Reports files created offline that got their real id (`tempId` → `realId`), for the ones already confirmed
   * and then as they are confirmed, before the temporary id leaves the tree. Returns the unsubscribe.
   */
  watchResolvedIds?(onResolved: (tempId: string, realId: string) => void): () => void;
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
 *   With the offline outbox a save made while an earlier one is unconfirmed is chained onto it there, and a
 *   CONFLICT is merged there; a merge that cannot be made comes back as an issue, shown as a divergence.
 * - At most one save is in flight (being stored). Text typed meanwhile is saved by a follow-up save once the
 *   first is stored; `dirty` means "typed but not yet stored", so closing a clean tab never loses text.
 * - A server value whose revision is not newer than `baseRevision`, or that arrives while this tab's saves are
 *   unconfirmed, is this tab's own echo or stale, and never touches the buffer; the last one is looked at
 *   again once every save is confirmed.
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
  /** The text the server will hold once every stored save is sent: what `dirty` compares against. */
  private storedText = "";
  /** Saves handed to the backend whose server answer has not come yet. */
  private unconfirmed = 0;
  /** The recorded problem behind the current divergence or deletion, dismissed once resolved. */
  private issueId: string | null = null;
  private readonly seenIssues = new Set<string>();
  private initialOverride: string | null = null;
  private inFlight: string | null = null;
  private inFlightPromise: Promise<void> | null = null;
  private deferredRemote: Divergence | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private unwatch: () => void;
  private disposed = false;
  private id: string;

  constructor(
    fileId: string,
    private readonly backend: EditorBackend,
    private readonly delayMs = AUTOSAVE_DELAY_MS,
  ) {
    this.id = fileId;
    this.unwatch = backend.watchFile(fileId, (load) => this.receive(load));
  }

  /** The file's id; changes once when a file created offline gets its real id (`rekey`). */
  get fileId(): string {
    return this.id;
  }

  /**
   * The file now goes by `fileId` (its create was confirmed): the buffer, history, dirty state and saves in
   * flight stay; later saves and the server watch use the new id. Server values at a revision this session
   * already has are ignored as usual, so the switch never touches the buffer.
   */
  rekey(fileId: string) {
    if (this.disposed || fileId === this.id) return;
    this.id = fileId;
    const previous = this.unwatch;
    this.unwatch = this.backend.watchFile(fileId, (load) => this.receive(load));
    previous();
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getView = (): SessionView => this.snapshot;

  /** The text a new editor buffer starts from. */
  get initialText(): string {
    return this.initialOverride ?? this.serverText;
  }

  attachBuffer(buffer: TextBuffer) {
    this.buffer = buffer;
  }

  /** The buffer's current text, or the server text while no editor has been created for this tab. */
  currentText(): string {
    return this.buffer ? this.buffer.getText() : this.initialText;
  }

  /** True while something typed here has not reached the server (stored or not). */
  hasUnsyncedWork(): boolean {
    return this.snapshot.dirty || this.unconfirmed > 0 || this.inFlight !== null;
  }

  /**
   * Shows a problem the offline layer recorded for this file (this tab's own save, another tab's, or one
   * restored after a reload): a conflict becomes a divergence holding the person's text, a deletion the
   * deleted state. Idempotent per issue.
   */
  applyIssue(issue: SyncIssue) {
    if (this.disposed || this.seenIssues.has(issue.id)) return;
    this.seenIssues.add(issue.id);
    this.issueId = issue.id;
    this.clearTimer();
    const text = issue.text;
    // The person's text may exist only in the record (a reload, or another tab wrote it).
    if (text !== undefined && !this.snapshot.dirty && text !== this.currentText()) {
      if (this.buffer) this.buffer.applyRemoteText(text);
      else this.initialOverride = text;
    }
    if (issue.kind === "deleted") {
      this.update({ deleted: true, dirty: true });
      return;
    }
    if (issue.kind === "conflict" && issue.theirs !== undefined) {
      const revision = issue.serverRevision ?? this.baseRevision;
      this.storedText = issue.theirs;
      this.update({
        divergence: { revision, content: issue.theirs },
        dirty: this.currentText() !== issue.theirs,
        saveState: { kind: "error", message: "This file changed elsewhere" },
      });
      return;
    }
    this.storedText = this.serverText;
    this.update({ dirty: this.currentText() !== this.serverText, saveState: { kind: "error", message: issue.message } });
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
    this.storedText = divergence.content;
    this.resolveIssue();
    this.update({ divergence: null, dirty: this.currentText() !== divergence.content });
    return this.flush();
  }

  /** Take theirs: replace this tab's text with the server version. */
  takeTheirs() {
    const divergence = this.snapshot.divergence;
    if (!divergence) return;
    this.clearTimer();
    this.adopt(divergence);
    this.resolveIssue();
    this.buffer?.applyRemoteText(divergence.content);
    this.update({ divergence: null, dirty: false, saveState: { kind: "saved" } });
  }

  markDeleted() {
    this.clearTimer();
    this.update({ deleted: true });
  }

  /** After the person saved this tab's text elsewhere (a new file). */
  resolveIssue() {
    if (this.issueId !== null) this.backend.dismissIssue?.(this.issueId);
    this.issueId = null;
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
    if (this.inFlight !== null || this.unconfirmed > 0) {
      // Our own save (its response may come after the query update) or a write racing it: decide once
      // every save's revision is known.
      this.deferredRemote = remote;
      return;
    }
    if (this.snapshot.divergence) return;
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
    this.storedText = version.content;
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
    if (content === this.storedText) {
      this.update({ dirty: false, ...(this.unconfirmed === 0 ? { saveState: { kind: "saved" } as const } : {}) });
      return Promise.resolve();
    }
    this.inFlight = content;
    this.unconfirmed++;
    this.update({ saveState: { kind: "saving" } });
    const request = this.backend.saveContent(this.fileId, content, this.baseRevision);
    const durable = request.stored !== undefined;
    const confirmed = request.then(
      (result) => this.saved(content, result, durable),
      (error: unknown) => this.failed(error, durable),
    );
    const promise = request.stored
      ? request.stored.then(
          () => this.stored(content),
          () => this.notStored(),
        )
      : confirmed;
    this.inFlightPromise = promise;
    return promise;
  }

  private stored(content: string) {
    this.inFlight = null;
    this.inFlightPromise = null;
    this.storedText = content;
    if (this.disposed) return;
    this.update({ dirty: this.currentText() !== content });
    if (this.snapshot.dirty && this.timer === null && this.canSave()) void this.startSave();
  }

  private notStored() {
    // The request rejects too, and `failed` reports why.
    this.inFlight = null;
    this.inFlightPromise = null;
  }

  private saved(content: string, result: SaveResult, durable: boolean) {
    this.unconfirmed--;
    if (!durable) {
      this.inFlight = null;
      this.inFlightPromise = null;
    }
    const held = result.content ?? content;
    if (result.revision > this.baseRevision) {
      this.baseRevision = result.revision;
      this.serverText = held;
    }
    if (this.disposed || this.unconfirmed > 0 || this.inFlight !== null) return;
    this.storedText = this.serverText;
    if (held !== content && !this.snapshot.divergence && !this.snapshot.deleted) {
      // The outbox merged this save with another writer's change: bring their lines into the buffer,
      // keeping whatever was typed after the save left.
      const text = this.currentText();
      const merged = mergeThreeWay(content, text, held);
      if (merged.kind === "conflict") {
        this.clearTimer();
        this.update({
          divergence: { revision: result.revision, content: held },
          saveState: { kind: "error", message: "This file changed on the server" },
        });
        return;
      }
      if (merged.text !== text) this.buffer?.applyRemoteText(merged.text);
    }
    const deferred = this.deferredRemote;
    this.deferredRemote = null;
    if (this.currentText() === this.serverText) this.update({ dirty: false, saveState: { kind: "saved" } });
    else this.update({ dirty: true });
    if (deferred) this.onRemote(deferred);
    if (this.snapshot.dirty && this.timer === null && this.canSave()) void this.startSave();
  }

  private failed(error: unknown, durable: boolean) {
    this.unconfirmed--;
    if (!durable) {
      this.inFlight = null;
      this.inFlightPromise = null;
    }
    this.deferredRemote = null;
    if (this.disposed) return;
    const issue = issueOf(error);
    if (issue) {
      this.applyIssue(issue);
      return;
    }
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
    // Not saved: the text is only in the buffer, so the tab stays dirty and the next change retries.
    this.storedText = this.serverText;
    this.update({
      dirty: this.currentText() !== this.serverText,
      saveState: { kind: "error", message: errorMessage(error, "Could not save the file.") },
    });
  }

  private update(patch: Partial<SessionView>) {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }
}
