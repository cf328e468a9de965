import { v } from "convex/values";
import { internal } from "../_generated/api";
import type { Id } from "../_generated/dataModel";
import { internalQuery, type ActionCtx } from "../_generated/server";
import { appError } from "../lib/errors";
import { lineMatchValidator, MAX_QUERY_LENGTH, searchOptionsFields, type SearchOptions } from "../lib/search";
import { searchPage } from "../model/search";
import { loadScope } from "./data";

// The assistant's search_files tool: the project search of the Search panel (model/search.ts), run page by page
// from the respond action, each page an internal query that re-checks that the answer is still processing in its
// project and searches as the project's owner. The model reads a bounded answer: at most MAX_TOOL_LINES matching
// lines, each cut to a preview, and how many more matches there are when it stops early.

/** Matching lines the model reads at most. */
export const MAX_TOOL_LINES = 100;
/** Matching lines listed per file, so one file cannot fill the answer. */
const MAX_TOOL_FILE_LINES = 20;

const pageValidator = v.union(
  v.null(),
  v.object({
    files: v.array(v.object({ path: v.string(), lines: v.array(lineMatchValidator), matches: v.number(), more: v.boolean() })),
    cursor: v.union(v.number(), v.null()),
    searched: v.number(),
    skipped: v.number(),
  }),
);

/** One page of the search in the answer's project; null when the answer is no longer processing. */
export const page = internalQuery({
  args: { messageId: v.id("messages"), ...searchOptionsFields, cursor: v.union(v.number(), v.null()) },
  returns: pageValidator,
  handler: async (ctx, { messageId, cursor, ...options }) => {
    const scope = await loadScope(ctx, messageId);
    if (scope === null || scope.message.status !== "processing") return null;
    const found = await searchPage(ctx, scope.project.ownerId, scope.project._id, options, cursor);
    const { cursor: next, searched, skipped } = found;
    return { cursor: next, searched, skipped, files: found.files.map(({ path, lines, matches, more }) => ({ path, lines, matches, more })) };
  },
});

function optionalString(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw appError("INVALID_ARGUMENT", `Argument "${name}" must be a string.`);
  return value;
}

/** The search the model asked for, checked. */
export function searchArgs(args: Record<string, unknown>): SearchOptions {
  const query = optionalString(args, "query");
  if (query === undefined || query.length === 0) throw appError("INVALID_ARGUMENT", 'Argument "query" must be a non-empty string.');
  if (query.length > MAX_QUERY_LENGTH) throw appError("INVALID_ARGUMENT", `"query" is longer than ${MAX_QUERY_LENGTH} characters.`);
  return {
    query,
    regex: args.regex === true,
    matchCase: args.match_case === true,
    wholeWord: args.whole_word === true,
    include: optionalString(args, "include"),
    exclude: optionalString(args, "exclude"),
  };
}

export interface SearchResult {
  output: string;
  target: string;
  detail: string;
}

/** Runs search_files for the answer `messageId`; null when the answer is no longer processing. */
export async function searchFiles(ctx: ActionCtx, messageId: Id<"messages">, args: Record<string, unknown>): Promise<SearchResult | null> {
  const options = searchArgs(args);
  const lines: string[] = [];
  let files = 0;
  let matches = 0;
  let unlisted = 0;
  let searched = 0;
  let skipped = 0;
  let cursor: number | null = null;
  let complete = true;
  do {
    const found: Awaited<ReturnType<typeof ctx.runQuery<typeof internal.ai.searchFiles.page>>> = await ctx.runQuery(internal.ai.searchFiles.page, {
      messageId,
      ...options,
      cursor,
    });
    if (found === null) return null;
    searched += found.searched;
    skipped += found.skipped;
    for (const file of found.files) {
      files += 1;
      matches += file.matches;
      const room = Math.min(MAX_TOOL_FILE_LINES, MAX_TOOL_LINES - lines.length);
      for (const line of file.lines.slice(0, Math.max(0, room))) {
        const cut = line.previewStart > 0 ? "…" : "";
        lines.push(`${file.path}:${line.line}: ${cut}${line.preview}`);
      }
      const listed = file.lines.slice(0, Math.max(0, room)).reduce((n, l) => n + l.ranges.length, 0);
      unlisted += file.matches - listed;
      if (file.more) complete = false;
    }
    cursor = found.cursor;
    // Enough to answer: stop reading the project once the answer is full.
  } while (cursor !== null && lines.length < MAX_TOOL_LINES);
  const finished = cursor === null;
  const notes: string[] = [];
  if (!finished) notes.push(`Stopped after ${MAX_TOOL_LINES} matching lines; more files may match. Narrow the search with "include" or a more specific query.`);
  else if (unlisted > 0 || !complete) notes.push(`… and more matches not shown (${matches}${complete ? "" : "+"} matches in ${files} files). Narrow the search to see them.`);
  if (finished && skipped > 0) notes.push(`${skipped} binary or very large file${skipped === 1 ? " was" : "s were"} not searched.`);
  const output = lines.length === 0 ? `No matches in ${searched} file${searched === 1 ? "" : "s"} searched.` : lines.join("\n");
  return {
    output: [output, ...notes].join("\n"),
    target: options.query,
    detail: lines.length === 0 ? "no matches" : `${matches}${finished && complete ? "" : "+"} match${matches === 1 ? "" : "es"} in ${files} file${files === 1 ? "" : "s"}`,
  };
}
