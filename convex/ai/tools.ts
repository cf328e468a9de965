import { ConvexError, v } from "convex/values";
import { internal } from "../_generated/api";
import type { Doc, Id } from "../_generated/dataModel";
import { internalMutation, type ActionCtx, type MutationCtx } from "../_generated/server";
import { appError } from "../lib/errors";
import { TurnRecorder } from "../model/changes";
import { createFile, createFolder, moveAndRename, removeFile, updateContent } from "../model/files";
import { loadScope } from "./data";
import { lineDelta, replaceUnique, splitPath } from "./lib";
import { listFiles } from "./listFiles";
import { findByPath } from "./paths";
import { searchFiles } from "./searchFiles";

// The assistant's file tools. The model names files by project-relative path; every call runs inside the
// project of the assistant message (loadScope re-checks message → conversation → project on each call) and goes
// through the same model/files helpers as the public API, with the project's owner as the user, so the same
// ownership checks, name rules and size limits apply. A cancelled answer changes nothing. Each call's effect is
// one transaction (`apply`) that throws when the call is refused, so a refused call changes nothing either; its
// activity line (✓ or ✗) is written afterwards by `record`. list_files, which reads the whole project, is the
// exception: it runs in the action over the listing's buckets (listFiles.ts), never in one transaction; so does
// search_files, page by page (searchFiles.ts).

export const MAX_TOOL_ROUNDS = 20;
const MAX_READ_CHARS = 100_000;

const pathProp = { type: "string", description: 'Project-relative path, e.g. "src/app.ts".' } as const;

/** Tool definitions in the Chat Completions `tools` format. */
export const TOOL_DEFINITIONS = [
  fn("list_files", "List the files and folders of the project (folders end with /).", {
    path: { type: "string", description: "Folder to list; omit for the whole project." },
  }),
  fn("read_file", "Read the full text of a file.", { path: pathProp }, ["path"]),
  fn(
    "search_files",
    "Search the text of every file in the project, like grep: returns matching lines as path:line: text (at most 100).",
    {
      query: { type: "string", description: "Text to find (a regular expression in RE2 syntax when regex is true)." },
      regex: { type: "boolean" },
      match_case: { type: "boolean" },
      whole_word: { type: "boolean" },
      include: { type: "string", description: 'Comma-separated globs of files to search, e.g. "src, *.ts".' },
      exclude: { type: "string", description: 'Comma-separated globs of files to leave out, e.g. "dist, *.min.js".' },
    },
    ["query"],
  ),
  fn(
    "create_file",
    "Create a new file with the given content. Missing parent folders are created. Fails if the path exists.",
    { path: pathProp, content: { type: "string" } },
    ["path", "content"],
  ),
  fn("create_folder", "Create a folder (and missing parents).", { path: pathProp }, ["path"]),
  fn(
    "edit_file",
    "Replace one exact snippet of a file. old_text must occur exactly once; copy it from read_file.",
    { path: pathProp, old_text: { type: "string" }, new_text: { type: "string" } },
    ["path", "old_text", "new_text"],
  ),
  fn(
    "write_file",
    "Replace the whole content of a file, creating it if it does not exist.",
    { path: pathProp, content: { type: "string" } },
    ["path", "content"],
  ),
  fn(
    "move_file",
    "Rename and/or move a file or folder to a new path. The destination folder must exist.",
    { from: pathProp, to: pathProp },
    ["from", "to"],
  ),
  fn("delete_file", "Delete a file, or a folder with everything in it.", { path: pathProp }, ["path"]),
];

function fn(name: string, description: string, properties: Record<string, object>, required: string[] = []) {
  return {
    type: "function" as const,
    function: { name, description, parameters: { type: "object", properties, required, additionalProperties: false } },
  };
}

interface ToolResult {
  /** What the model reads back. */
  output: string;
  /** What the activity line shows. */
  target: string;
  detail: string;
}

type ToolOutcome = ToolResult & { ok: boolean };

/** A refused call: a ConvexError, so its message survives the trip out of `apply` into the action. */
function toolError(message: string): ConvexError<{ code: string; message: string }> {
  return appError("INVALID_ARGUMENT", message);
}

function stringArg(args: Record<string, unknown>, name: string): string {
  const value = args[name];
  if (typeof value !== "string") throw toolError(`Argument "${name}" must be a string.`);
  return value;
}

function checkedPath(args: Record<string, unknown>, name: string): string[] {
  const raw = stringArg(args, name);
  const parts = splitPath(raw);
  if (parts === null) throw toolError(`"${raw}" is not a valid project path. Use a relative path like "src/app.ts", without "..".`);
  return parts;
}

async function requireNode(ctx: MutationCtx, projectId: Id<"projects">, parts: string[]): Promise<Doc<"files">> {
  const node = await findByPath(ctx, projectId, parts.join("/"));
  if (node === null) throw toolError(`"${parts.join("/")}" does not exist. Call list_files to see the project's paths.`);
  return node;
}

async function requireTextFile(ctx: MutationCtx, projectId: Id<"projects">, parts: string[]): Promise<Doc<"files">> {
  const node = await requireNode(ctx, projectId, parts);
  if (node.type !== "file") throw toolError(`"${parts.join("/")}" is a folder, not a file.`);
  if (node.storageId !== undefined) throw toolError(`"${parts.join("/")}" is a binary or very large file; it cannot be read or edited as text.`);
  return node;
}

/** The folder at `parts` (undefined for the root), creating missing folders when `create` is set. */
async function folderAt(
  ctx: MutationCtx,
  userId: string,
  projectId: Id<"projects">,
  parts: string[],
  create: TurnRecorder | null,
): Promise<Id<"files"> | undefined> {
  let parentId: Id<"files"> | undefined = undefined;
  for (let i = 0; i < parts.length; i++) {
    const path = parts.slice(0, i + 1).join("/");
    const existing = await findByPath(ctx, projectId, path);
    if (existing !== null) {
      if (existing.type !== "folder") throw toolError(`"${path}" is a file, not a folder.`);
      parentId = existing._id;
    } else if (create !== null) {
      parentId = await createFolder(ctx, userId, { projectId, parentId, name: parts[i] });
      await create.created(parentId);
    } else {
      throw toolError(`The folder "${path}" does not exist. Create it first with create_folder.`);
    }
  }
  return parentId;
}

async function runTool(
  ctx: MutationCtx,
  userId: string,
  projectId: Id<"projects">,
  name: string,
  args: Record<string, unknown>,
  rec: TurnRecorder,
): Promise<ToolResult> {
  switch (name) {
    case "read_file": {
      const parts = checkedPath(args, "path");
      const file = await requireTextFile(ctx, projectId, parts);
      const content = file.content ?? "";
      const output = content.length > MAX_READ_CHARS ? `${content.slice(0, MAX_READ_CHARS)}\n… (truncated)` : content;
      return { output, target: parts.join("/"), detail: `${content.split("\n").length} lines` };
    }
    case "create_file": {
      const parts = checkedPath(args, "path");
      const content = stringArg(args, "content");
      if ((await findByPath(ctx, projectId, parts.join("/"))) !== null) {
        throw toolError(`"${parts.join("/")}" already exists. Use edit_file or write_file to change it.`);
      }
      const parentId = await folderAt(ctx, userId, projectId, parts.slice(0, -1), rec);
      await rec.created(await createFile(ctx, userId, { projectId, parentId, name: parts[parts.length - 1], content }));
      return { output: "Created.", target: parts.join("/"), detail: `created, ${lineDelta("", content).split(" (")[0]}` };
    }
    case "create_folder": {
      const parts = checkedPath(args, "path");
      await folderAt(ctx, userId, projectId, parts, rec);
      return { output: "Folder exists now.", target: `${parts.join("/")}/`, detail: "folder created" };
    }
    case "edit_file": {
      const parts = checkedPath(args, "path");
      const oldText = stringArg(args, "old_text");
      const newText = stringArg(args, "new_text");
      const file = await requireTextFile(ctx, projectId, parts);
      const edit = replaceUnique(file.content ?? "", oldText, newText);
      if (!edit.ok) throw toolError(edit.error);
      await rec.before(file);
      await updateContent(ctx, userId, file._id, edit.content, undefined);
      await rec.after(file._id);
      const removed = oldText.split("\n").length;
      const added = newText.length === 0 ? 0 : newText.split("\n").length;
      return { output: "Edited.", target: parts.join("/"), detail: `line ${edit.line}: −${removed} +${added}` };
    }
    case "write_file": {
      const parts = checkedPath(args, "path");
      const content = stringArg(args, "content");
      const existing = await findByPath(ctx, projectId, parts.join("/"));
      if (existing === null) {
        const parentId = await folderAt(ctx, userId, projectId, parts.slice(0, -1), rec);
        await rec.created(await createFile(ctx, userId, { projectId, parentId, name: parts[parts.length - 1], content }));
        return { output: "Created.", target: parts.join("/"), detail: `created, ${lineDelta("", content).split(" (")[0]}` };
      }
      if (existing.type !== "file") throw toolError(`"${parts.join("/")}" is a folder, not a file.`);
      await rec.before(existing);
      await updateContent(ctx, userId, existing._id, content, undefined);
      await rec.after(existing._id);
      return { output: "Written.", target: parts.join("/"), detail: `rewritten, ${lineDelta(existing.content ?? "", content)}` };
    }
    case "move_file": {
      const from = checkedPath(args, "from");
      const to = checkedPath(args, "to");
      const node = await requireNode(ctx, projectId, from);
      const parentId = await folderAt(ctx, userId, projectId, to.slice(0, -1), null);
      await rec.before(node);
      await moveAndRename(ctx, userId, node._id, parentId, to[to.length - 1]);
      await rec.after(node._id);
      return { output: "Moved.", target: `${from.join("/")} → ${to.join("/")}`, detail: "moved" };
    }
    case "delete_file": {
      const parts = checkedPath(args, "path");
      const node = await requireNode(ctx, projectId, parts);
      const recorded = await rec.beforeDelete(node);
      await removeFile(ctx, userId, node._id);
      await rec.after(...recorded);
      return { output: "Deleted.", target: parts.join("/"), detail: node.type === "folder" ? "folder deleted" : "deleted" };
    }
    default:
      throw toolError(`There is no tool named "${name}". Use one of: ${TOOL_DEFINITIONS.map((t) => t.function.name).join(", ")}.`);
  }
}

function parseArguments(raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = raw.trim() === "" ? {} : JSON.parse(raw);
  } catch {
    throw toolError("The arguments were not valid JSON.");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw toolError("The arguments must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

/** The path an activity line names for a call whose arguments may be unusable. */
function argsTarget(raw: string): string {
  try {
    const args = JSON.parse(raw) as { path?: unknown; from?: unknown } | null;
    const value = args?.path ?? args?.from;
    return typeof value === "string" ? value : "";
  } catch {
    return "";
  }
}

const CANCELLED_OUTPUT = "The answer was cancelled; no change was made.";

/**
 * The effect of one tool call, as one transaction: null when the answer is no longer processing; throws a
 * ConvexError when the call is refused, which rolls back whatever the call wrote before the refusal (e.g.
 * the parent folders of a file whose name is then rejected).
 */
export const apply = internalMutation({
  args: { messageId: v.id("messages"), name: v.string(), arguments: v.string() },
  returns: v.union(v.null(), v.object({ output: v.string(), target: v.string(), detail: v.string() })),
  handler: async (ctx, { messageId, name, arguments: rawArgs }) => {
    const scope = await loadScope(ctx, messageId);
    if (scope === null || scope.message.status !== "processing") return null;
    const { project } = scope;
    return runTool(ctx, project.ownerId, project._id, name, parseArguments(rawArgs), new TurnRecorder(ctx, scope));
  },
});

/** Appends a tool call's activity line; it is kept even if the answer was cancelled meanwhile (the change was made). */
export const record = internalMutation({
  args: {
    messageId: v.id("messages"),
    tool: v.string(),
    target: v.string(),
    detail: v.string(),
    ok: v.boolean(),
    offset: v.number(),
  },
  returns: v.null(),
  handler: async (ctx, { messageId, ...line }) => {
    const scope = await loadScope(ctx, messageId);
    if (scope === null) return null;
    await ctx.db.patch("messages", messageId, { activity: [...(scope.message.activity ?? []), line] });
    return null;
  },
});

/** The message of a refusal thrown by `apply`; null for anything else (a bug or an outage), which propagates. */
function refusalMessage(error: unknown): string | null {
  if (!(error instanceof ConvexError)) return null;
  const data: unknown = error.data;
  const message = typeof data === "object" && data !== null ? (data as { message?: unknown }).message : undefined;
  return typeof message === "string" ? message : null;
}

/** Runs one tool call from the respond action and records its activity line; returns what the model reads. */
export async function runToolCall(
  ctx: ActionCtx,
  messageId: Id<"messages">,
  call: { name: string; arguments: string },
  offset: number,
): Promise<{ ok: boolean; output: string }> {
  let outcome: ToolOutcome;
  try {
    const done =
      call.name === "list_files"
        ? await listFiles(ctx, messageId, parseArguments(call.arguments))
        : call.name === "search_files"
          ? await searchFiles(ctx, messageId, parseArguments(call.arguments))
          : await ctx.runMutation(internal.ai.tools.apply, { messageId, name: call.name, arguments: call.arguments });
    if (done === null) return { ok: false, output: CANCELLED_OUTPUT };
    outcome = { ok: true, ...done };
  } catch (error) {
    const reason = refusalMessage(error);
    if (reason === null) throw error;
    outcome = { ok: false, output: `Error: ${reason}`, target: argsTarget(call.arguments), detail: reason };
  }
  const { ok, output, target, detail } = outcome;
  await ctx.runMutation(internal.ai.tools.record, { messageId, tool: call.name, target, detail, ok, offset });
  return { ok, output };
}
