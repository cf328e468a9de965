import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { appError, formatCount } from "../lib/errors";
import { MAX_CREATE_MANY, MAX_CREATE_MANY_BYTES } from "../lib/limits";
import type { NewItem } from "../lib/validators";
import { requireProjectOwner } from "./access";
import { assertNameFree, checkContent, hasChildRows, resolveParent, unkeyedRowsLeft, utf8Length } from "./files";
import { insertEntries, type EntryFields } from "./listing";
import { caseClashMessage, checkFileName, nameKey } from "./names";
import { touchProject } from "./projects";

// files.createMany: many files and folders in one folder in one transaction (an import, a paste of many files),
// all or none. Its cost per call is a few index ranges plus one insert per row and per entry, so a group of
// MAX_CREATE_MANY stays far inside Convex's per-transaction limits.

// The limits live in lib/limits.ts, which the SPA imports too (a drop from the desktop sends groups within them).
export { MAX_CREATE_MANY, MAX_CREATE_MANY_BYTES } from "../lib/limits";

/**
 * Creates up to MAX_CREATE_MANY files and folders in one folder, in one transaction (an import, a paste of many
 * files): all of them or, when one is refused, none. Returns their ids in the order given.
 */
export async function createMany(
  ctx: MutationCtx,
  userId: string,
  input: { projectId: Id<"projects">; parentId?: Id<"files">; items: NewItem[] },
): Promise<Id<"files">[]> {
  const { projectId, parentId, items } = input;
  await requireProjectOwner(ctx, userId, projectId);
  if (items.length > MAX_CREATE_MANY) {
    throw appError("TOO_LARGE", `At most ${formatCount(MAX_CREATE_MANY)} files can be created in one step; this asked for ${formatCount(items.length)}. Send them in smaller groups.`);
  }
  await resolveParent(ctx, projectId, parentId);
  const names = items.map((item) => checkFileName(item.name));
  const seen = new Map<string, string>();
  let bytes = 0;
  for (const [i, item] of items.entries()) {
    const earlier = seen.get(nameKey(names[i]));
    if (earlier !== undefined) {
      throw appError("NAME_TAKEN", earlier === names[i] ? `"${names[i]}" appears twice in this group. Give each file its own name.` : caseClashMessage(names[i], earlier));
    }
    seen.set(nameKey(names[i]), names[i]);
    if (item.type === "folder" && item.content !== undefined) {
      throw appError("INVALID_ARGUMENT", `"${names[i]}" is a folder; only files have content.`);
    }
    bytes += checkContent(item.content ?? "");
  }
  if (bytes > MAX_CREATE_MANY_BYTES) {
    throw appError("TOO_LARGE", `This group holds ${formatCount(bytes)} bytes of text, over the ${formatCount(MAX_CREATE_MANY_BYTES)} one step can write. Send it in smaller groups.`);
  }
  // A folder with no rows at all (an import fills the folders it has just created) has no name to clash with
  // besides the group's own, checked above: one index range instead of a lookup per name. Otherwise one point
  // lookup per name (and a second while rows the nameKey migration has not reached yet are left): within the
  // 4,096 index ranges a transaction may use at MAX_CREATE_MANY names.
  if (await hasChildRows(ctx, projectId, parentId)) {
    const unkeyed = await unkeyedRowsLeft(ctx);
    for (const name of names) await assertNameFree(ctx, projectId, parentId, name, undefined, unkeyed);
  }
  const now = Date.now();
  const ids: Id<"files">[] = [];
  const entries: { fileId: Id<"files">; fields: EntryFields }[] = [];
  for (const [i, item] of items.entries()) {
    const type = item.type ?? "file";
    const content = type === "file" ? (item.content ?? "") : undefined;
    const fields = { projectId, parentId, name: names[i], nameKey: nameKey(names[i]), type, updatedAt: now, revision: 1 };
    const id = await ctx.db.insert(
      "files",
      content === undefined ? { ...fields, size: 0 } : { ...fields, content, size: utf8Length(content) },
    );
    ids.push(id);
    entries.push({ fileId: id, fields: { parentId, name: names[i], type } });
  }
  await insertEntries(ctx, projectId, entries);
  await touchProject(ctx, projectId, now);
  return ids;
}
