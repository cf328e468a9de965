import { v, type Infer } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import { internalMutation, internalQuery, mutation, query, type MutationCtx } from "./_generated/server";
import { appError } from "./lib/errors";
import schema from "./schema";
import { archiveName, checkGitUrl, checkRef, githubOwnerProblem, importProjectName } from "./lib/gitUrl";
import { listingEntryValidator, newItemValidator, transferRunArgs } from "./lib/validators";
import { requireProjectOwner, requireUser } from "./model/access";
import { Budget } from "./model/budget";
import * as Bulk from "./model/createMany";
import * as Files from "./model/files";
import { getListingHead, readBucketEntries } from "./model/listing";
import { checkProjectName } from "./model/names";
import { claimUpload, grantUpload } from "./model/uploads";
import { zipFileName } from "./lib/zipName";
import {
  activeTransfer,
  DEAD_TRANSFER_MESSAGE,
  deleteBlobIfPresent,
  endDeadTransfer,
  finishTransfer,
  getGitRemote,
  getTransfer,
  requestCancel,
  runningTransfer,
  setGitRemote,
  startTransfer,
  TRANSFER_DEAD_AFTER_MS,
  transferView,
  type TransferKind,
  type TransferRequest,
} from "./model/transfers";
import { createProject } from "./model/projects";

// Import and export (docs/import-export.md): thin public functions that record a run and schedule the action in
// transferRun.ts, and the internal functions that action calls. Every internal step re-reads the transfer and
// does nothing once it is no longer running, was cancelled, or is no longer the run that called (its `attempt`),
// so a cancelled run stops at its next step and a late action of an ended run changes nothing of the next one.

const fields = schema.tables.transfers.validator.fields;
const kindValidator = fields.kind;
/** What the SPA sees of a transfer (model/transfers.ts transferView): no storage id, no owner. */
const transferViewValidator = v.union(
  v.null(),
  v.object({
    status: fields.status,
    source: fields.source,
    phase: fields.phase,
    done: fields.done,
    total: fields.total,
    message: fields.message,
    cancelRequested: fields.cancelRequested,
    updatedAt: fields.updatedAt,
  }),
);

/**
 * The latest import and export of the project, the Git remote it is linked to, and the latest ZIP built on the
 * server (`zip.url`: the archive, while it is kept).
 */
export const status = query({
  args: { projectId: v.id("projects") },
  returns: v.object({
    import: transferViewValidator,
    export: transferViewValidator,
    zip: v.union(v.null(), v.object({ view: transferViewValidator, url: v.optional(v.string()) })),
    remote: v.union(v.null(), v.object({ url: v.string(), branch: v.string(), commit: v.string() })),
  }),
  handler: async (ctx, { projectId }) => {
    await requireProjectOwner(ctx, await requireUser(ctx), projectId);
    const remote = await getGitRemote(ctx, projectId);
    const zip = await getTransfer(ctx, projectId, "zip");
    const zipUrl = zip?.zipStorageId === undefined ? null : await ctx.storage.getUrl(zip.zipStorageId);
    return {
      import: transferView(await getTransfer(ctx, projectId, "import")),
      export: transferView(await getTransfer(ctx, projectId, "export")),
      zip: zip === null ? null : zipUrl === null ? { view: transferView(zip) } : { view: transferView(zip), url: zipUrl },
      remote: remote === null ? null : { url: remote.url, branch: remote.branch, commit: remote.commit },
    };
  },
});

/** The checked source of an import: an uploaded ZIP archive (unreferenced blob) or a Git URL and branch/tag. */
const importSourceValidator = v.union(
  v.object({ kind: v.literal("zip"), storageId: v.id("_storage"), fileName: v.string() }),
  v.object({ kind: v.literal("git"), url: v.string(), ref: v.optional(v.string()) }),
);
type ImportSource = Infer<typeof importSourceValidator>;

async function checkImportSource(ctx: MutationCtx, userId: string, source: ImportSource): Promise<TransferRequest> {
  if (source.kind === "zip") {
    const { storageId } = source;
    // Only the caller's own upload (model/uploads.ts): another user's storage id is refused as not found.
    await claimUpload(ctx, userId, storageId, "archive");
    return { source: archiveName(source.fileName), storageId };
  }
  const url = checkGitUrl(source.url);
  const ref = source.ref === undefined || source.ref.trim() === "" ? undefined : checkRef(source.ref.trim());
  return { source: url, url, ref };
}

/** Records a new run of `kind` (model/transfers startTransfer) and schedules its action. */
async function startRun(ctx: MutationCtx, userId: string, projectId: Id<"projects">, kind: TransferKind, request: TransferRequest) {
  await ctx.scheduler.runAfter(0, internal.transferRun.run, await startTransfer(ctx, userId, projectId, kind, request));
}

/** Imports a ZIP archive uploaded to storage (files.generateUploadUrl) into the empty project. */
export const importZip = mutation({
  args: { projectId: v.id("projects"), storageId: v.id("_storage"), fileName: v.string() },
  returns: v.null(),
  handler: async (ctx, { projectId, storageId, fileName }) => {
    const userId = await requireUser(ctx);
    await requireProjectOwner(ctx, userId, projectId);
    await startRun(ctx, userId, projectId, "import", await checkImportSource(ctx, userId, { kind: "zip", storageId, fileName }));
    return null;
  },
});

/** Imports a Git repository over smart HTTP (the remote's default branch unless `ref` names a branch or tag). */
export const importGit = mutation({
  args: { projectId: v.id("projects"), url: v.string(), ref: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { projectId, url, ref }) => {
    const userId = await requireUser(ctx);
    await requireProjectOwner(ctx, userId, projectId);
    await startRun(ctx, userId, projectId, "import", await checkImportSource(ctx, userId, { kind: "git", url, ref }));
    return null;
  },
});

/**
 * Where the dashboard's "Import project…" uploads a ZIP archive (SHA-256 `sha256`, base64) before `importProject`,
 * which then accepts only this user's upload (model/uploads.ts).
 */
export const archiveUploadUrl = mutation({
  args: { sha256: v.string() },
  returns: v.string(),
  handler: async (ctx, { sha256 }) => {
    await grantUpload(ctx, await requireUser(ctx), sha256);
    return ctx.storage.generateUploadUrl();
  },
});

/**
 * Creates a new project and starts importing `source` into it, in one transaction: either the project exists with
 * its import running, or nothing was created. `name` defaults to the repository's or archive's name.
 */
export const importProject = mutation({
  args: { name: v.optional(v.string()), source: importSourceValidator },
  returns: v.id("projects"),
  handler: async (ctx, { name, source }) => {
    const userId = await requireUser(ctx);
    const request = await checkImportSource(ctx, userId, source);
    const projectName = name !== undefined && name.trim() !== "" ? name : importProjectName(source.kind === "zip" ? source.fileName : request.url ?? "");
    const projectId = await createProject(ctx, userId, projectName);
    await startRun(ctx, userId, projectId, "import", request);
    return projectId;
  },
});

/**
 * Exports the project as one new commit on `branch` of the Git remote `url` (by default the remote the project is
 * linked to). Never a force push: a remote that moved on since the project last matched it is refused.
 */
export const exportGit = mutation({
  args: { projectId: v.id("projects"), url: v.optional(v.string()), branch: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, { projectId, url: rawUrl, branch: rawBranch }) => {
    const userId = await requireUser(ctx);
    await requireProjectOwner(ctx, userId, projectId);
    const remote = await getGitRemote(ctx, projectId);
    const url = rawUrl !== undefined && rawUrl.trim() !== "" ? checkGitUrl(rawUrl) : remote?.url;
    if (url === undefined) throw appError("INVALID_ARGUMENT", "Enter the URL of the Git repository to export to.");
    const branch = rawBranch !== undefined && rawBranch.trim() !== "" ? checkRef(rawBranch.trim()) : undefined;
    await startRun(ctx, userId, projectId, "export", { source: url, url, ref: branch });
    return null;
  },
});

/**
 * Exports the project to GitHub: the first export creates the repository `name` in the organization `owner` (else
 * in the token owner's account; private unless `private` is false), later ones push a new commit to the repository
 * the project is linked to. `branch` names the branch pushed to (default: the one linked, else the repository's).
 */
export const exportGithub = mutation({
  args: {
    projectId: v.id("projects"),
    name: v.optional(v.string()),
    private: v.optional(v.boolean()),
    owner: v.optional(v.string()),
    branch: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { projectId, name, private: isPrivate, owner: rawOwner, branch: rawBranch }) => {
    const userId = await requireUser(ctx);
    const project = await requireProjectOwner(ctx, userId, projectId);
    const remote = await getGitRemote(ctx, projectId);
    const branch = rawBranch !== undefined && rawBranch.trim() !== "" ? checkRef(rawBranch.trim()) : undefined;
    // Exported before: the remote it last matched is where that export went (exportRepoUrl is its web address).
    if (remote !== null && project.exportRepoUrl !== undefined) {
      await startRun(ctx, userId, projectId, "export", { source: remote.url, url: remote.url, ref: branch });
      return null;
    }
    const owner = rawOwner === undefined || rawOwner.trim() === "" ? undefined : rawOwner.trim();
    const ownerProblem = owner === undefined ? null : githubOwnerProblem(owner);
    if (ownerProblem !== null) throw appError("INVALID_ARGUMENT", ownerProblem);
    const repoName = checkProjectName(name ?? project.name).replace(/[^A-Za-z0-9._-]+/g, "-");
    await startRun(ctx, userId, projectId, "export", {
      source: `GitHub: ${owner === undefined ? "" : `${owner}/`}${repoName}`,
      ref: branch,
      githubRepo: owner === undefined ? { name: repoName, private: isPrivate !== false } : { name: repoName, private: isPrivate !== false, owner },
    });
    return null;
  },
});

/**
 * Builds a ZIP of the whole project on the server (transferRun.ts), for a project larger than the browser should
 * zip itself (`zipOnServer`, convex/lib/zipName.ts); `status.zip.url` then downloads it. Byte for byte like the
 * browser's, except that empty folders are left out. The archive is kept ZIP_KEEP_MS, or until the next one.
 */
export const zipProject = mutation({
  args: { projectId: v.id("projects") },
  returns: v.null(),
  handler: async (ctx, { projectId }) => {
    const userId = await requireUser(ctx);
    const project = await requireProjectOwner(ctx, userId, projectId);
    await startRun(ctx, userId, projectId, "zip", { source: zipFileName(project.name) });
    return null;
  },
});

/** How long a ZIP built on the server stays downloadable. */
export const ZIP_KEEP_MS = 60 * 60 * 1000;

/** Ends a "zip" run with its archive (deleted at once if the run was cancelled meanwhile); schedules its expiry. */
export const finishZip = internalMutation({
  args: { ...transferRunArgs, zipStorageId: v.id("_storage"), message: v.string() },
  returns: v.null(),
  handler: async (ctx, { zipStorageId, message, ...run }) => {
    const { transferId } = run;
    if ((await activeTransfer(ctx, run)) === null) {
      await deleteBlobIfPresent(ctx, zipStorageId);
      return null;
    }
    await ctx.db.patch("transfers", transferId, { zipStorageId });
    await finishTransfer(ctx, transferId, "completed", message);
    await ctx.scheduler.runAfter(ZIP_KEEP_MS, internal.transfers.expireZip, { transferId, zipStorageId });
    return null;
  },
});

/** Deletes a server-built ZIP once kept ZIP_KEEP_MS (unless a newer run replaced it already). */
export const expireZip = internalMutation({
  args: { transferId: v.id("transfers"), zipStorageId: v.id("_storage") },
  returns: v.null(),
  handler: async (ctx, { transferId, zipStorageId }) => {
    const t = await ctx.db.get("transfers", transferId);
    if (t !== null && t.zipStorageId === zipStorageId) {
      await ctx.db.patch("transfers", transferId, { zipStorageId: undefined, message: `${t.source} has expired. Download again to build it anew.`, updatedAt: Date.now() });
    }
    await deleteBlobIfPresent(ctx, zipStorageId);
    return null;
  },
});

/** Stops the running import or export; an import then removes what it wrote, an export pushes nothing. */
export const cancel = mutation({
  args: { projectId: v.id("projects"), kind: kindValidator },
  returns: v.boolean(),
  handler: async (ctx, { projectId, kind }) => requestCancel(ctx, await requireUser(ctx), projectId, kind),
});

// ---- internal: called by the action in transferRun.ts ----

const transferFields = v.object({
  run: v.object(transferRunArgs),
  projectId: v.id("projects"),
  ownerId: v.string(),
  kind: kindValidator,
  source: v.string(),
  storageId: v.optional(v.id("_storage")),
  url: v.optional(v.string()),
  ref: v.optional(v.string()),
  githubRepo: fields.githubRepo,
  remote: v.union(v.null(), v.object({ url: v.string(), branch: v.string(), commit: v.string() })),
  projectName: v.string(),
});

/** The running transfer with what its action needs; null once it ended or was cancelled. */
export const load = internalQuery({
  args: transferRunArgs,
  returns: v.union(v.null(), transferFields),
  handler: async (ctx, run) => {
    const t = await activeTransfer(ctx, run);
    if (t === null) return null;
    const project = await ctx.db.get("projects", t.projectId);
    const remote = await getGitRemote(ctx, t.projectId);
    return {
      run,
      projectId: t.projectId,
      ownerId: t.ownerId,
      kind: t.kind,
      source: t.source,
      storageId: t.storageId,
      url: t.url,
      ref: t.ref,
      githubRepo: t.githubRepo,
      remote: remote === null ? null : { url: remote.url, branch: remote.branch, commit: remote.commit },
      projectName: project?.name ?? "",
    };
  },
});

/** Reports progress; returns false when the transfer should stop (cancelled, ended, project deleted). */
export const progress = internalMutation({
  args: { ...transferRunArgs, phase: v.string(), done: v.number(), total: v.number() },
  returns: v.boolean(),
  handler: async (ctx, { phase, done, total, ...run }) => {
    const t = await activeTransfer(ctx, run);
    if (t === null) return false;
    await ctx.db.patch("transfers", t._id, { phase, done, total, updatedAt: Date.now() });
    return true;
  },
});

/** True when the transfer was asked to stop (or ended). */
export const stopRequested = internalQuery({
  args: transferRunArgs,
  returns: v.boolean(),
  handler: async (ctx, run) => (await activeTransfer(ctx, run)) === null,
});

const binaryItemValidator = v.object({ name: v.string(), storageId: v.id("_storage") });

/**
 * Writes one budgeted batch of an import through the files model (createMany per folder, createBinaryFile per
 * stored file), as the transfer's owner. Returns the new ids group by group (texts/folders first, then stored
 * files), or null when the transfer stopped: then nothing is written.
 */
export const writeBatch = internalMutation({
  args: {
    ...transferRunArgs,
    groups: v.array(
      v.object({ parentId: v.optional(v.id("files")), items: v.array(newItemValidator), stored: v.array(binaryItemValidator) }),
    ),
    done: v.number(),
  },
  returns: v.union(v.null(), v.array(v.array(v.id("files")))),
  handler: async (ctx, { groups, done, ...run }) => {
    const t = await activeTransfer(ctx, run);
    if (t === null) return null;
    const out: Id<"files">[][] = [];
    for (const group of groups) {
      const ids = group.items.length === 0 ? [] : await Bulk.createMany(ctx, t.ownerId, { projectId: t.projectId, parentId: group.parentId, items: group.items });
      for (const item of group.stored) {
        ids.push(await Files.createStoredFile(ctx, t.ownerId, { projectId: t.projectId, parentId: group.parentId, name: item.name, storageId: item.storageId }));
      }
      out.push(ids);
    }
    await ctx.db.patch("transfers", t._id, { phase: "writing", done, updatedAt: Date.now() });
    return out;
  },
});

/** Removes up to `limit` items at the project's root (a failed or cancelled import); returns how many remain. */
export const clearRoot = internalMutation({
  args: { ...transferRunArgs, limit: v.number() },
  returns: v.number(),
  handler: async (ctx, { limit, ...run }) => {
    const t = await runningTransfer(ctx, run);
    if (t === null || t.kind !== "import") return 0;
    return clearRootBatch(ctx, t, limit);
  },
});

async function clearRootBatch(ctx: MutationCtx, t: Doc<"transfers">, limit: number): Promise<number> {
  const project = await ctx.db.get("projects", t.projectId);
  if (project === null) return 0;
  const roots = await ctx.db
    .query("fileEntries")
    .withIndex("by_project_parent_name", (q) => q.eq("projectId", t.projectId).eq("parentId", undefined))
    .take(limit + 1);
  for (const entry of roots.slice(0, limit)) await Files.removeFile(ctx, t.ownerId, entry.fileId);
  return roots.length > limit ? 1 : 0;
}

/** A dead import (model/transfers endDeadTransfer): removes what it wrote, a batch per run, then fails it. */
export const clearDeadImport = internalMutation({
  args: { transferId: v.id("transfers") },
  returns: v.null(),
  handler: async (ctx, { transferId }) => {
    const t = await ctx.db.get("transfers", transferId);
    if (t === null || t.kind !== "import" || t.status !== "running") return null;
    if ((await clearRootBatch(ctx, t, 200)) > 0) {
      await ctx.db.patch("transfers", transferId, { updatedAt: Date.now() });
      await ctx.scheduler.runAfter(0, internal.transfers.clearDeadImport, { transferId });
    } else {
      await finishTransfer(ctx, transferId, "failed", DEAD_TRANSFER_MESSAGE.import);
    }
    return null;
  },
});

const DEAD_SWEEP_BATCH = 50;

/**
 * The cron's sweep of runs whose action died (TRANSFER_DEAD_AFTER_MS): ends up to `batch` of them per run (an
 * import's clean-up goes on in its own jobs), then chains while more remain. Takes `now` so a test can move time.
 */
export const sweepDead = internalMutation({
  args: { now: v.optional(v.number()), batch: v.optional(v.number()), chain: v.optional(v.boolean()) },
  returns: v.object({ ended: v.number(), done: v.boolean() }),
  handler: async (ctx, { now, batch, chain }) => {
    const at = now ?? Date.now();
    const limit = batch ?? DEAD_SWEEP_BATCH;
    const dead = await ctx.db
      .query("transfers")
      .withIndex("by_status_updated", (q) => q.eq("status", "running").lt("updatedAt", at - TRANSFER_DEAD_AFTER_MS))
      .take(limit + 1);
    for (const t of dead.slice(0, limit)) await endDeadTransfer(ctx, t, Date.now());
    const done = dead.length <= limit;
    if (!done && chain !== false) await ctx.scheduler.runAfter(0, internal.transfers.sweepDead, { now, batch });
    return { ended: Math.min(dead.length, limit), done };
  },
});

/** Ends the transfer (and, on success, records the Git remote and commit the project now matches). */
export const finish = internalMutation({
  args: {
    ...transferRunArgs,
    status: v.union(v.literal("completed"), v.literal("failed"), v.literal("cancelled")),
    message: v.optional(v.string()),
    remote: v.optional(v.object({ url: v.string(), branch: v.string(), commit: v.string() })),
    exportRepoUrl: v.optional(v.string()),
  },
  returns: v.null(),
  handler: async (ctx, { status, message, remote, exportRepoUrl, ...run }) => {
    const t = await runningTransfer(ctx, run);
    if (t === null) return null;
    if (status === "completed" && remote !== undefined) await setGitRemote(ctx, t.projectId, remote);
    if (status === "completed" && exportRepoUrl !== undefined && (await ctx.db.get("projects", t.projectId)) !== null) {
      await ctx.db.patch("projects", t.projectId, { exportRepoUrl });
    }
    await finishTransfer(ctx, t._id, status, message);
    return null;
  },
});

/** Export: the listing head of the transfer's project (null once it stopped). */
export const exportHead = internalQuery({
  args: transferRunArgs,
  returns: v.union(v.null(), v.object({ ready: v.boolean(), buckets: v.number() })),
  handler: async (ctx, run) => {
    const t = await activeTransfer(ctx, run);
    if (t === null) return null;
    const head = await getListingHead(ctx, t.projectId);
    if (head === null || head.status !== "ready") return { ready: false, buckets: 0 };
    const last = await ctx.db
      .query("fileBuckets")
      .withIndex("by_project_bucket", (q) => q.eq("projectId", t.projectId))
      .order("desc")
      .first();
    return { ready: true, buckets: last === null ? 0 : last.bucket + 1 };
  },
});

/** Export: one bucket of the transfer's project listing. */
export const exportBucket = internalQuery({
  args: { ...transferRunArgs, bucket: v.number() },
  returns: v.union(v.null(), v.array(listingEntryValidator)),
  handler: async (ctx, { bucket, ...run }) => {
    const t = await activeTransfer(ctx, run);
    if (t === null) return null;
    return readBucketEntries(ctx, t.projectId, bucket);
  },
});

/**
 * Export: the bytes of the files `fileIds` (inline text, or the storage id of a stored file), in order, as many as
 * fit one query's budget; the action asks again for the rest.
 */
export const exportContents = internalQuery({
  args: { ...transferRunArgs, fileIds: v.array(v.id("files")) },
  returns: v.union(
    v.null(),
    v.array(
      v.object({
        _id: v.id("files"),
        content: v.optional(v.string()),
        storageId: v.optional(v.id("_storage")),
        gone: v.optional(v.boolean()),
      }),
    ),
  ),
  handler: async (ctx, { fileIds, ...run }) => {
    const t = await activeTransfer(ctx, run);
    if (t === null) return null;
    const budget = new Budget();
    const out: { _id: Id<"files">; content?: string; storageId?: Id<"_storage">; gone?: boolean }[] = [];
    for (const fileId of fileIds) {
      const file = await ctx.db.get("files", fileId);
      if (file === null || file.projectId !== t.projectId) {
        out.push({ _id: fileId, gone: true });
        continue;
      }
      if (!budget.charge(file) && out.length > 0) break;
      out.push(file.storageId !== undefined ? { _id: fileId, storageId: file.storageId } : { _id: fileId, content: file.content ?? "" });
    }
    return out;
  },
});

/** The owner's token for `host` (internal only: never returned to a client). */
export const credentialFor = internalQuery({
  args: { ownerId: v.string(), host: v.string() },
  returns: v.union(v.null(), v.object({ username: v.optional(v.string()), token: v.string() })),
  handler: async (ctx, { ownerId, host }) => {
    const row = await ctx.db
      .query("gitCredentials")
      .withIndex("by_owner_host", (q) => q.eq("ownerId", ownerId).eq("host", host))
      .unique();
    return row === null ? null : row.username === undefined ? { token: row.token } : { username: row.username, token: row.token };
  },
});
