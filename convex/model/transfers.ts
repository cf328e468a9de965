import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { appError } from "../lib/errors";
import type { TransferRun } from "../lib/validators";
import { requireProjectOwner } from "./access";

// Imports and exports of a project (docs/import-export.md). A transfer row per project and kind holds the state of
// the latest run; the project's importStatus / exportStatus mirror it. Invariants:
// - at most one run of each kind per project at a time: a start while one runs is refused with BUSY;
// - an import goes only into an empty project, and a failed or cancelled import removes what it wrote, so the
//   project is empty again and a retry starts clean;
// - the running action stops at its next step once `cancelRequested` is set, and always leaves a final status.
// - each run of a row has its own `attempt`; a step of the action acts only for the row's current running run, so
//   an action that outlives its run (swept as dead, then retried) changes nothing.

export type TransferKind = Doc<"transfers">["kind"];

export interface TransferRequest {
  source: string;
  storageId?: Id<"_storage">;
  url?: string;
  ref?: string;
  githubRepo?: { name: string; private: boolean; owner?: string };
}

export async function getTransfer(ctx: QueryCtx, projectId: Id<"projects">, kind: TransferKind) {
  return ctx.db
    .query("transfers")
    .withIndex("by_project_kind", (q) => q.eq("projectId", projectId).eq("kind", kind))
    .unique();
}

export async function getGitRemote(ctx: QueryCtx, projectId: Id<"projects">) {
  return ctx.db
    .query("gitRemotes")
    .withIndex("by_project", (q) => q.eq("projectId", projectId))
    .unique();
}

/** True when the project has no file or folder at its root (what an import needs). */
export async function projectIsEmpty(ctx: QueryCtx, projectId: Id<"projects">): Promise<boolean> {
  const first = await ctx.db
    .query("fileEntries")
    .withIndex("by_project_parent_name", (q) => q.eq("projectId", projectId).eq("parentId", undefined))
    .first();
  return first === null;
}

/**
 * Records a new run of `kind` for the project (refused while one runs, and for an import into a project that has
 * files) and marks the project importing / exporting. Returns the run, for the action to schedule.
 */
export async function startTransfer(
  ctx: MutationCtx,
  userId: string,
  projectId: Id<"projects">,
  kind: TransferKind,
  request: TransferRequest,
): Promise<TransferRun> {
  await requireProjectOwner(ctx, userId, projectId);
  let existing = await getTransfer(ctx, projectId, kind);
  if (existing !== null && isDead(existing, Date.now()) && existing.kind !== "import") {
    // Nothing of an export or a ZIP is kept in the project: it ends at once and the new run starts.
    await endDeadTransfer(ctx, existing, Date.now());
    existing = await getTransfer(ctx, projectId, kind);
  }
  if (existing !== null && existing.status === "running") {
    // A dead import's files must go first, in batches (more than this mutation may remove): Cancel does that.
    throw appError(
      "BUSY",
      isDead(existing, Date.now())
        ? `The last ${kind} of this project stopped unexpectedly. Cancel it (that removes what it wrote), then try again.`
        : `An ${kind} of this project is already running. Wait for it to end or cancel it.`,
    );
  }
  if (kind === "import" && !(await projectIsEmpty(ctx, projectId))) {
    throw appError("INVALID_ARGUMENT", "This project already has files. Import into a new project, or delete its files first.");
  }
  const now = Date.now();
  const attempt = (existing?.attempt ?? 0) + 1;
  const fields = {
    projectId,
    ownerId: userId,
    kind,
    status: "running" as const,
    source: request.source,
    storageId: request.storageId,
    url: request.url,
    ref: request.ref,
    githubRepo: request.githubRepo,
    phase: "starting",
    done: 0,
    total: 0,
    message: undefined,
    cancelRequested: undefined,
    updatedAt: now,
    attempt,
  };
  let id: Id<"transfers">;
  if (existing === null) id = await ctx.db.insert("transfers", fields);
  else {
    // A new ZIP replaces the one built before.
    if (existing.zipStorageId !== undefined) await deleteBlobIfPresent(ctx, existing.zipStorageId);
    await ctx.db.replace("transfers", existing._id, fields);
    id = existing._id;
  }
  if (kind === "import") await ctx.db.patch("projects", projectId, { importStatus: "importing" });
  if (kind === "export") await ctx.db.patch("projects", projectId, { exportStatus: "exporting" });
  return { transferId: id, attempt };
}

/** Asks the running transfer of `kind` to stop; it ends as cancelled (an import removes what it wrote). */
export async function requestCancel(ctx: MutationCtx, userId: string, projectId: Id<"projects">, kind: TransferKind) {
  await requireProjectOwner(ctx, userId, projectId);
  const transfer = await getTransfer(ctx, projectId, kind);
  if (transfer === null || transfer.status !== "running") return false;
  // A run whose action died would wait for that action forever ("cancelling…"): it is ended here instead.
  if (isDead(transfer, Date.now())) await endDeadTransfer(ctx, transfer, Date.now());
  else await ctx.db.patch("transfers", transfer._id, { cancelRequested: true, updatedAt: Date.now() });
  return true;
}

/**
 * How long a running transfer's `updatedAt` may stand still before its action is taken for dead (a backend
 * restart, out of memory, the platform's timeout). `updatedAt` is set when the run starts and at every step, and
 * Convex ends any action 10 minutes after it started, so a run quiet for longer than 10 minutes has no action any
 * more; 5 minutes more cover an action the scheduler started late and clocks that differ. Should a late action
 * still come, it finds the run no longer running and stops at its first step.
 */
export const TRANSFER_DEAD_AFTER_MS = 15 * 60 * 1000;

export const DEAD_TRANSFER_MESSAGE: Record<TransferKind, string> = {
  import: "The import stopped unexpectedly; nothing was kept — try again.",
  export: "The export stopped unexpectedly before it reported a result. Check the remote, then try again.",
  zip: "Building the ZIP stopped unexpectedly; nothing was kept — try again.",
};

/** True when `transfer` is running but its action can no longer be (see TRANSFER_DEAD_AFTER_MS). */
export function isDead(transfer: Doc<"transfers">, now: number): boolean {
  return transfer.status === "running" && now - transfer.updatedAt > TRANSFER_DEAD_AFTER_MS;
}

/**
 * Ends a run whose action died. An export or a ZIP fails at once (it wrote nothing into the project). An import
 * is marked cancelled-and-cleaning and `transfers.clearDeadImport` removes what it wrote in batches (the cancel
 * path's clearRoot), then fails it with DEAD_TRANSFER_MESSAGE; `updatedAt` moves with each batch, so the sweep
 * does not take it up again meanwhile, and does if that chain itself stopped.
 */
export async function endDeadTransfer(ctx: MutationCtx, transfer: Doc<"transfers">, now: number) {
  if (transfer.kind !== "import") {
    await finishTransfer(ctx, transfer._id, "failed", DEAD_TRANSFER_MESSAGE[transfer.kind]);
    return;
  }
  await ctx.db.patch("transfers", transfer._id, { cancelRequested: true, phase: "removing what it wrote", updatedAt: now });
  await ctx.scheduler.runAfter(0, internal.transfers.clearDeadImport, { transferId: transfer._id });
}

/** What the SPA shows of a transfer: no storage id, nothing it did not send itself. */
export function transferView(transfer: Doc<"transfers"> | null) {
  if (transfer === null) return null;
  const view: {
    status: Doc<"transfers">["status"];
    source: string;
    phase?: string;
    done: number;
    total: number;
    message?: string;
    cancelRequested?: boolean;
    updatedAt: number;
  } = { status: transfer.status, source: transfer.source, done: transfer.done, total: transfer.total, updatedAt: transfer.updatedAt };
  if (transfer.phase !== undefined) view.phase = transfer.phase;
  if (transfer.message !== undefined) view.message = transfer.message;
  if (transfer.cancelRequested === true) view.cancelRequested = true;
  return view;
}

/** The transfer of `run` while that run is still running (cancelled or not), else null: a later run, or ended. */
export async function runningTransfer(ctx: QueryCtx, run: TransferRun) {
  const transfer = await ctx.db.get("transfers", run.transferId);
  if (transfer === null || transfer.status !== "running" || (transfer.attempt ?? 0) !== run.attempt) return null;
  return transfer;
}

/** The transfer of `run` while that run is running and not cancelled, else null (the action then stops). */
export async function activeTransfer(ctx: QueryCtx, run: TransferRun) {
  const transfer = await runningTransfer(ctx, run);
  if (transfer === null || transfer.cancelRequested === true) return null;
  const project = await ctx.db.get("projects", transfer.projectId);
  return project === null ? null : transfer;
}

/** Ends the transfer with `status` and mirrors it onto the project (an import's cancel shows there as failed). */
export async function finishTransfer(
  ctx: MutationCtx,
  transferId: Id<"transfers">,
  status: "completed" | "failed" | "cancelled",
  message: string | undefined,
) {
  const transfer = await ctx.db.get("transfers", transferId);
  if (transfer === null || transfer.status !== "running") return;
  await ctx.db.patch("transfers", transferId, { status, message, phase: undefined, cancelRequested: undefined, updatedAt: Date.now() });
  if (transfer.storageId !== undefined) await deleteBlobIfPresent(ctx, transfer.storageId);
  const project = await ctx.db.get("projects", transfer.projectId);
  if (project === null) return;
  if (transfer.kind === "import") {
    await ctx.db.patch("projects", project._id, { importStatus: status === "completed" ? "completed" : "failed" });
  } else if (transfer.kind === "export") {
    await ctx.db.patch("projects", project._id, { exportStatus: status });
  }
}

export async function deleteBlobIfPresent(ctx: MutationCtx, storageId: Id<"_storage">) {
  if ((await ctx.db.system.get("_storage", storageId)) !== null) await ctx.storage.delete(storageId);
}

/** Records the commit a project now matches on its Git remote (after an import from Git or an export). */
export async function setGitRemote(ctx: MutationCtx, projectId: Id<"projects">, remote: { url: string; branch: string; commit: string }) {
  const existing = await getGitRemote(ctx, projectId);
  const fields = { projectId, ...remote, updatedAt: Date.now() };
  if (existing === null) await ctx.db.insert("gitRemotes", fields);
  else await ctx.db.replace("gitRemotes", existing._id, fields);
}
