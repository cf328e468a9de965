"use node";

import { v } from "convex/values";
import { Zip, ZipDeflate, ZipPassThrough } from "fflate";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { internalAction, type ActionCtx } from "./_generated/server";
import { formatCount } from "./lib/errors";
import { asText, checkImport, ImportRefused, MAX_IMPORT_TOTAL_BYTES, splitParent, type CheckedImport, type RawEntry } from "./lib/importCheck";
import { credentialHost } from "./lib/gitUrl";
import { entryPaths } from "./lib/listing";
import { MAX_TEXT_BYTES } from "./lib/limits";
import { listZip, readZipEntry } from "./lib/zip";
import { transferRunArgs, type NewItem, type TransferRun } from "./lib/validators";
import { cloneRepo, pushFiles, type Credential, type ExportFile } from "./transfer/git";
import { clerkConfigured, clerkGithubToken, clerkUserId } from "./transfer/clerk";
import { createGithubRepo, githubApiBase, githubCredentialHost } from "./transfer/github";
import { TransferFailed } from "./transfer/http";
import { transferHook } from "./transfer/testHook";

// The import/export action (docs/import-export.md). It reads the source completely and checks it (limits, paths)
// before writing anything; then writes through the files model in batches that each stay far inside Convex's
// per-function limits (transfers.writeBatch); every step re-checks that the run was not cancelled. Whatever
// happens, it ends the transfer with a final status: a failed or cancelled import removes what it wrote.

type Transfer = NonNullable<Awaited<ReturnType<typeof loadTransfer>>>;

function loadTransfer(ctx: ActionCtx, run: TransferRun) {
  return ctx.runQuery(internal.transfers.load, run);
}

class Cancelled extends Error {}

/** One batch's budget: far inside a mutation's 16 MiB written, 4,096 index ranges and its argument size. */
const BATCH_ITEMS = 1000;
const BATCH_TEXT_BYTES = 4 * 1024 * 1024;
/** Folder groups plus stored files of one batch: each costs a few dozen index ranges (names, parents, listing). */
const BATCH_UNITS = 60;
/** Blobs stored at the same time. */
const STORE_CONCURRENCY = 4;

interface Group {
  parentPath: string;
  items: NewItem[];
  itemPaths: string[];
  stored: { name: string; storageId: Id<"_storage"> }[];
  storedPaths: string[];
}

/** Accumulates writes into budgeted batches and sends them through transfers.writeBatch. */
class BatchWriter {
  private groups = new Map<string, Group>();
  private items = 0;
  private bytes = 0;
  private units = 0;
  readonly ids = new Map<string, Id<"files">>();
  /** Blobs stored but not yet attached to a file: deleted if the import fails. */
  readonly unattached = new Set<Id<"_storage">>();
  done = 0;

  constructor(
    private readonly ctx: ActionCtx,
    private readonly run: TransferRun,
    private readonly source: string,
    private readonly total: number,
  ) {}

  private group(parentPath: string): Group {
    let group = this.groups.get(parentPath);
    if (group === undefined) {
      group = { parentPath, items: [], itemPaths: [], stored: [], storedPaths: [] };
      this.groups.set(parentPath, group);
      this.units++;
    }
    return group;
  }

  private async makeRoom(items: number, bytes: number, units: number) {
    if (this.items + items > BATCH_ITEMS || this.bytes + bytes > BATCH_TEXT_BYTES || this.units + units > BATCH_UNITS) await this.flush();
  }

  async addItem(path: string, item: NewItem, textBytes: number, isFile: boolean) {
    const [parentPath] = splitParent(path);
    await this.makeRoom(1, textBytes, this.groups.has(parentPath) ? 0 : 1);
    const group = this.group(parentPath);
    group.items.push(item);
    group.itemPaths.push(path);
    this.items++;
    this.bytes += textBytes;
    if (isFile) this.done++;
  }

  async addStored(path: string, storageId: Id<"_storage">) {
    const [parentPath, name] = splitParent(path);
    await this.makeRoom(1, 0, this.groups.has(parentPath) ? 1 : 2);
    const group = this.group(parentPath);
    group.stored.push({ name, storageId });
    group.storedPaths.push(path);
    this.items++;
    this.units++;
    this.done++;
  }

  async flush() {
    if (this.groups.size === 0) return;
    const groups = [...this.groups.values()];
    this.groups = new Map();
    this.items = this.bytes = this.units = 0;
    const parentId = (path: string) => (path === "" ? undefined : this.ids.get(path));
    const result = await this.ctx.runMutation(internal.transfers.writeBatch, {
      ...this.run,
      groups: groups.map((g) => ({ parentId: parentId(g.parentPath), items: g.items, stored: g.stored })),
      done: this.done,
    });
    if (result === null) throw new Cancelled();
    for (const [i, group] of groups.entries()) {
      const paths = [...group.itemPaths, ...group.storedPaths];
      for (const [k, id] of result[i].entries()) this.ids.set(paths[k], id);
      for (const item of group.stored) this.unattached.delete(item.storageId);
    }
    await transferHook({ step: "batch written", source: this.source, attempt: this.run.attempt, done: this.done, total: this.total });
  }
}

interface ImportSource {
  entries: RawEntry[];
  /** The bytes of entry `index` (a file). */
  read(index: number): Uint8Array;
  note: string[];
  remote?: { url: string; branch: string; commit: string };
}

async function zipSource(ctx: ActionCtx, t: Transfer): Promise<ImportSource> {
  const blob = t.storageId === undefined ? null : await ctx.storage.get(t.storageId);
  if (blob === null) throw new TransferFailed("The uploaded archive is gone. Upload it again.");
  const zip = new Uint8Array(await blob.arrayBuffer());
  const entries = listZip(zip);
  return { entries, read: (index) => readZipEntry(zip, entries[index], index), note: [] };
}

/**
 * The token for `host`: for GitHub's host (github.com, or the configured GitHub Enterprise host) the user's GitHub
 * connection in Clerk when there is one (transfer/clerk.ts), else the token the user saved for the host.
 */
async function credentialFor(ctx: ActionCtx, t: Transfer, host: string): Promise<Credential | null> {
  if (host === githubCredentialHost(githubApiBase())) {
    const fromClerk = await clerkGithubToken(t.ownerId);
    if (fromClerk !== null) return { token: fromClerk, source: "clerk" };
  }
  const saved = await ctx.runQuery(internal.transfers.credentialFor, { ownerId: t.ownerId, host });
  return saved === null ? null : { ...saved, source: "saved" };
}

async function gitSource(ctx: ActionCtx, t: Transfer): Promise<ImportSource> {
  const url = t.url as string;
  const credential = await credentialFor(ctx, t, credentialHost(url));
  const repo = await cloneRepo(url, t.ref, credential, MAX_IMPORT_TOTAL_BYTES);
  const note: string[] = [];
  if (repo.submodules > 0) note.push(`${formatCount(repo.submodules)} submodule${repo.submodules === 1 ? " was" : "s were"} not imported`);
  const source: ImportSource = {
    entries: repo.files.map((f) => ({ path: f.path, kind: f.kind, size: f.bytes.length })),
    read: (index) => repo.files[index].bytes,
    note,
  };
  // A tag is no branch to export onto: the project is linked to the remote only when it came from a branch.
  if (repo.tag === true) note.push(`from tag ${repo.branch} at ${repo.commit.slice(0, 7)}`);
  else source.remote = { url, branch: repo.branch, commit: repo.commit };
  return source;
}

async function storeAll(ctx: ActionCtx, writer: BatchWriter, pending: { path: string; bytes: Uint8Array }[]) {
  for (let i = 0; i < pending.length; i += STORE_CONCURRENCY) {
    const slice = pending.slice(i, i + STORE_CONCURRENCY);
    const ids = await Promise.all(slice.map(({ bytes }) => ctx.storage.store(new Blob([bytes as Uint8Array<ArrayBuffer>]))));
    for (const id of ids) writer.unattached.add(id);
    for (const [k, { path }] of slice.entries()) await writer.addStored(path, ids[k]);
  }
}

async function writeImport(ctx: ActionCtx, t: Transfer, source: ImportSource, checked: CheckedImport, writer: BatchWriter) {
  const total = checked.files.length;
  if (!(await ctx.runMutation(internal.transfers.progress, { ...t.run, phase: "writing", done: 0, total }))) throw new Cancelled();
  // Folders level by level: a folder's id is known before its children are written.
  let depth = -1;
  for (const path of checked.folders) {
    const d = path.split("/").length;
    if (d !== depth) {
      await writer.flush();
      depth = d;
    }
    await writer.addItem(path, { name: splitParent(path)[1], type: "folder" }, 0, false);
  }
  await writer.flush();
  let stored: { path: string; bytes: Uint8Array }[] = [];
  for (const { index, path } of checked.files) {
    const bytes = source.read(index);
    const text = asText(bytes);
    if (text !== null && bytes.length <= MAX_TEXT_BYTES) {
      await writer.addItem(path, { name: splitParent(path)[1], content: text }, bytes.length, true);
    } else {
      stored.push({ path, bytes });
      if (stored.length >= STORE_CONCURRENCY * 4) {
        await storeAll(ctx, writer, stored);
        stored = [];
      }
    }
  }
  await storeAll(ctx, writer, stored);
  await writer.flush();
}

async function runImport(ctx: ActionCtx, t: Transfer): Promise<{ message: string; remote?: ImportSource["remote"] }> {
  await ctx.runMutation(internal.transfers.progress, { ...t.run, phase: t.storageId ? "reading the archive" : "cloning", done: 0, total: 0 });
  const source = t.storageId !== undefined ? await zipSource(ctx, t) : await gitSource(ctx, t);
  // A ZIP of one folder imports what is inside it; a Git tree is the project's root already.
  const checked = checkImport(source.entries, { unwrap: t.storageId !== undefined });
  const writer = new BatchWriter(ctx, t.run, t.source, checked.files.length);
  try {
    await writeImport(ctx, t, source, checked, writer);
  } finally {
    for (const id of writer.unattached) await ctx.storage.delete(id);
  }
  const parts = [
    `Imported ${formatCount(checked.files.length)} file${checked.files.length === 1 ? "" : "s"}${checked.unwrapped ? ` from the archive's folder ${checked.unwrapped}/` : ""}`,
    ...source.note,
  ];
  if (source.remote) parts.push(`from ${source.remote.branch} at ${source.remote.commit.slice(0, 7)}`);
  return { message: `${parts.join("; ")}.`, remote: source.remote };
}

/**
 * Every visible file of the project with its path and bytes, read through budgeted internal queries (pages of at
 * most 500 files, each query within its read budget) and handed to `onFile` page by page; `onFolder` gets every
 * folder first. Returns how many files were handed over.
 */
async function forEachProjectFile(
  ctx: ActionCtx,
  t: Transfer,
  onFile: (file: ExportFile) => void,
  onFolder?: (path: string) => void,
): Promise<number> {
  const head = await ctx.runQuery(internal.transfers.exportHead, t.run);
  if (head === null) throw new Cancelled();
  if (!head.ready) throw new TransferFailed("The project's file list is still being prepared. Try again in a minute.");
  const buckets = await Promise.all(
    Array.from({ length: head.buckets }, (_, bucket) => ctx.runQuery(internal.transfers.exportBucket, { ...t.run, bucket })),
  );
  if (buckets.some((b) => b === null)) throw new Cancelled();
  const entries = buckets.flatMap((b) => b ?? []);
  const paths = entryPaths(entries);
  if (onFolder !== undefined) {
    for (const path of entries.filter((e) => e.type === "folder" && paths.has(e._id)).map((e) => paths.get(e._id) as string).sort()) onFolder(path);
  }
  const files = entries.filter((e) => e.type === "file" && paths.has(e._id));
  await ctx.runMutation(internal.transfers.progress, { ...t.run, phase: "reading files", done: 0, total: files.length });
  let handed = 0;
  const encoder = new TextEncoder();
  let next = 0;
  while (next < files.length) {
    const ids = files.slice(next, next + 500).map((f) => f._id);
    const contents = await ctx.runQuery(internal.transfers.exportContents, { ...t.run, fileIds: ids });
    if (contents === null) throw new Cancelled();
    for (const item of contents) {
      if (item.gone === true) continue;
      let bytes: Uint8Array;
      if (item.storageId !== undefined) {
        const blob = await ctx.storage.get(item.storageId);
        if (blob === null) continue;
        bytes = new Uint8Array(await blob.arrayBuffer());
      } else bytes = encoder.encode(item.content ?? "");
      onFile({ path: paths.get(item._id) as string, bytes });
      handed++;
    }
    next += contents.length;
    await transferHook({ step: "files read", source: t.source, attempt: t.run.attempt, done: next, total: files.length });
    if (!(await ctx.runMutation(internal.transfers.progress, { ...t.run, phase: "reading files", done: next, total: files.length }))) throw new Cancelled();
  }
  return handed;
}

/** Every visible file of the project with its path and bytes. */
async function readProject(ctx: ActionCtx, t: Transfer): Promise<ExportFile[]> {
  const out: ExportFile[] = [];
  await forEachProjectFile(ctx, t, (file) => out.push(file));
  return out;
}

/**
 * A ZIP of the whole project into storage. fflate's streaming Zip deflates each file as its page is read, so the
 * action holds the compressed archive and one page of files, never every file's bytes at once.
 */
async function runZip(ctx: ActionCtx, t: Transfer): Promise<void> {
  const chunks: Uint8Array[] = [];
  const state: { failure: Error | null } = { failure: null };
  const zip = new Zip((error, chunk) => {
    if (error !== null) state.failure = error;
    else chunks.push(chunk);
  });
  const files = await forEachProjectFile(
    ctx,
    t,
    ({ path, bytes }) => {
      const entry = new ZipDeflate(path, { level: 6 });
      zip.add(entry);
      entry.push(bytes, true);
    },
    (path) => {
      const entry = new ZipPassThrough(`${path}/`);
      zip.add(entry);
      entry.push(new Uint8Array(0), true);
    },
  );
  zip.end();
  if (state.failure !== null) throw state.failure;
  await ctx.runMutation(internal.transfers.progress, { ...t.run, phase: "saving the archive", done: files, total: files });
  const zipStorageId = await ctx.storage.store(new Blob(chunks as Uint8Array<ArrayBuffer>[], { type: "application/zip" }));
  await ctx.runMutation(internal.transfers.finishZip, {
    ...t.run,
    zipStorageId,
    message: `${t.source} is ready: ${formatCount(files)} file${files === 1 ? "" : "s"}.`,
  });
}

async function runExport(ctx: ActionCtx, t: Transfer) {
  let url = t.url;
  let webUrl: string | undefined;
  let credential: Credential | null;
  if (t.githubRepo !== undefined) {
    const base = githubApiBase();
    const host = githubCredentialHost(base);
    credential = await credentialFor(ctx, t, host);
    if (credential === null) {
      const connect = clerkConfigured() && clerkUserId(t.ownerId) !== null ? "Connect GitHub to your account, or s" : "S";
      throw new TransferFailed(`Exporting to GitHub needs a token. ${connect}ave one for ${host} under Credentials.`);
    }
    await ctx.runMutation(internal.transfers.progress, { ...t.run, phase: "creating the repository", done: 0, total: 0 });
    const created = await createGithubRepo(credential, t.githubRepo.name, t.githubRepo.private, t.githubRepo.owner);
    url = created.cloneUrl;
    webUrl = created.htmlUrl;
  } else {
    credential = await credentialFor(ctx, t, credentialHost(url as string));
  }
  if (url === undefined) throw new TransferFailed("No repository to export to.");
  const files = await readProject(ctx, t);
  await ctx.runMutation(internal.transfers.progress, { ...t.run, phase: "pushing", done: files.length, total: files.length });
  const expected = t.remote !== null && t.remote.url === url ? { branch: t.remote.branch, commit: t.remote.commit } : null;
  const result = await pushFiles(
    {
      url,
      branch: t.ref,
      expected,
      credential,
      message: `Export from Polaris: ${t.projectName}`,
      author: { name: process.env.POLARIS_GIT_AUTHOR_NAME ?? "Polaris", email: process.env.POLARIS_GIT_AUTHOR_EMAIL ?? "polaris@localhost" },
    },
    files,
    async () => {
      if (await ctx.runQuery(internal.transfers.stopRequested, t.run)) throw new Cancelled();
    },
  );
  const message = result.pushed
    ? `Pushed ${formatCount(files.length)} file${files.length === 1 ? "" : "s"} to ${result.branch} as ${result.commit.slice(0, 7)}.`
    : `Nothing changed since ${result.commit.slice(0, 7)} on ${result.branch}; nothing was pushed.`;
  return { message, remote: { url, branch: result.branch, commit: result.commit }, exportRepoUrl: webUrl ?? url };
}

/** Runs the transfer to a final status. */
export const run = internalAction({
  args: transferRunArgs,
  returns: v.null(),
  handler: async (ctx, run) => {
    const t = await loadTransfer(ctx, run);
    if (t === null) {
      // Cancelled before it started: end it (an import has written nothing yet).
      await ctx.runMutation(internal.transfers.finish, { ...run, status: "cancelled", message: "Cancelled before it started." });
      return null;
    }
    try {
      if (t.kind === "zip") {
        await runZip(ctx, t);
      } else if (t.kind === "import") {
        const { message, remote } = await runImport(ctx, t);
        await ctx.runMutation(internal.transfers.finish, { ...run, status: "completed", message, remote });
      } else {
        const { message, remote, exportRepoUrl } = await runExport(ctx, t);
        await ctx.runMutation(internal.transfers.finish, { ...run, status: "completed", message, remote, exportRepoUrl });
      }
    } catch (error) {
      const cancelled = error instanceof Cancelled;
      const known = error instanceof ImportRefused || error instanceof TransferFailed;
      if (!cancelled && !known) console.error(`transfer ${run.transferId} failed:`, error instanceof Error ? error.name : typeof error);
      const what = t.kind === "zip" ? "ZIP download" : t.kind;
      let message = cancelled ? `The ${what} was cancelled.` : known ? error.message : `The ${what} failed unexpectedly. Try again.`;
      if (t.kind === "import") {
        while ((await ctx.runMutation(internal.transfers.clearRoot, { ...run, limit: 200 })) > 0);
        message += " Nothing was kept: the project is empty, ready for another try.";
      } else if (cancelled) {
        message += " Nothing was pushed.";
      }
      await ctx.runMutation(internal.transfers.finish, { ...run, status: cancelled ? "cancelled" : "failed", message });
    }
    await transferHook({ step: "ended", source: t.source, attempt: run.attempt, done: 0, total: 0 });
    return null;
  },
});
