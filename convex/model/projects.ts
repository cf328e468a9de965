import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { appError } from "../lib/errors";
import { MAX_COMMAND_LENGTH } from "../lib/runCommands";
import type { ProjectSettings } from "../lib/validators";
import { requireProjectOwner } from "./access";
import { createListingHead, getListingHead } from "./listing";
import { checkProjectName } from "./names";
import { purgeProjectBatch } from "./purge";

/** Newest first by updatedAt; ties (same millisecond) by creation, newest first. */
export async function listProjects(ctx: QueryCtx, userId: string): Promise<Doc<"projects">[]> {
  const projects = await ctx.db
    .query("projects")
    .withIndex("by_owner", (q) => q.eq("ownerId", userId))
    .collect();
  return projects.sort((a, b) => b.updatedAt - a.updatedAt || b._creationTime - a._creationTime);
}

export async function createProject(ctx: MutationCtx, userId: string, name: string): Promise<Id<"projects">> {
  const projectId = await ctx.db.insert("projects", { name: checkProjectName(name), ownerId: userId, updatedAt: Date.now() });
  await createListingHead(ctx, projectId, userId, "ready");
  return projectId;
}

export async function renameProject(ctx: MutationCtx, userId: string, projectId: Id<"projects">, name: string) {
  await requireProjectOwner(ctx, userId, projectId);
  await ctx.db.patch("projects", projectId, { name: checkProjectName(name), updatedAt: Date.now() });
}

function checkCommand(label: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const command = raw.trim();
  if (command.length > MAX_COMMAND_LENGTH) {
    throw appError("INVALID_ARGUMENT", `The ${label} is longer than ${MAX_COMMAND_LENGTH} characters. Shorten it.`);
  }
  return command;
}

/** Fields present in `settings` replace the stored ones; an empty string clears a command. */
export async function updateProjectSettings(
  ctx: MutationCtx,
  userId: string,
  projectId: Id<"projects">,
  settings: ProjectSettings,
) {
  const project = await requireProjectOwner(ctx, userId, projectId);
  const next: ProjectSettings = { ...project.settings };
  const install = checkCommand("install command", settings.installCommand);
  const dev = checkCommand("dev command", settings.devCommand);
  if (install !== undefined) next.installCommand = install === "" ? undefined : install;
  if (dev !== undefined) next.devCommand = dev === "" ? undefined : dev;
  if (settings.assistantChanges !== undefined) next.assistantChanges = settings.assistantChanges;
  await ctx.db.patch("projects", projectId, { settings: next, updatedAt: Date.now() });
}

/** Bumps the project's updatedAt after a change to one of its files. */
export async function touchProject(ctx: MutationCtx, projectId: Id<"projects">, now: number) {
  await ctx.db.patch("projects", projectId, { updatedAt: now });
}

// Deleting a project removes its row and its listing head at once, so it vanishes for its owner in the same
// transaction; its files, listing, blobs, conversations and messages are then deleted in budgeted batches
// (model/purge.ts). Rows of a deleted project are unreachable through every public function because access goes
// through the project row or the listing head.

/** Deletes the project and the first batch of its data; returns true when nothing is left to purge. */
export async function removeProject(ctx: MutationCtx, userId: string, projectId: Id<"projects">) {
  await requireProjectOwner(ctx, userId, projectId);
  await ctx.db.delete("projects", projectId);
  const head = await getListingHead(ctx, projectId);
  if (head !== null) await ctx.db.delete("fileListings", head._id);
  return purgeProjectBatch(ctx, projectId);
}
