import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { appError } from "../lib/errors";

// Access rules. The user is the `tokenIdentifier` of the verified identity, never an argument; a project is
// visible only to its owner (projects.ownerId), and everything else is visible exactly when its project is.
// A thing the caller may not see fails with the same NOT_FOUND as a thing that does not exist, so ids of other
// users' data reveal nothing. A file or folder exists only while it and its whole ancestor chain are live: a
// deleted item and everything below it wait in the trash (model/trash.ts), or for their batched purge
// (model/purge.ts), and are NOT_FOUND meanwhile.

export async function requireUser(ctx: QueryCtx): Promise<string> {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) {
    throw appError("UNAUTHENTICATED", "You are not signed in. Sign in and try again.");
  }
  return identity.tokenIdentifier;
}

function notFound(what: string) {
  return appError("NOT_FOUND", `This ${what} does not exist or was deleted. Reload the page to see the current state.`);
}

export async function requireProjectOwner(
  ctx: QueryCtx,
  userId: string,
  projectId: Id<"projects">,
): Promise<Doc<"projects">> {
  const project = await ctx.db.get("projects", projectId);
  if (project === null || project.ownerId !== userId) throw notFound("project");
  return project;
}

/**
 * The owner of a project's listing, checked through its `fileListings` row (which saves never write) so the
 * listing queries do not read the project row, which every save touches. Without that row (a project created
 * before the listing existed), the project row answers.
 */
export async function requireListingOwner(
  ctx: QueryCtx,
  userId: string,
  projectId: Id<"projects">,
): Promise<Doc<"fileListings"> | null> {
  const { head, ownerId } = await listingOwner(ctx, projectId);
  if (ownerId !== userId) throw notFound("project");
  return head;
}

/**
 * The project's listing row and owner, read from that row when it exists (the project row only without it). Saves
 * never write it, so a query over one file is not re-run by every save elsewhere in the project: the runner
 * subscribes to each file of a project, and reading the project row made every save re-run all of them.
 */
async function listingOwner(
  ctx: QueryCtx,
  projectId: Id<"projects">,
): Promise<{ head: Doc<"fileListings"> | null; ownerId: string | null }> {
  const head = await ctx.db
    .query("fileListings")
    .withIndex("by_project", (q) => q.eq("projectId", projectId))
    .unique();
  if (head !== null) return { head, ownerId: head.ownerId };
  const project = await ctx.db.get("projects", projectId);
  return { head: null, ownerId: project?.ownerId ?? null };
}

/**
 * True when `file` and every ancestor exist and none is in the trash (files.trashedAt): false for a trashed row,
 * for anything below one, and for a descendant of a destroyed folder awaiting its purge.
 */
export async function hasLiveAncestors(ctx: QueryCtx, file: Doc<"files">): Promise<boolean> {
  if (file.trashedAt !== undefined) return false;
  for (let parentId = file.parentId; parentId !== undefined; ) {
    const parent = await ctx.db.get("files", parentId);
    if (parent === null || parent.projectId !== file.projectId || parent.trashedAt !== undefined) return false;
    parentId = parent.parentId;
  }
  return true;
}

export async function requireFile(ctx: QueryCtx, userId: string, fileId: Id<"files">): Promise<{ file: Doc<"files"> }> {
  const file = await ctx.db.get("files", fileId);
  if (file === null || (await listingOwner(ctx, file.projectId)).ownerId !== userId || !(await hasLiveAncestors(ctx, file))) {
    throw notFound("file or folder");
  }
  return { file };
}

export async function requireConversation(
  ctx: QueryCtx,
  userId: string,
  conversationId: Id<"conversations">,
): Promise<{ conversation: Doc<"conversations">; project: Doc<"projects"> }> {
  const conversation = await ctx.db.get("conversations", conversationId);
  const project = conversation === null ? null : await ctx.db.get("projects", conversation.projectId);
  if (conversation === null || project === null || project.ownerId !== userId) throw notFound("conversation");
  return { conversation, project };
}

export async function requireMessage(
  ctx: QueryCtx,
  userId: string,
  messageId: Id<"messages">,
): Promise<{ message: Doc<"messages">; conversation: Doc<"conversations"> }> {
  const message = await ctx.db.get("messages", messageId);
  const conversation = message === null ? null : await ctx.db.get("conversations", message.conversationId);
  const project = conversation === null ? null : await ctx.db.get("projects", conversation.projectId);
  if (message === null || conversation === null || project === null || project.ownerId !== userId) {
    throw notFound("message");
  }
  return { message, conversation };
}
