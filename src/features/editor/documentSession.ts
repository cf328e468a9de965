import type { SaveState } from "../../store/tabsSlice";
import { errorMessage } from "../../lib/errors";
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
 * A save handed to the outbox. `stored` resolves once it is durable there: from then on the text survives a
 * reload, and the next save may start (the outbox chains it onto this one). The request itself resolves with the
 * server's answer, or rejects with the issue the outbox recorded (a conflict it could not merge, a deleted file,
 * a refusal).
 */
export type SaveRequest = Promise<SaveResult> & { stored: Promise<void> };

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
  /**
   * The text a file had before the assistant's change `changeId` (waiting for review), for the editor's line
   * marks; null when there is no text to compare (a binary or a folder).
   */
  readReviewBase?(changeId: string): Promise<string | null>;
}

/** The editor's text buffer for a session, provided by the (lazily loaded) CodeMirror layer. */
export interface TextBuffer {
  getText(): string;
  /** Replaces the text as a non-user change, as a minimal edit so cursor and scroll stay put. */
  applyRemoteText(text: string): void;
}

/** A version of the file on the server. */
export interface ServerVersion {
  revision: number;
  content: string;
}

/** A server version that differs from a tab's unsaved text. */
export type Divergence = ServerVersion;

export interface SessionView {
  load: FileLoad;
  dirty: boolean;
  saveState: SaveState;
  divergence: Divergence | null;
  deleted: boolean;
}

export const AUTOSAVE_DELAY_MS = 400;

const CHANGED_ON_SERVER = "This file changed on the server";

/** The saves this tab handed to the outbox, as far as the server's answers go. */
type Saves =
  /** Every save is answered: the outbox holds nothing of this tab's for the file. */
  | { kind: "answered" }
  | {
      kind: "unanswered";
      count: number;
      /** The save being made durable, if any (at most one: text typed meanwhile waits for it). */
      storing: Promise<void> | null;
      /** What the server will hold once every stored save is sent: what `dirty` compares against. */
      outboxText: string;
      /** The newest server version that arrived meanwhile, looked at once every save is answered. */
      newer: ServerVersion | null;
    };

/**
 * One open file: the server version its text descends from, the saves still unanswered, and the autosave loop.
 *
 * Invariants:
 * - `server` is the newest server version this tab's buffer descends from; every save sends the whole buffer
 *   based on its revision. A save made while an earlier one is unanswered is chained onto it in the outbox,
 *   which also merges a CONFLICT; a merge that cannot be made comes back as an issue, shown as a divergence.
 * - At most one save is being stored. Text typed meanwhile is saved by a follow-up save once the first is
 *   stored; `dirty` means "typed but not yet stored", so closing a clean tab never loses text.
 * - A server value whose revision is older than `server`, or newer but arriving while saves are unanswered, is
 *   this tab's own echo or stale, and never touches the buffer; the newest is looked at again once every save
 *   is answered.
 * - A value at `server`'s revision with a text none of this tab's pending saves wrote is another writer's write
 *   waiting in the outbox (a search replace, Undo replace, an applied suggestion, another tab): the overlay shows
 *   pending writes at the revision they were based on. It comes into the buffer at once, merged three-way as a
 *   remote change (overlapping lines become a divergence), offline too: otherwise this tab's next save, chained
 *   after it in the outbox, would write the old text over it.
 * - When the outbox merged a save with another writer's change, the buffer is rebased onto the merged text
 *   (merge.ts), keeping what was typed since the save left; overlapping lines become a divergence.
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
  private server: ServerVersion = { revision: -1, content: "" };
  private saves: Saves = { kind: "answered" };
  /** The recorded problem behind the current divergence or deletion, dismissed once resolved. */
  private issueId: string | null = null;
  private readonly seenIssues = new Set<string>();
  /**
   * The text the server refused (an issue of kind "rejected"): sending the same text again on its own (autosave,
   * the flush of a retired tab, a remount) would only be refused again, so it is not sent until the text changes
   * or the person asks (`saveNow`).
   */
  private refusal: { text: string; message: string } | null = null;
  /** The person's text restored from an issue before any editor buffer exists. */
  private initialOverride: string | null = null;
  /** The texts of this tab's saves handed to the outbox and not answered yet, oldest first. */
  private ownPending: string[] = [];
  /**
   * Another writer's pending write taken into the buffer, newer than every save of this tab (a later save clears
   * it): the text the server will hold once the outbox is sent, until the server confirms it.
   */
  private taken: string | null = null;
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
    return this.initialOverride ?? this.server.content;
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
    return this.snapshot.dirty || this.saves.kind === "unanswered";
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
      const revision = issue.serverRevision ?? this.server.revision;
      this.setOutboxText(issue.theirs);
      this.update({
        divergence: { revision, content: issue.theirs },
        dirty: this.currentText() !== issue.theirs,
        saveState: { kind: "error", message: CHANGED_ON_SERVER },
      });
      return;
    }
    this.refusal = text !== undefined ? { text, message: issue.message } : null;
    this.setOutboxText(this.server.content);
    this.update({ dirty: this.currentText() !== this.server.content, saveState: { kind: "error", message: issue.message } });
  }

  /** Called by the editor for every user edit. */
  localChange() {
    if (this.disposed) return;
    this.update({ dirty: true, ...(this.canSave() ? { saveState: { kind: "saving" } } : {}) });
    this.schedule();
  }

  /** Saves now (Ctrl/Cmd+S, or "Save" when closing); resolves when the buffer is stored or storing failed. */
  async flush(): Promise<void> {
    this.clearTimer();
    for (let storing = this.storing(); storing; storing = this.storing()) await storing;
    if (this.snapshot.dirty && this.canSave()) await this.startSave();
  }

  /** The person asked to save (Ctrl/Cmd+S, "Save" when closing): sends even text the server refused before. */
  saveNow(): Promise<void> {
    this.refusal = null;
    return this.flush();
  }

  /** Keep mine: write this tab's text on top of the newer server version. */
  keepMine(): Promise<void> {
    const divergence = this.snapshot.divergence;
    if (!divergence) return Promise.resolve();
    this.adopt(divergence);
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

  private storing(): Promise<void> | null {
    return this.saves.kind === "unanswered" ? this.saves.storing : null;
  }

  private outboxText(): string {
    return this.saves.kind === "unanswered" ? this.saves.outboxText : (this.taken ?? this.server.content);
  }

  private setOutboxText(text: string) {
    if (this.saves.kind === "unanswered") this.saves = { ...this.saves, outboxText: text };
  }

  private adopt(version: ServerVersion) {
    this.server = version;
    this.setOutboxText(version.content);
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

  private onRemote(remote: ServerVersion) {
    if (remote.revision === this.server.revision) {
      this.onPendingWrite(remote.content);
      return;
    }
    if (remote.revision < this.server.revision) return;
    if (this.saves.kind === "unanswered") {
      // Our own save (its answer may come after the query update) or a write racing it: decide once every
      // save is answered.
      this.saves = { ...this.saves, newer: remote };
      return;
    }
    if (this.snapshot.divergence) return;
    const text = this.currentText();
    // A newer server version supersedes a pending write taken in: confirmed as it was, or merged by the outbox.
    const taken = this.taken;
    this.taken = null;
    if (remote.content === taken) {
      // The pending write already in the buffer, confirmed.
      this.adopt(remote);
      this.update(text === remote.content ? { dirty: false, saveState: { kind: "saved" } } : { dirty: true });
      return;
    }
    if (remote.content === text) {
      this.adopt(remote);
      this.update({ dirty: false, divergence: null, saveState: { kind: "saved" } });
    } else if (!this.snapshot.dirty) {
      this.adopt(remote);
      this.buffer?.applyRemoteText(remote.content);
    } else {
      this.clearTimer();
      this.update({ divergence: remote, saveState: { kind: "error", message: CHANGED_ON_SERVER } });
    }
  }

  /**
   * A value at the revision this tab's text descends from: the server's text, or the overlay's (the outbox's
   * pending writes on top of it). A text that is neither this tab's nor one taken already is another writer's
   * pending write, based on the newest pending text before it: merged into the buffer now (see the invariants).
   */
  private onPendingWrite(content: string) {
    if (content === this.server.content || content === this.taken || this.ownPending.includes(content)) return;
    if (this.snapshot.divergence || this.snapshot.deleted) return;
    const base = this.taken ?? this.ownPending.at(-1) ?? this.server.content;
    this.taken = content;
    this.setOutboxText(content);
    const text = this.currentText();
    const merged = mergeThreeWay(base, text, content);
    if (merged.kind === "conflict") {
      this.clearTimer();
      this.update({
        divergence: { revision: this.server.revision, content },
        saveState: { kind: "error", message: CHANGED_ON_SERVER },
      });
      return;
    }
    if (merged.text !== text) this.buffer?.applyRemoteText(merged.text);
    this.update({ dirty: merged.text !== content });
  }

  private schedule() {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      // A save being stored picks up the newer text itself once it is stored.
      if (!this.storing() && this.canSave()) void this.startSave();
    }, this.delayMs);
  }

  private clearTimer() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private startSave(): Promise<void> {
    const content = this.currentText();
    if (content === this.outboxText()) {
      this.update({ dirty: false, ...(this.saves.kind === "answered" ? { saveState: { kind: "saved" } as const } : {}) });
      return Promise.resolve();
    }
    if (content === this.refusal?.text) {
      this.update({ saveState: { kind: "error", message: this.refusal.message } });
      return Promise.resolve();
    }
    const saves =
      this.saves.kind === "unanswered"
        ? this.saves
        : { kind: "unanswered" as const, count: 0, storing: null, outboxText: this.server.content, newer: null };
    // Before the outbox has it: the overlay shows it to `onPendingWrite` as this tab's own. This save is chained
    // after a pending write taken into the buffer, and holds it.
    this.ownPending.push(content);
    this.taken = null;
    const request = this.backend.saveContent(this.fileId, content, this.server.revision);
    const storing = request.stored.then(
      () => this.stored(content),
      // The request rejects too, and `refused` reports why.
      () => this.stored(null),
    );
    this.saves = { ...saves, count: saves.count + 1, storing };
    this.update({ saveState: { kind: "saving" } });
    request.then(
      (result) => this.answered(content, result),
      (error: unknown) => this.refused(content, error),
    );
    return storing;
  }

  /** The save being stored is durable (`content`), or could not be stored (null). */
  private stored(content: string | null) {
    if (this.saves.kind !== "unanswered") return;
    // A pending write taken in after this save began comes after it in the outbox: the server will hold that.
    this.saves = { ...this.saves, storing: null, ...(content !== null && this.taken === null ? { outboxText: content } : {}) };
    if (this.disposed || content === null) return;
    this.update({ dirty: this.currentText() !== this.outboxText() });
    if (this.snapshot.dirty && this.timer === null && this.canSave()) void this.startSave();
  }

  private answered(content: string, result: SaveResult) {
    this.forgetPending(content);
    if (this.saves.kind !== "unanswered") return;
    const held = result.content ?? content;
    if (result.revision > this.server.revision) this.server = { revision: result.revision, content: held };
    const count = this.saves.count - 1;
    if (this.disposed || count > 0 || this.saves.storing !== null) {
      this.saves = { ...this.saves, count };
      return;
    }
    const newer = this.saves.newer;
    this.saves = { kind: "answered" };
    if (held !== content && !this.snapshot.divergence && !this.snapshot.deleted) {
      // The outbox merged this save with another writer's change: their lines come into the buffer, and
      // what was typed since the save left stays.
      const text = this.currentText();
      const rebased = mergeThreeWay(content, text, held);
      if (rebased.kind === "conflict") {
        this.clearTimer();
        this.update({
          divergence: { revision: result.revision, content: held },
          saveState: { kind: "error", message: CHANGED_ON_SERVER },
        });
        return;
      }
      if (rebased.text !== text) this.buffer?.applyRemoteText(rebased.text);
    }
    if (this.currentText() === (this.taken ?? this.server.content)) this.update({ dirty: false, saveState: { kind: "saved" } });
    else this.update({ dirty: true });
    if (newer) this.onRemote(newer);
    if (this.snapshot.dirty && this.timer === null && this.canSave()) void this.startSave();
  }

  private forgetPending(content: string) {
    const at = this.ownPending.indexOf(content);
    if (at >= 0) this.ownPending.splice(at, 1);
  }

  private refused(content: string, error: unknown) {
    this.forgetPending(content);
    if (this.saves.kind === "unanswered") {
      const count = this.saves.count - 1;
      this.saves =
        count > 0 || this.saves.storing !== null ? { ...this.saves, count, newer: null } : { kind: "answered" };
    }
    if (this.disposed) return;
    const issue = issueOf(error);
    if (issue) {
      this.applyIssue(issue);
      return;
    }
    // Not even stored: the text is only in the buffer, so the tab stays dirty and the next change retries.
    this.setOutboxText(this.server.content);
    this.update({
      dirty: this.currentText() !== this.server.content,
      saveState: { kind: "error", message: errorMessage(error, "Could not save the file.") },
    });
  }

  private update(patch: Partial<SessionView>) {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }
}
