import { ConvexError } from "convex/values";
import type { EditorBackend, FileData, FileLoad } from "./documentSession";

export interface SaveCall {
  fileId: string;
  content: string;
  baseRevision: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * An in-memory stand-in for the Convex files API with the server's revision rule: a save based on an older
 * revision fails with ConvexError CONFLICT carrying the saved revision and content. Saves wait for
 * `resolve()` unless `autoResolve` is set, so tests control what is in flight.
 */
export class TestBackend implements EditorBackend {
  readonly files = new Map<string, FileLoad>();
  readonly saves: SaveCall[] = [];
  autoResolve = false;
  dismissIssue?: (issueId: string) => void;
  private readonly watchers = new Map<string, Set<(load: FileLoad) => void>>();
  /** Files whose data is not delivered yet (a slow network): watchers see them only on `release`. */
  private readonly held = new Set<string>();
  private readonly resolvedListeners = new Set<(tempId: string, realId: string) => void>();
  /** Temporary ids of confirmed creates: saves sent under them reach the real file, as the outbox sends them. */
  private readonly aliases = new Map<string, string>();

  addText(fileId: string, name: string, content: string, revision = 1) {
    this.files.set(fileId, { status: "ready", file: { kind: "text", name, content, revision, size: content.length } });
  }

  addStored(fileId: string, name: string, url: string | null, size: number) {
    this.files.set(fileId, { status: "ready", file: { kind: "stored", name, url, revision: 1, size } });
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
    this.resolvedListeners.add(onResolved);
    return () => this.resolvedListeners.delete(onResolved);
  }

  /** The server confirmed a create made under `tempId`: the file now lives under `realId`, as the outbox reports. */
  resolveId(tempId: string, realId: string) {
    const load = this.files.get(tempId);
    if (load) this.files.set(realId, load);
    this.files.delete(tempId);
    this.aliases.set(tempId, realId);
    for (const listener of this.resolvedListeners) listener(tempId, realId);
  }

  watching(fileId: string): number {
    return this.watchers.get(fileId)?.size ?? 0;
  }

  /** Another client writes the file: a new revision reaches every watcher. */
  remoteWrite(fileId: string, content: string) {
    const { revision } = this.text(fileId);
    this.write(fileId, content, revision + 1);
  }

  remove(fileId: string) {
    this.files.set(fileId, { status: "missing" });
    this.publish(fileId);
  }

  saveContent(fileId: string, content: string, baseRevision: number): Promise<{ revision: number }> {
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

  private write(alias: string, content: string, revision: number) {
    const fileId = this.aliases.get(alias) ?? alias;
    const load = this.files.get(fileId);
    if (load?.status !== "ready") throw new Error(`${fileId} does not exist`);
    const file: FileData = { kind: "text", name: load.file.name, content, revision, size: content.length };
    this.files.set(fileId, { status: "ready", file });
    this.publish(fileId);
  }

  private publish(fileId: string) {
    if (this.held.has(fileId)) return;
    const load = this.files.get(fileId)!;
    for (const watcher of this.watchers.get(fileId) ?? []) watcher(load);
  }
}
