import { v } from "convex/values";
import { query } from "./_generated/server";
import { lineMatchValidator, searchOptionsFields } from "./lib/search";
import { requireUser } from "./model/access";
import { searchPage } from "./model/search";

/**
 * One page of a search across the project's text (model/search.ts): the files with matches among the rows read,
 * and the cursor to pass for the next page (null at the end). The SPA calls it page after page, not as a
 * subscription; a bad regular expression fails with INVALID_ARGUMENT saying what to fix.
 */
export const page = query({
  args: { projectId: v.id("projects"), ...searchOptionsFields, cursor: v.union(v.number(), v.null()) },
  returns: v.object({
    files: v.array(
      v.object({
        fileId: v.id("files"),
        path: v.string(),
        revision: v.number(),
        lines: v.array(lineMatchValidator),
        matches: v.number(),
        more: v.boolean(),
      }),
    ),
    cursor: v.union(v.number(), v.null()),
    searched: v.number(),
    skipped: v.number(),
    skippedPaths: v.array(v.string()),
  }),
  handler: async (ctx, { projectId, cursor, ...options }) => searchPage(ctx, await requireUser(ctx), projectId, options, cursor),
});
