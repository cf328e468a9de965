// Files and folders: every check before the first write, errors a person understands. Invariants kept here:
// name keys (names.ts nameKey: case-folded) are unique among live siblings (by_project_parent_nameKey); a live
// row has its nameKey, a trashed row none; a row's listing entry (model/listing.ts) changes in
// the same transaction as the row's parent, name, type or binary state; a row exists for readers only while its
// ancestors do (access.ts), which is what lets a folder delete hide everything below it at once.

import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { appError, formatCount } from "../lib/errors";
import {
  CONTENTS_PAGE_BYTES,
  CONTENTS_PAGE_DOCUMENTS,
  CONTENTS_PAGE_QUERIES,
  MAX_CONTENTS_PAGE_FILES,
  MAX_TEXT_BYTES,
} from "../lib/limits";
import { utf8Length } from "../lib/text";
import type { FileMeta, FileWithContent, UpdateContentResult } from "../lib/validators";
import { hasLiveAncestors, requireFile, requireListingOwner, requireProjectOwner } from "./access";
import { unkeyedLiveRows } from "./backfill";
import { Budget } from "./budget";
import { deleteEntry, entryFieldsOf, insertEntries, insertEntry, updateEntry, type EntryFields } from "./listing";
import { checkFileName, copyName, nameKey, siblingClashMessage } from "./names";
import { touchProject } from "./projects";
import { isBlobReferenced, releaseBlob } from "./storage";
import { claimUpload, grantUpload } from "./uploads";

export { MAX_TEXT_BYTES };

export { utf8Length };

export function checkContent(content: string): number {
  const size = utf8Length(content);
  if (size > MAX_TEXT_BYTES) {
    throw appError(
      "TOO_LARGE",
      `This text is ${formatCount(size)} bytes, over the editor's limit of ${formatCount(MAX_TEXT_BYTES)} bytes. Upload it as a file instead (drag it into the file tree); uploads are kept in storage and have no such limit.`,
    );
  }
  return size;
}

export function toMeta(file: Doc<"files">): FileMeta {
  const meta: FileMeta = {
    _id: file._id,
    _creationTime: file._creationTime,
    projectId: file.projectId,
    name: file.name,
    type: file.type,
    updatedAt: file.updatedAt,
    revision: file.revision ?? 1,
    size: file.size ?? (file.content === undefined ? 0 : utf8Length(file.content)),
    isBinary: entryFieldsOf(file).isBinary,
  };
  if (file.parentId !== undefined) meta.parentId = file.parentId;
  return meta;
}

/**
 * A file with its bytes. `knownRevision`: the caller already has that revision (the runner's working copy, after
 * files.contents), so while the file is still at it the answer leaves out `content` and `url`: a subscription
 * that only watches for changes does not re-send the bytes the caller has.
 */
export async function getFile(
  ctx: QueryCtx,
  userId: string,
  fileId: Id<"files">,
  knownRevision?: number,
): Promise<FileWithContent> {
  const { file } = await requireFile(ctx, userId, fileId);
  return withContent(ctx, file, knownRevision);
}

async function withContent(ctx: QueryCtx, file: Doc<"files">, knownRevision?: number): Promise<FileWithContent> {
  const result: FileWithContent = toMeta(file);
  if (knownRevision !== undefined && result.revision === knownRevision) return result;
  if (file.storageId !== undefined) {
    const url = await ctx.storage.getUrl(file.storageId);
    if (url !== null) result.url = url;
  } else if (file.type === "file") {
    result.content = file.content ?? "";
  }
  return result;
}

/**
 * The contents of a page of a project's files, for a first copy of the project (the runner's working copy): the
 * files of `fileIds` in order, until the page's budget is spent (CONTENTS_PAGE_BYTES of documents read, or its
 * document and index-range caps: convex/lib/limits.ts CONVEX_LIMITS), so one call stays within Convex's limits
 * whatever the files hold. `next` is the index in `fileIds` to ask from next (fileIds.length when all were read).
 * Ids that are not live files (deleted, trashed or below a trashed folder, folders) are left out: the listing the
 * caller had may be a moment old. Another project's id is NOT_FOUND. The owner is checked once, through the
 * listing's row as requireFile does.
 */
export async function readContents(
  ctx: QueryCtx,
  userId: string,
  projectId: Id<"projects">,
  fileIds: Id<"files">[],
): Promise<{ files: FileWithContent[]; next: number }> {
  if (fileIds.length > MAX_CONTENTS_PAGE_FILES) {
    throw appError("INVALID_ARGUMENT", `Ask for at most ${formatCount(MAX_CONTENTS_PAGE_FILES)} files at a time (asked for ${formatCount(fileIds.length)}).`);
  }
  await requireListingOwner(ctx, userId, projectId);
  const budget = new Budget(CONTENTS_PAGE_DOCUMENTS, CONTENTS_PAGE_BYTES, CONTENTS_PAGE_QUERIES);
  // Whether each folder met on the way up is live: a project's files share their ancestors, read once each.
  const liveFolders = new Map<Id<"files">, boolean>();
  const folderLive = async (folderId: Id<"files">): Promise<boolean> => {
    const known = liveFolders.get(folderId);
    if (known !== undefined) return known;
    const folder = await ctx.db.get("files", folderId);
    budget.chargeQuery();
    if (folder !== null) budget.charge(folder);
    const live =
      folder !== null &&
      folder.projectId === projectId &&
      folder.trashedAt === undefined &&
      (folder.parentId === undefined || (await folderLive(folder.parentId)));
    liveFolders.set(folderId, live);
    return live;
  };
  const files: FileWithContent[] = [];
  let next = 0;
  while (next < fileIds.length && budget.ok()) {
    const file = await ctx.db.get("files", fileIds[next]);
    next++;
    budget.chargeQuery();
    if (file === null) continue;
    budget.charge(file);
    // Another project's file is refused as not found, as files.get would refuse it.
    if (file.projectId !== projectId) throw appError("NOT_FOUND", "This file does not exist or was deleted. Reload the page to see the current state.");
    if (file.type !== "file" || file.trashedAt !== undefined) continue;
    if (file.parentId !== undefined && !(await folderLive(file.parentId))) continue;
    files.push(await withContent(ctx, file));
  }
  return { files, next };
}

/** The destination folder, which must be a folder of the same project; undefined is the project root. */
export async function resolveParent(
  ctx: QueryCtx,
  projectId: Id<"projects">,
  parentId: Id<"files"> | undefined,
): Promise<Doc<"files"> | undefined> {
  if (parentId === undefined) return undefined;
  const parent = await ctx.db.get("files", parentId);
  if (parent === null || parent.projectId !== projectId || !(await hasLiveAncestors(ctx, parent))) {
    throw appError("NOT_FOUND", "The destination folder does not exist in this project. Reload the page and pick another folder.");
  }
  if (parent.type !== "folder") {
    throw appError("INVALID_PARENT", `"${parent.name}" is a file, not a folder. Pick a folder as the destination.`);
  }
  return parent;
}

/**
 * The live child of `parentId` (undefined: the root) holding the name key of `name` (the same name, or one
 * differing only in case), other than `self`. A row written before nameKey existed is found by its exact name
 * until the start-up migration gives it a key; `unkeyed: false` (from unkeyedRowsLeft) skips that lookup.
 */
export async function findSibling(
  ctx: QueryCtx,
  projectId: Id<"projects">,
  parentId: Id<"files"> | undefined,
  name: string,
  self?: Id<"files">,
  unkeyed = true,
): Promise<Doc<"files"> | null> {
  const byKey = await ctx.db
    .query("files")
    .withIndex("by_project_parent_nameKey", (q) =>
      q.eq("projectId", projectId).eq("parentId", parentId).eq("nameKey", nameKey(name)),
    )
    .take(2);
  const keyed = byKey.find((row) => row._id !== self);
  if (keyed !== undefined) return keyed;
  if (!unkeyed) return null;
  for await (const row of ctx.db
    .query("files")
    .withIndex("by_project_parent_name", (q) => q.eq("projectId", projectId).eq("parentId", parentId).eq("name", name))) {
    if (row.trashedAt === undefined && row._id !== self) return row;
  }
  return null;
}

/**
 * Whether any live row still lacks its nameKey (written before nameKey existed, not yet reached by the start-up
 * migration, model/backfill.ts): one index range, through which a row gaining or losing that state is seen.
 */
export async function unkeyedRowsLeft(ctx: QueryCtx): Promise<boolean> {
  return (await unkeyedLiveRows(ctx).first()) !== null;
}

/** Whether the folder (undefined: the project's root) holds any row, live or trashed: one index range. */
export async function hasChildRows(ctx: QueryCtx, projectId: Id<"projects">, parentId: Id<"files"> | undefined): Promise<boolean> {
  const row = await ctx.db
    .query("files")
    .withIndex("by_project_parent", (q) => q.eq("projectId", projectId).eq("parentId", parentId))
    .first();
  return row !== null;
}

export async function assertNameFree(
  ctx: QueryCtx,
  projectId: Id<"projects">,
  parentId: Id<"files"> | undefined,
  name: string,
  self?: Id<"files">,
  unkeyed = true,
) {
  const existing = await findSibling(ctx, projectId, parentId, name, self, unkeyed);
  if (existing !== null) throw appError("NAME_TAKEN", siblingClashMessage(name, existing.name));
}

export interface NewFile {
  projectId: Id<"projects">;
  parentId?: Id<"files">;
  name: string;
}

async function insertNode(
  ctx: MutationCtx,
  userId: string,
  input: NewFile,
  fields: Pick<Doc<"files">, "type" | "size"> & Partial<Pick<Doc<"files">, "content" | "storageId">>,
): Promise<Id<"files">> {
  await requireProjectOwner(ctx, userId, input.projectId);
  const name = checkFileName(input.name);
  await resolveParent(ctx, input.projectId, input.parentId);
  await assertNameFree(ctx, input.projectId, input.parentId, name);
  const now = Date.now();
  const id = await ctx.db.insert("files", {
    projectId: input.projectId,
    parentId: input.parentId,
    name,
    nameKey: nameKey(name),
    updatedAt: now,
    revision: 1,
    ...fields,
  });
  await insertEntry(ctx, input.projectId, id, entryFieldsOf({ parentId: input.parentId, name, ...fields }));
  await touchProject(ctx, input.projectId, now);
  return id;
}


export async function createFile(ctx: MutationCtx, userId: string, input: NewFile & { content?: string }) {
  const content = input.content ?? "";
  return insertNode(ctx, userId, input, { type: "file", content, size: checkContent(content) });
}

export async function createFolder(ctx: MutationCtx, userId: string, input: NewFile) {
  return insertNode(ctx, userId, input, { type: "folder", size: 0 });
}

/** An upload URL for bytes hashing to `sha256` (base64), recorded as the user's grant (model/uploads.ts). */
export async function generateUploadUrl(ctx: MutationCtx, userId: string, projectId: Id<"projects">, sha256: string) {
  await requireProjectOwner(ctx, userId, projectId);
  await grantUpload(ctx, userId, sha256);
  return ctx.storage.generateUploadUrl();
}

/**
 * Turns the user's finished upload into a file. Only a blob the user uploaded (model/uploads.ts claimUpload) and
 * that no file references yet is accepted, so a storageId learned elsewhere cannot be used to read another
 * user's upload.
 */
export async function createBinaryFile(
  ctx: MutationCtx,
  userId: string,
  input: NewFile & { storageId: Id<"_storage"> },
) {
  await requireProjectOwner(ctx, userId, input.projectId);
  const blob = await claimUpload(ctx, userId, input.storageId, "file");
  return insertNode(ctx, userId, input, { type: "file", storageId: input.storageId, size: blob.size });
}

/**
 * Turns a blob the server stored itself (an import's action, transferRun.ts) into a file of `userId`'s project:
 * no upload grant is involved, but the blob must still be unreferenced. `held`: the caller holds the blob for this
 * project already (a change set's row, model/changes.ts, whose file may still be in the trash on the same blob),
 * so it may be shared, as copies of a binary share theirs.
 */
export async function createStoredFile(
  ctx: MutationCtx,
  userId: string,
  input: NewFile & { storageId: Id<"_storage"> },
  held = false,
) {
  await requireProjectOwner(ctx, userId, input.projectId);
  const blob = await ctx.db.system.get("_storage", input.storageId);
  if (blob === null || (!held && (await isBlobReferenced(ctx, input.storageId)))) {
    throw appError("NOT_FOUND", "The stored file was not found or is already in use.");
  }
  return insertNode(ctx, userId, input, { type: "file", storageId: input.storageId, size: blob.size });
}

/** Rejects a destination that is `node` itself or inside it. */
async function assertNotInside(ctx: QueryCtx, node: Doc<"files">, destination: Doc<"files"> | undefined, verb: string) {
  if (node.type !== "folder") return;
  for (let cursor = destination; cursor !== undefined; ) {
    if (cursor._id === node._id) {
      throw appError("MOVE_CYCLE", `You cannot ${verb} the folder "${node.name}" into itself or one of its subfolders. Pick another destination.`);
    }
    cursor = cursor.parentId === undefined ? undefined : ((await ctx.db.get("files", cursor.parentId)) ?? undefined);
  }
}

/**
 * Gives `file` a new parent and/or name in one patch. Every check (name rules, destination, cycle, the new name
 * free at the destination) runs before the single write, so a refusal changes nothing.
 */
async function relocate(ctx: MutationCtx, file: Doc<"files">, parentId: Id<"files"> | undefined, rawName: string) {
  const name = rawName === file.name ? file.name : checkFileName(rawName);
  if (parentId !== file.parentId) {
    const destination = await resolveParent(ctx, file.projectId, parentId);
    await assertNotInside(ctx, file, destination, "move");
  }
  if (parentId === file.parentId && name === file.name) return;
  await assertNameFree(ctx, file.projectId, parentId, name, file._id);
  const now = Date.now();
  await ctx.db.patch("files", file._id, { parentId, name, nameKey: nameKey(name), updatedAt: now });
  await updateEntry(ctx, file._id, { parentId, name });
  await touchProject(ctx, file.projectId, now);
}

export async function renameFile(ctx: MutationCtx, userId: string, fileId: Id<"files">, rawName: string) {
  const { file } = await requireFile(ctx, userId, fileId);
  await relocate(ctx, file, file.parentId, rawName);
}

export async function moveFile(
  ctx: MutationCtx,
  userId: string,
  fileId: Id<"files">,
  parentId: Id<"files"> | undefined,
) {
  const { file } = await requireFile(ctx, userId, fileId);
  await relocate(ctx, file, parentId, file.name);
}

/** Moves `fileId` into `parentId` under `name` at once (a move, a rename, or both). */
export async function moveAndRename(
  ctx: MutationCtx,
  userId: string,
  fileId: Id<"files">,
  parentId: Id<"files"> | undefined,
  name: string,
) {
  const { file } = await requireFile(ctx, userId, fileId);
  await relocate(ctx, file, parentId, name);
}

/** Most items one copy creates: with their entries, 8,000 of the 16,000 documents a transaction may write. */
export const MAX_COPY_ITEMS = 4000;

/** All nodes of the subtree rooted at `root`, parents before children, within `budget`. */
async function collectSubtree(ctx: QueryCtx, root: Doc<"files">, budget: Budget, tooLarge: string) {
  const nodes = [root];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i];
    if (node.type !== "folder") continue;
    if (!budget.chargeQuery()) throw appError("TOO_LARGE", tooLarge);
    for await (const child of ctx.db
      .query("files")
      .withIndex("by_project_parent", (q) => q.eq("projectId", node.projectId).eq("parentId", node._id))) {
      if (!budget.charge(child)) throw appError("TOO_LARGE", tooLarge);
      if (child.trashedAt === undefined) nodes.push(child);
    }
  }
  return nodes;
}

async function freeCopyName(ctx: QueryCtx, source: Doc<"files">, parentId: Id<"files"> | undefined) {
  if ((await findSibling(ctx, source.projectId, parentId, source.name)) === null) return source.name;
  for (let attempt = 1; ; attempt++) {
    const candidate = checkFileName(copyName(source.name, attempt, source.type === "folder"));
    if ((await findSibling(ctx, source.projectId, parentId, candidate)) === null) return candidate;
  }
}

/**
 * Copies a file, or a folder with everything in it, into `parentId`; a clashing name gets " copy", " copy 2"…
 * A copy is one transaction (the copy appears whole or not at all), so a folder too large for one is refused
 * with a message naming the limit rather than copied in batches that others would see half done.
 */
export async function copyFile(
  ctx: MutationCtx,
  userId: string,
  fileId: Id<"files">,
  parentId: Id<"files"> | undefined,
): Promise<Id<"files">> {
  const { file } = await requireFile(ctx, userId, fileId);
  const destination = await resolveParent(ctx, file.projectId, parentId);
  await assertNotInside(ctx, file, destination, "copy");
  const nodes = await collectSubtree(
    ctx,
    file,
    new Budget(MAX_COPY_ITEMS, 7 * 1024 * 1024, 2000),
    `"${file.name}" is too large to copy in one step (over ${formatCount(MAX_COPY_ITEMS)} items, 2,000 folders or 7 MiB of text). Copy its subfolders one at a time.`,
  );
  const now = Date.now();
  const newIds = new Map<Id<"files">, Id<"files">>();
  const copies: { fileId: Id<"files">; fields: EntryFields }[] = [];
  for (const node of nodes) {
    const isRoot = node._id === file._id;
    const newParent = isRoot ? parentId : newIds.get(node.parentId!);
    const copyName = isRoot ? await freeCopyName(ctx, node, parentId) : node.name;
    const id = await ctx.db.insert("files", {
      projectId: node.projectId,
      parentId: newParent,
      name: copyName,
      nameKey: nameKey(copyName),
      type: node.type,
      content: node.content,
      storageId: node.storageId,
      size: node.size,
      revision: 1,
      updatedAt: now,
    });
    newIds.set(node._id, id);
    copies.push({ fileId: id, fields: entryFieldsOf({ ...node, parentId: newParent, name: copyName }) });
  }
  await insertEntries(ctx, file.projectId, copies);
  await touchProject(ctx, file.projectId, now);
  return newIds.get(file._id)!;
}

export async function updateContent(
  ctx: MutationCtx,
  userId: string,
  fileId: Id<"files">,
  content: string,
  baseRevision: number | undefined,
): Promise<UpdateContentResult> {
  const { file } = await requireFile(ctx, userId, fileId);
  if (file.type !== "file") {
    throw appError("INVALID_ARGUMENT", `"${file.name}" is a folder; only files have content.`);
  }
  const current = file.revision ?? 1;
  if (baseRevision !== undefined && baseRevision !== current) {
    const server: Record<string, string | number> = { revision: current };
    if (file.content !== undefined && file.storageId === undefined) server.content = file.content;
    throw appError(
      "CONFLICT",
      `"${file.name}" was changed elsewhere since you opened it (your edit is based on revision ${baseRevision}, the saved file is at revision ${current}). Review the saved version and apply your edit again.`,
      server,
    );
  }
  const size = checkContent(content);
  const revision = current + 1;
  const now = Date.now();
  await ctx.db.patch("files", fileId, { content, size, revision, updatedAt: now, storageId: undefined });
  if (file.storageId !== undefined) {
    // The only save that changes the listing: the file stops being binary.
    await updateEntry(ctx, fileId, { isBinary: undefined });
    await releaseBlob(ctx, file.storageId);
  }
  await touchProject(ctx, file.projectId, now);
  return { revision };
}

/**
 * Deletes a file, or a folder with everything in it, into the trash: one patch and the removal of its listing
 * entry, whatever the folder holds, so the delete is instant and Undo (model/trash.ts restoreFile) can take it
 * back. Everything below the row is hidden from every reader by the trashed ancestor (model/access.ts,
 * lib/listing.ts); the sweep destroys it TRASH_RETENTION_DAYS later.
 */
export async function removeFile(ctx: MutationCtx, userId: string, fileId: Id<"files">) {
  const { file } = await requireFile(ctx, userId, fileId);
  const now = Date.now();
  await deleteEntry(ctx, file._id);
  await ctx.db.patch("files", file._id, { trashedAt: now, nameKey: undefined });
  await touchProject(ctx, file.projectId, now);
}
