import { v } from "convex/values";
import { internalMutation, mutation, query } from "./_generated/server";
import { internal } from "./_generated/api";
import { clientOpIdValidator, projectSettingsValidator, projectValidator } from "./lib/validators";
import { requireProjectOwner, requireUser } from "./model/access";
import { runOnce } from "./model/idempotency";
import { createProject, listProjects, removeProject, renameProject, updateProjectSettings } from "./model/projects";
import { purgeProjectBatch } from "./model/purge";

export const list = query({
  args: {},
  returns: v.array(projectValidator),
  handler: async (ctx) => listProjects(ctx, await requireUser(ctx)),
});

export const get = query({
  args: { projectId: v.id("projects") },
  returns: projectValidator,
  handler: async (ctx, { projectId }) => requireProjectOwner(ctx, await requireUser(ctx), projectId),
});

export const create = mutation({
  args: { name: v.string(), clientOpId: clientOpIdValidator },
  returns: v.id("projects"),
  handler: async (ctx, { name, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, () => createProject(ctx, userId, name));
  },
});

export const rename = mutation({
  args: { projectId: v.id("projects"), name: v.string(), clientOpId: clientOpIdValidator },
  returns: v.null(),
  handler: async (ctx, { projectId, name, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, async () => {
      await renameProject(ctx, userId, projectId, name);
      return null;
    });
  },
});

export const updateSettings = mutation({
  args: { projectId: v.id("projects"), settings: projectSettingsValidator, clientOpId: clientOpIdValidator },
  returns: v.null(),
  handler: async (ctx, { projectId, settings, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, async () => {
      await updateProjectSettings(ctx, userId, projectId, settings);
      return null;
    });
  },
});

export const remove = mutation({
  args: { projectId: v.id("projects"), clientOpId: clientOpIdValidator },
  returns: v.null(),
  handler: async (ctx, { projectId, clientOpId }) => {
    const userId = await requireUser(ctx);
    return runOnce(ctx, userId, clientOpId, async () => {
      if (!(await removeProject(ctx, userId, projectId))) {
        await ctx.scheduler.runAfter(0, internal.projects.purge, { projectId });
      }
      return null;
    });
  },
});

/** Continues deleting the data of a project whose row `remove` already deleted. */
export const purge = internalMutation({
  args: { projectId: v.id("projects") },
  returns: v.null(),
  handler: async (ctx, { projectId }) => {
    if (!(await purgeProjectBatch(ctx, projectId))) {
      await ctx.scheduler.runAfter(0, internal.projects.purge, { projectId });
    }
    return null;
  },
});
