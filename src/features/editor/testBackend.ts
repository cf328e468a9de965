import { ConvexError } from "convex/values";
import { Outbox, watchResolvedIds } from "../sync";
import { opIdOfTempId, renderRefs, tempIdFor } from "../sync/ids";
import { MemorySyncStorage } from "../sync/storage";
import type { EditorBackend, FileData, FileLoad, SaveRequest, SaveResult } from "./documentSession";

/** A write that reached the stand-in server and waits for the test to answer it. */
export interface SaveCall {
  fileId: string;
  content: string;
  baseRevision: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The editor's backend for tests, on the path production takes: saves go through a real Outbox (in memory),
 * which stores them, chains them, merges a CONFLICT or records an issue, and sends them to an in-memory
 * stand-in for the Convex files API with the server's revision rule (a save based on an older revision fails
 * with ConvexError CONFLICT carrying the saved revision and content). `saves` lists the writes that reached
 * that server; each waits for `resolve()` unless `autoResolve` is set, so tests control what is answered.
 */
export class TestBackend implements EditorBackend {
  /** The server's files, plus files created offline under their temporary id (as the overlay shows them). */
  readonly files = new Map<string, FileLoad>();
  readonly saves: SaveCall[] = [];
  autoResolve = false;
  readonly outbox: Outbox;
  dismissIssue: (issueId: string) => void;
  private readonly watchers = new Map<string, Set<(load: FileLoad) => void>>();
  /** Files whose data is not delivered yet (a slow network): watchers see them only on `release`. */
  private readonly held = new Set<string>();
  /** Temporary ids of confirmed creates, so `text` and writes find the real file. */
  private readonly aliases = new Map<string, string>();
  private readonly creates = new Map<string, (realId: string) => void>();

  constructor() {
    this.outbox = new Outbox({
      userKey: `editor-test-${crypto.randomUUID()}`,
      transport: { mutation: (path, args) => this.serve(path, args) },
      openStorage: () => Promise.resolve(new MemorySyncStorage()),
      locks: null,
      channel: null,
      retryDelayMs: () => 1,
    });
    void this.outbox.start();
    this.dismissIssue = (issueId) => void this.outbox.dismissIssue(issueId);
  }

  stop() {
    this.outbox.stop();
  }

  addText(fileId: string, name: string, content: string, revision = 1) {
    this.files.set(fileId, { status: "ready", file: { kind: "text", name, content, revision, size: content.length } });
    this.confirmed(fileId);
  }

  addStored(fileId: string, name: string, url: string | null, size: number) {
    this.files.set(fileId, { status: "ready", file: { kind: "stored", name, url, revision: 1, size } });
  }

  /**
   * Creates a file through the outbox, as the tree does offline: it shows at once under its temporary id (at
   * revision 1, like the overlay's guess), and the server creates it only on `confirmCreate`.
   */
  createOffline(name: string, content: string): string {
    const { tempId } = this.outbox.enqueue("files:createFile", { projectId: "p", name, content });
    this.files.set(tempId, { status: "ready", file: { kind: "text", name, content, revision: 1, size: content.length } });
    return tempId;
  }

  /** The server creates the file under `realId` and answers; the outbox then reports the id (`watchResolvedIds`). */
  async confirmCreate(tempId: string, realId: string) {
    const answer = this.creates.get(tempId);
    if (!answer) throw new Error(`No create of ${tempId} reached the server`);
    this.files.set(realId, this.files.get(tempId)!);
    this.files.delete(tempId);
    this.aliases.set(tempId, realId);
    this.confirmed(realId);
    answer(realId);
    const opId = opIdOfTempId(tempId)!;
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!this.outbox.lookup(opId)) return;
        unsubscribe();
        resolve();
      };
      const unsubscribe = this.outbox.subscribe(check);
      check();
    });
  }

  /** The content writes still in the outbox, as the person wrote them (rows named as the overlay names them). */
  pendingSaves(): { fileId: unknown; content: unknown }[] {
    return this.outbox
      .getEntries()
      .filter((e) => e.path === "files:updateContent")
      .map((e) => {
        const args = renderRefs(e.args, this.outbox.lookup) as Record<string, unknown>;
        return { fileId: args.fileId, content: args.content };
      });
  }

  /** The texts before the assistant's changes waiting for review, by change id; `reviewReads` lists each read. */
  readonly reviewBases = new Map<string, string | null>();
  readonly reviewReads: string[] = [];

  readReviewBase(changeId: string): Promise<string | null> {
    this.reviewReads.push(changeId);
    const before = this.reviewBases.get(changeId);
    return before === undefined ? Promise.reject(new ConvexError({ code: "NOT_FOUND", message: "No such change." })) : Promise.resolve(before);
  }

  text(fileId: string): { content: string; revision: number } {
    const load = this.files.get(this.aliases.get(fileId) ?? fileId);
    if (load?.status !== "ready" || load.file.kind !== "text") throw new Error(`${fileId} is not a text file`);
    return { content: load.file.content, revision: load.file.revision };
  }

  watchFile(fileId: string, onData: (load: FileLoad) => void) {
    let set = this.watchers.get(fileId);
    if (!set) this.watchers.set(fileId, (set = new Set()));
    set.add(onData);
    const current = this.files.get(fileId);
    if (current && !this.held.has(fileId)) onData(current);
    return () => set.delete(onData);
  }

  hold(fileId: string) {
    this.held.add(fileId);
  }

  release(fileId: string) {
    this.held.delete(fileId);
    this.publish(fileId);
  }

  watchResolvedIds(onResolved: (tempId: string, realId: string) => void) {
    return watchResolvedIds(this.outbox, onResolved);
  }

  watching(fileId: string): number {
    return this.watchers.get(fileId)?.size ?? 0;
  }

  /** Another client writes the file: a new revision reaches every watcher. */
  remoteWrite(fileId: string, content: string) {
    const { revision } = this.text(fileId);
    this.write(fileId, content, revision + 1);
  }

  /**
   * Another writer's whole-text write into the outbox (a search replace, Undo replace), computed from the newest
   * pending text: the outbox chains it after the pending saves, and the overlay shows it at once at the file's
   * revision, as `files.get`'s optimistic update does (EditorPane), which is what watchers get here.
   */
  pendingWrite(fileId: string, content: string): SaveRequest {
    const load = this.files.get(fileId);
    if (load?.status !== "ready" || load.file.kind !== "text") throw new Error(`${fileId} is not a text file`);
    const request = this.saveContent(fileId, content, load.file.revision);
    request.catch(() => {});
    const shown: FileLoad = { status: "ready", file: { ...load.file, content, size: content.length } };
    for (const watcher of this.watchers.get(fileId) ?? []) watcher(shown);
    return request;
  }

  remove(fileId: string) {
    this.files.set(fileId, { status: "missing" });
    this.publish(fileId);
  }

  saveContent(fileId: string, content: string, baseRevision: number): SaveRequest {
    const { result, stored } = this.outbox.enqueue("files:updateContent", { fileId, content, baseRevision });
    return Object.assign(result as Promise<SaveResult>, { stored });
  }

  /** The stand-in server: what the outbox's transport reaches. */
  private serve(path: string, args: Record<string, unknown>): Promise<unknown> {
    if (path === "files:createFile") {
      return new Promise((resolve) => this.creates.set(tempIdFor(String(args.clientOpId)), resolve));
    }
    if (path !== "files:updateContent") return Promise.reject(new Error(`The test server has no ${path}`));
    const fileId = String(args.fileId);
    const content = String(args.content);
    const baseRevision = Number(args.baseRevision);
    return new Promise((resolve, reject) => {
      const call: SaveCall = {
        fileId,
        content,
        baseRevision,
        resolve: () => {
          const current = this.text(fileId);
          if (current.revision !== baseRevision) {
            reject(
              new ConvexError({ code: "CONFLICT", message: "changed elsewhere", revision: current.revision, content: current.content }),
            );
            return;
          }
          this.write(fileId, content, current.revision + 1);
          resolve({ revision: current.revision + 1 });
        },
        reject,
      };
      this.saves.push(call);
      if (this.autoResolve) call.resolve();
    });
  }

  /** Each server version reaches the outbox's cache, as `files.get` does, so it knows the text of a revision. */
  private confirmed(fileId: string) {
    const load = this.files.get(fileId);
    if (load?.status !== "ready" || load.file.kind !== "text") return;
    this.outbox.cache.setLive("files:get", { fileId }, { _id: fileId, content: load.file.content, revision: load.file.revision });
  }

  private write(alias: string, content: string, revision: number) {
    const fileId = this.aliases.get(alias) ?? alias;
    const load = this.files.get(fileId);
    if (load?.status !== "ready") throw new Error(`${fileId} does not exist`);
    const file: FileData = { kind: "text", name: load.file.name, content, revision, size: content.length };
    this.files.set(fileId, { status: "ready", file });
    this.confirmed(fileId);
    this.publish(fileId);
  }

  private publish(fileId: string) {
    if (this.held.has(fileId)) return;
    const load = this.files.get(fileId)!;
    for (const watcher of this.watchers.get(fileId) ?? []) watcher(load);
  }
}
