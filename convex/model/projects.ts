import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { appError } from "../lib/errors";
import type { ProjectSettings } from "../lib/validators";
import { requireProjectOwner } from "./access";
import { Budget } from "./budget";
import { deleteFileRow } from "./storage";
import { checkProjectName } from "./names";

export const MAX_COMMAND_LENGTH = 1000;

/** Newest first by updatedAt; ties (same millisecond) by creation, newest first. */
export async function listProjects(ctx: QueryCtx, userId: string): Promise<Doc<"projects">[]> {
  const projects = await ctx.db
    .query("projects")
    .withIndex("by_owner", (q) => q.eq("ownerId", userId))
    .collect();
  return projects.sort((a, b) => b.updatedAt - a.updatedAt || b._creationTime - a._creationTime);
}

export async function createProject(ctx: MutationCtx, userId: string, name: string): Promise<Id<"projects">> {
  return ctx.db.insert("projects", { name: checkProjectName(name), ownerId: userId, updatedAt: Date.now() });
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
  await ctx.db.patch("projects", projectId, { settings: next, updatedAt: Date.now() });
}

/** Bumps the project's updatedAt after a change to one of its files. */
export async function touchProject(ctx: MutationCtx, projectId: Id<"projects">, now: number) {
  await ctx.db.patch("projects", projectId, { updatedAt: now });
}

// Deleting a project removes its row at once, so it vanishes for its owner in the same transaction; its files,
// blobs, conversations and messages are then deleted in budgeted batches (see Budget). Rows of a deleted project
// are unreachable through every public function because access goes through the project row.

/** Deletes the project and the first batch of its data; returns true when nothing is left to purge. */
export async function removeProject(ctx: MutationCtx, userId: string, projectId: Id<"projects">) {
  await requireProjectOwner(ctx, userId, projectId);
  await ctx.db.delete("projects", projectId);
  return purgeProjectBatch(ctx, projectId);
}

/** Deletes one batch of a deleted project's rows; returns true when nothing is left. */
export async function purgeProjectBatch(ctx: MutationCtx, projectId: Id<"projects">): Promise<boolean> {
  const budget = new Budget();
  const files: Doc<"files">[] = [];
  let complete = true;
  for await (const file of ctx.db.query("files").withIndex("by_project", (q) => q.eq("projectId", projectId))) {
    files.push(file);
    if (!budget.charge(file)) {
      complete = false;
      break;
    }
  }
  for (const file of files) await deleteFileRow(ctx, file);
  if (!complete) return false;

  const conversations = await ctx.db
    .query("conversations")
    .withIndex("by_project", (q) => q.eq("projectId", projectId))
    .take(100);
  for (const conversation of conversations) {
    budget.charge(conversation);
    if (!(await purgeMessagesBatch(ctx, conversation._id, budget))) return false;
    await ctx.db.delete("conversations", conversation._id);
  }
  return conversations.length < 100;
}

/**
 * Deletes a conversation's messages (with their streaming chunks) while the budget lasts, then its shared
 * context; returns true when nothing is left.
 */
export async function purgeMessagesBatch(
  ctx: MutationCtx,
  conversationId: Id<"conversations">,
  budget: Budget,
): Promise<boolean> {
  const messages: Id<"messages">[] = [];
  let complete = true;
  for await (const message of ctx.db
    .query("messages")
    .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))) {
    messages.push(message._id);
    if (!budget.charge(message)) {
      complete = false;
      break;
    }
  }
  for (const id of messages) {
    // Chunks exist only while an answer streams, so there are few per message.
    const chunks = await ctx.db
      .query("messageChunks")
      .withIndex("by_message_seq", (q) => q.eq("messageId", id))
      .collect();
    for (const chunk of chunks) await ctx.db.delete("messageChunks", chunk._id);
    await ctx.db.delete("messages", id);
  }
  if (complete) {
    const shared = await ctx.db
      .query("chatContext")
      .withIndex("by_conversation", (q) => q.eq("conversationId", conversationId))
      .collect();
    for (const row of shared) await ctx.db.delete("chatContext", row._id);
  }
  return complete;
}
