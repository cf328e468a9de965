import { v } from "convex/values";
import { mutation, query } from "./_generated/server";
import {
  clientOpIdValidator,
  fileMetaValidator,
  fileWithContentValidator,
  updateContentResultValidator,
} from "./lib/validators";
import { requireUser } from "./model/access";
import * as Files from "./model/files";
import { runOnce } from "./model/idempotency";

const parentIdValidator = v.optional(v.id("files"));

export const tree = query({
  args: { projectId: v.id("projects") },
  returns: v.array(fileMetaValidator),
  handler: async (ctx, { projectId }) => Files.listTree(ctx, await requireUser(ctx), projectId),
});

export const children = query({
  args: { projectId: v.id("projects"), parentId: parentIdValidator },
  returns: v.array(fileMetaValidator),
  handler: async (ctx, { projectId, parentId }) =>
    Files.listChildren(ctx, await requireUser(ctx), projectId, parentId),
});

export const get = query({
  args: { fileId: v.id("files") },
  returns: fileWithContentValidator,
  handler: async (ctx, { fileId }) => Files.getFile(ctx, await requireUser(ctx), fileId),
});

export const createFile = mutation({
  args: {
    projectId: v.id("projects"),
    parentId: parentIdValidator,
    name: v.string(),
    content: v.optional(v.string()),
    clientOpId: clientOpIdValidator,
  },
  returns: v.id("files"),
  handler: async (ctx, { clientOpId, ...input }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => Files.createFile(ctx, userId, input));
  },
});

export const createFolder = mutation({
  args: { projectId: v.id("projects"), parentId: parentIdValidator, name: v.string(), clientOpId: clientOpIdValidator },
  returns: v.id("files"),
  handler: async (ctx, { clientOpId, ...input }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => Files.createFolder(ctx, userId, input));
  },
});

export const rename = mutation({
  args: { fileId: v.id("files"), name: v.string(), clientOpId: clientOpIdValidator },
  returns: v.null(),
  handler: async (ctx, { fileId, name, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, async () => {
      await Files.renameFile(ctx, userId, fileId, name);
      return null;
    });
  },
});

export const move = mutation({
  args: { fileId: v.id("files"), parentId: parentIdValidator, clientOpId: clientOpIdValidator },
  returns: v.null(),
  handler: async (ctx, { fileId, parentId, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, async () => {
      await Files.moveFile(ctx, userId, fileId, parentId);
      return null;
    });
  },
});

export const copy = mutation({
  args: { fileId: v.id("files"), parentId: parentIdValidator, clientOpId: clientOpIdValidator },
  returns: v.id("files"),
  handler: async (ctx, { fileId, parentId, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => Files.copyFile(ctx, userId, fileId, parentId));
  },
});

export const updateContent = mutation({
  args: {
    fileId: v.id("files"),
    content: v.string(),
    baseRevision: v.optional(v.number()),
    clientOpId: clientOpIdValidator,
  },
  returns: updateContentResultValidator,
  handler: async (ctx, { fileId, content, baseRevision, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => Files.updateContent(ctx, userId, fileId, content, baseRevision));
  },
});

export const remove = mutation({
  args: { fileId: v.id("files"), clientOpId: clientOpIdValidator },
  returns: v.null(),
  handler: async (ctx, { fileId, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, async () => {
      await Files.removeFile(ctx, userId, fileId);
      return null;
    });
  },
});

export const generateUploadUrl = mutation({
  args: { projectId: v.id("projects") },
  returns: v.string(),
  handler: async (ctx, { projectId }) => Files.generateUploadUrl(ctx, await requireUser(ctx), projectId),
});

export const createBinaryFile = mutation({
  args: {
    projectId: v.id("projects"),
    parentId: parentIdValidator,
    name: v.string(),
    storageId: v.id("_storage"),
    clientOpId: clientOpIdValidator,
  },
  returns: v.id("files"),
  handler: async (ctx, { clientOpId, ...input }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => Files.createBinaryFile(ctx, userId, input));
  },
});
