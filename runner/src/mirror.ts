// The working copy: the project's files and folders on disk, kept in step with the project live.
//
// It subscribes, as the user, to the project's listing (files.listing and its buckets). The first copy reads the
// files' contents in pages (files.contents: a few queries instead of one subscription per file, whose answers each
// carried a file's bytes); then each file is watched by a subscription to files.get with the revision already on
// disk (`knownRevision`), which answers without the bytes until the file changes. Files created later are watched
// the same way from the start. Every change is applied to disk in order: creates, edits, renames and moves (a rename on disk, so
// a moved folder keeps what commands created inside it), deletes. It only ever writes project → disk. What
// commands create (node_modules, build output, lockfiles) is never read back into the project; it stays on disk,
// and the runner removes only paths it wrote itself (kept in a manifest beside the working copy, so a file deleted
// in the project while the runner was down is removed at the next start, and nothing else is).
import type { ConvexClient } from "convex/browser";
import { constants } from "node:fs";
import { lstat, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { api } from "../../convex/_generated/api.js";
import type { Id } from "../../convex/_generated/dataModel.js";
import { entryPaths } from "../../convex/lib/listing.js";
import { MAX_CONTENTS_PAGE_FILES } from "../../convex/lib/limits.js";
import type { FileWithContent, ListingEntry } from "../../convex/lib/validators.js";
import type { SyncState } from "./protocol.js";

interface OnDisk {
  path: string;
  type: "file" | "folder";
}

interface FileWatch {
  unsubscribe: () => void;
  /** The connection its subscription is on; null while its first content comes from a files.contents page. */
  pool: PoolSlot | null;
  /** The revision last written to disk, or undefined before the first write. */
  written?: number;
}

/** Convex allows at most 1,000 subscriptions per connection: file contents are spread over connections of this many. */
export const SUBSCRIPTIONS_PER_CONNECTION = 900;
/** Projects larger than this are not materialized (each file is a subscription). */
export const MAX_MIRRORED_FILES = 20_000;

interface PoolSlot {
  client: ConvexClient;
  used: number;
}

export interface MirrorOptions {
  /** The listing's client (and the first content connection). */
  client: ConvexClient;
  /** A further connection as the same user, for file contents past the first connection's share. */
  newClient: () => ConvexClient;
  projectId: string;
  dir: string;
  /** Where the list of paths the runner wrote is kept (outside `dir`, so commands cannot edit it). */
  manifestFile: string;
  onState?: (state: SyncState) => void;
  log?: (line: string) => void;
  /** Most files a project may have to be copied (MAX_MIRRORED_FILES when not given). */
  maxFiles?: number;
}

export class Mirror {
  private unsubscribeHead: (() => void) | null = null;
  private buckets = new Map<number, { unsubscribe: () => void; entries: ListingEntry[] | null }>();
  private headReady = false;
  /** What is on disk, by file id, as the runner last wrote it. */
  private onDisk = new Map<string, OnDisk>();
  private files = new Map<string, FileWatch>();
  private problems = new Map<string, string>();
  private pool: PoolSlot[] = [];
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private stopped = false;
  private listed = false;
  private lastState = "";
  private manifestPaths = new Set<string>();
  /** Resolves once every file was copied to disk for the first time (or refused by the disk: see `problems`). */
  readonly firstSync: Promise<void>;
  /** True once `firstSync` has resolved. */
  synced = false;
  /** Files whose first copy came from a files.contents page (the rest were read by their own subscription). */
  readInPages = 0;
  private resolveFirstSync!: () => void;
  /** Woken at every state change: `copiedOrRefused` waits on them. */
  private stateWaiters: Array<() => void> = [];

  constructor(private readonly options: MirrorOptions) {
    this.firstSync = new Promise((resolve) => (this.resolveFirstSync = resolve));
  }

  async start(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    try {
      const saved = JSON.parse(await readFile(this.options.manifestFile, "utf8")) as unknown;
      if (Array.isArray(saved)) for (const p of saved) if (typeof p === "string") this.manifestPaths.add(p);
    } catch {
      // No manifest yet: nothing was written before.
    }
    const { client, projectId } = this.options;
    this.unsubscribeHead = client.onUpdate(
      api.files.listing,
      { projectId: projectId as Id<"projects"> },
      (head) => this.onHead(head),
      (error) => this.fail(`Cannot read the project's files: ${error.message}`),
    );
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribeHead?.();
    for (const b of this.buckets.values()) b.unsubscribe();
    for (const f of this.files.values()) f.unsubscribe();
    this.buckets.clear();
    this.files.clear();
    for (const slot of this.pool) if (slot.client !== this.options.client) void slot.client.close();
    this.pool = [];
  }

  /** How many connections carry file contents (for tests and the status line). */
  get connections(): number {
    return this.pool.length;
  }

  private slot(): PoolSlot {
    let slot = this.pool.find((s) => s.used < SUBSCRIPTIONS_PER_CONNECTION - (s.client === this.options.client ? 100 : 0));
    if (!slot) {
      slot = { client: this.pool.length === 0 ? this.options.client : this.options.newClient(), used: 0 };
      this.pool.push(slot);
    }
    slot.used++;
    return slot;
  }

  /** Resolves when every disk operation queued so far is done. */
  idle(): Promise<void> {
    return this.queue;
  }

  state(): SyncState {
    const status = this.problems.has("") ? "error" : this.pending > 0 || !this.listed ? "syncing" : "synced";
    return { status, entries: this.onDisk.size, problems: [...this.problems.values()] };
  }

  private onHead(head: { ready: boolean; buckets: number }): void {
    if (this.stopped) return;
    this.headReady = head.ready;
    const { client, projectId } = this.options;
    for (let b = 0; b < head.buckets; b++) {
      if (this.buckets.has(b)) continue;
      const slot = {
        entries: null as ListingEntry[] | null,
        unsubscribe: () => {},
      };
      this.buckets.set(b, slot);
      slot.unsubscribe = client.onUpdate(
        api.files.listingBucket,
        { projectId: projectId as Id<"projects">, bucket: b },
        (entries) => {
          slot.entries = entries;
          this.reconcile();
        },
        (error) => this.fail(`Cannot read the project's files: ${error.message}`),
      );
    }
    this.reconcile();
  }

  /**
   * Resolves with null once every file is on disk for the first time, or with the sentence saying why the project
   * cannot be copied (too many files, the listing refused) while that holds. A Run or a shell waits on this, so a
   * refused project fails with its reason instead of waiting for a copy that never comes.
   */
  async copiedOrRefused(): Promise<string | null> {
    for (;;) {
      if (this.synced) return null;
      const refused = this.problems.get("");
      if (refused !== undefined) return refused;
      await new Promise<void>((resolve) => this.stateWaiters.push(resolve));
    }
  }

  private fail(message: string): void {
    this.problems.set("", message);
    this.options.log?.(message);
    this.emitState();
  }

  /** Brings the disk in line with the listing: moves, deletes, creates; content follows per file. */
  private reconcile(): void {
    if (!this.headReady) return;
    const all: ListingEntry[] = [];
    for (const b of this.buckets.values()) {
      if (b.entries === null) return; // wait for every bucket
      all.push(...b.entries);
    }
    const files = all.reduce((n, e) => n + (e.type === "file" ? 1 : 0), 0);
    const maxFiles = this.options.maxFiles ?? MAX_MIRRORED_FILES;
    if (files > maxFiles) {
      this.fail(
        `This project has ${files.toLocaleString("en")} files; the runner copies at most ${maxFiles.toLocaleString("en")} to disk. ` +
          "Nothing was copied. Move what the commands do not need (assets, data) into another project to run it.",
      );
      return;
    }
    this.problems.delete("");
    const paths = entryPaths(all);
    const byId = new Map(all.map((e) => [e._id as string, e]));
    const want = new Map<string, OnDisk>();
    for (const [id, p] of paths) want.set(id, { path: p, type: byId.get(id)!.type });

    // Moves and renames, shallowest first: renaming a folder carries its children (and what commands made).
    const moved = [...want]
      .filter(([id, w]) => {
        const had = this.onDisk.get(id);
        return had !== undefined && had.path !== w.path && had.type === w.type;
      })
      .sort((a, b) => depth(this.onDisk.get(a[0])!.path) - depth(this.onDisk.get(b[0])!.path));
    for (const [id, w] of moved) {
      const from = this.onDisk.get(id)!.path;
      if (from === w.path) continue; // a parent's move already carried it
      this.enqueue(async () => {
        const src = await this.resolveOnDisk(from, true);
        const dst = await this.resolveOnDisk(w.path);
        await mkdir(path.dirname(dst), { recursive: true });
        await rename(src, dst);
      }, id);
      for (const [otherId, other] of this.onDisk) {
        if (other.path === from) this.onDisk.set(otherId, { ...other, path: w.path });
        else if (other.path.startsWith(`${from}/`)) this.onDisk.set(otherId, { ...other, path: w.path + other.path.slice(from.length) });
      }
    }

    // Deletes, deepest first (a folder's own delete removes the rest).
    const gone = [...this.onDisk]
      .filter(([id, d]) => want.get(id)?.type !== d.type)
      .sort((a, b) => depth(b[1].path) - depth(a[1].path));
    for (const [id, d] of gone) {
      this.onDisk.delete(id);
      const watch = this.files.get(id);
      if (watch) {
        watch.unsubscribe();
        if (watch.pool) watch.pool.used--;
        this.files.delete(id);
      }
      this.problems.delete(id);
      this.enqueue(async () => rm(await this.resolveOnDisk(d.path, true), { recursive: true, force: true }), id);
    }

    // Creates: folders now, files when their content arrives: in pages for the first copy, else each by its watch.
    const firstCopy: string[] = [];
    for (const [id, w] of want) {
      if (this.onDisk.has(id)) continue;
      this.onDisk.set(id, w);
      if (w.type === "folder") {
        this.enqueue(() => this.makeFolder(w.path), id);
      } else if (!this.listed) {
        this.files.set(id, { unsubscribe: () => {}, pool: null });
        this.pending++;
        firstCopy.push(id);
      } else {
        this.watchFile(id);
      }
    }
    if (firstCopy.length > 0) void this.copyInPages(firstCopy);
    if (!this.listed) {
      this.listed = true;
      this.enqueue(() => this.removeStale(new Set([...want.values()].map((w) => w.path))), "");
    }
    this.enqueue(() => this.saveManifest(), "");
    this.emitState();
  }

  /**
   * The first copy's contents, a page of files per query (files.contents, within Convex's limits), each file then
   * watched from the revision the page had. Ids a page leaves out (deleted or trashed since the listing) and, on a
   * deployment whose functions predate files.contents or when a page fails, the rest are watched one by one as
   * before: their first answer carries the bytes.
   */
  private async copyInPages(ids: string[]): Promise<void> {
    const { client, projectId } = this.options;
    let rest = ids;
    const read: Array<[string, FileWatch, number]> = [];
    try {
      while (rest.length > 0 && !this.stopped) {
        const page = rest.slice(0, MAX_CONTENTS_PAGE_FILES);
        const { files, next } = await client.query(api.files.contents, { projectId: projectId as Id<"projects">, fileIds: page as Id<"files">[] });
        if (this.stopped) return;
        const inPage = new Set<string>();
        for (const file of files) {
          inPage.add(file._id);
          const watch = this.copyRead(file);
          if (watch) read.push([file._id, watch, file.revision]);
        }
        for (const id of page.slice(0, next)) if (!inPage.has(id)) this.watchInstead(id);
        rest = rest.slice(next);
      }
    } catch (error) {
      this.options.log?.(`working copy: reading contents in pages failed (${(error as Error).message}); reading each file on its own.`);
      for (const id of rest) this.watchInstead(id);
    }
    // The watches start once the pages' files are on disk, so their subscriptions do not compete with the copy;
    // one started later misses nothing: its first answer carries the bytes if the file changed since its page.
    await this.queue;
    for (const [id, watch, revision] of read) if (!this.stopped && this.files.get(id) === watch) this.subscribe(id, watch, revision);
  }

  /** Writes a file a files.contents page read; its watch, to start from that revision (undefined: deleted meanwhile). */
  private copyRead(file: FileWithContent): FileWatch | undefined {
    const id = file._id as string;
    const watch = this.files.get(id);
    if (watch === undefined || watch.pool !== null) {
      this.pending--; // deleted from the listing meanwhile
      return undefined;
    }
    this.readInPages++;
    this.enqueue(async () => {
      try {
        if (this.onDisk.get(id) === undefined || this.files.get(id) !== watch) return;
        await this.writeContent(id, file);
        watch.written = file.revision;
      } finally {
        this.pending--;
      }
    }, id);
    return watch;
  }

  /** A first-copy file no page read: watched on its own (its first answer has the bytes, or NOT_FOUND). */
  private watchInstead(id: string): void {
    this.pending--;
    const watch = this.files.get(id);
    if (watch === undefined || watch.pool !== null) return;
    this.files.delete(id);
    this.watchFile(id);
    this.emitState();
  }

  private async writeContent(id: string, file: FileWithContent): Promise<void> {
    const target = this.onDisk.get(id);
    if (target === undefined) return;
    const bytes = file.content !== undefined ? file.content : file.url !== undefined ? await download(file.url) : "";
    await this.writeFileAt(target.path, bytes);
  }

  private watchFile(id: string): void {
    const watch: FileWatch = { unsubscribe: () => {}, pool: null };
    this.files.set(id, watch);
    this.pending++;
    this.subscribe(id, watch);
  }

  /**
   * Subscribes `watch` to its file's changes. `known`: the revision a page already read, which the answer leaves
   * the bytes out of (files.get knownRevision); without it the first answer carries the bytes and counts as pending.
   */
  private subscribe(id: string, watch: FileWatch, known?: number): void {
    const pool = this.slot();
    watch.pool = pool;
    let first = known === undefined;
    watch.unsubscribe = pool.client.onUpdate(
      api.files.get,
      known === undefined ? { fileId: id as Id<"files"> } : { fileId: id as Id<"files">, knownRevision: known },
      (file) => {
        if (this.files.get(id) !== watch || watch.written === file.revision || file.revision === known) return;
        const revision = file.revision;
        const wasFirst = first;
        first = false;
        this.enqueue(async () => {
          try {
            if (this.onDisk.get(id) === undefined || this.files.get(id) !== watch) return;
            await this.writeContent(id, file);
            watch.written = revision;
          } finally {
            if (wasFirst) this.pending--;
          }
        }, id);
      },
      (error) => {
        // NOT_FOUND: the file was deleted before the listing said so, and the listing's update removes it.
        if (!/NOT_FOUND/.test(error.message)) {
          this.problems.set(id, `"${this.onDisk.get(id)?.path ?? id}": ${error.message}`);
          this.options.log?.(`working copy: cannot read ${this.onDisk.get(id)?.path ?? id}: ${error.message}`);
        }
        if (first) {
          first = false;
          this.pending--;
          this.emitState();
        }
      },
    );
  }

  private async makeFolder(rel: string): Promise<void> {
    const full = await this.resolveOnDisk(rel);
    const existing = await lstat(full).catch(() => null);
    if (existing && !existing.isDirectory()) {
      throw new Error(`"${rel}" is a folder in the project, but a file of that name is on disk (made by a command?). Remove it in a terminal.`);
    }
    await mkdir(full, { recursive: true });
  }

  private async writeFileAt(rel: string, bytes: string | Uint8Array): Promise<void> {
    const full = await this.resolveOnDisk(rel);
    const existing = await lstat(full).catch(() => null);
    if (existing?.isDirectory()) {
      throw new Error(`"${rel}" is a file in the project, but a folder of that name is on disk (made by a command?). Remove it in a terminal.`);
    }
    await mkdir(path.dirname(full), { recursive: true });
    // O_NOFOLLOW: a link a command puts in the file's place after the check above is refused, not written through.
    await writeFile(full, bytes, { flag: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW });
  }

  /** Paths the runner wrote in an earlier session that the project no longer has (deleted while it was down). */
  private async removeStale(current: Set<string>): Promise<void> {
    const stale = [...this.manifestPaths].filter((p) => !current.has(p)).sort((a, b) => depth(b) - depth(a));
    for (const p of stale) {
      const full = await this.resolveOnDisk(p, true).catch(() => null);
      const info = full === null ? null : await lstat(full).catch(() => null);
      if (full === null || info === null) continue;
      // A folder is removed only when empty of anything else: what commands made in it stays.
      if (info.isDirectory()) await rm(full, { recursive: false, force: true }).catch(() => {});
      else await rm(full, { force: true });
    }
  }

  private async saveManifest(): Promise<void> {
    const paths = [...this.onDisk.values()].map((d) => d.path).sort();
    this.manifestPaths = new Set(paths);
    await mkdir(path.dirname(this.options.manifestFile), { recursive: true });
    await writeFile(this.options.manifestFile, JSON.stringify(paths));
  }

  /** The absolute path of a project path, refusing any that would leave the working directory. */
  private resolve(rel: string): string {
    const full = path.resolve(this.options.dir, rel);
    if (full !== this.options.dir && !full.startsWith(`${this.options.dir}${path.sep}`)) {
      throw new Error(`"${rel}" would be written outside the working directory; skipped.`);
    }
    return full;
  }

  /**
   * The absolute path of a project path, checked on disk: no folder on the way may be a symbolic link (a command
   * can make `src` a link to /etc; writing `src/app.js` through it would write outside the working directory, and
   * the runner itself is not fenced). `lastMayBeLink`: the path itself may be a link (a rename or delete acts on
   * the link, never on what it points to). The walk and the write are not one atomic step; what a command could
   * change in between is only its own working copy, and a file's own write refuses links (O_NOFOLLOW).
   */
  private async resolveOnDisk(rel: string, lastMayBeLink = false): Promise<string> {
    const full = this.resolve(rel);
    const parts = path.relative(this.options.dir, full).split(path.sep).filter((p) => p !== "");
    let current = this.options.dir;
    for (let i = 0; i < parts.length; i++) {
      current = path.join(current, parts[i]);
      const info = await lstat(current).catch(() => null);
      if (info === null) break; // the rest does not exist yet: mkdir makes real folders
      if (info.isSymbolicLink() && !(lastMayBeLink && i === parts.length - 1)) {
        const link = path.relative(this.options.dir, current);
        throw new Error(
          `"${rel}": "${link}" on disk is a symbolic link (made by a command?), and the runner never writes through links, ` +
            `so this path was skipped. Remove the link in a terminal (rm ${link}); the project's file is copied again on its next change.`,
        );
      }
    }
    return full;
  }

  /** Runs disk operations one at a time, in order; a failure is recorded against its entry, never thrown. */
  private enqueue(op: () => Promise<void>, id: string): void {
    this.queue = this.queue.then(async () => {
      if (this.stopped) return;
      try {
        await op();
        if (id !== "" && this.problems.has(id)) this.problems.delete(id);
      } catch (error) {
        const message = describeDiskError(error, this.onDisk.get(id)?.path ?? id);
        if (id !== "") this.problems.set(id, message);
        this.options.log?.(`working copy: ${message}`);
      }
      this.emitState();
    });
  }

  private emitState(): void {
    const state = this.state();
    // Every file was tried: the first copy is done, also when the disk refused some (a name too long for it); those
    // stay in `problems`, by name, and the rest of the project runs.
    if (state.status === "synced") {
      this.synced = true;
      this.resolveFirstSync();
    }
    if (state.status === "synced" && state.problems.length > 0) state.status = "error";
    const waiters = this.stateWaiters;
    this.stateWaiters = [];
    for (const wake of waiters) wake();
    const key = JSON.stringify(state);
    if (key === this.lastState) return;
    this.lastState = key;
    this.options.onState?.(state);
  }
}

function depth(p: string): number {
  return p.split("/").length;
}

async function download(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`downloading its bytes failed (HTTP ${res.status})`);
  return new Uint8Array(await res.arrayBuffer());
}

/** A readable sentence for a failed disk operation on `rel`. */
export function describeDiskError(error: unknown, rel: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENAMETOOLONG":
      return `"${rel}": the name is too long for this disk (at most 255 bytes per name); rename it in Polaris to run it.`;
    case "EILSEQ":
    case "EINVAL":
      return `"${rel}": this disk does not accept that name; rename it in Polaris to run it.`;
    case "ENOSPC":
      return `"${rel}": the disk is full.`;
    case "EACCES":
    case "EPERM":
      return `"${rel}": permission denied on disk (a command may have made it read-only).`;
    default:
      return error instanceof Error && !code ? error.message : `"${rel}": ${(error as Error).message}`;
  }
}
