import type { OptimisticLocalStore } from "convex/browser";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { copyName } from "../../../convex/model/names";
import { optimisticId } from "../sync/ids";
import { registerOptimisticUpdate } from "../sync/registry";
import type { FunctionArgs, FunctionReturnType } from "convex/server";

/*
 * Optimistic updates of `files.tree` for every tree write. Each is a pure function of (store, args): the
 * offline overlay re-runs them on cached results, so new rows take their temporary id from `optimisticId`.
 * A guess that cannot be made (unknown parent, name clash) changes nothing; the server's answer decides.
 */

type TreeRows = FunctionReturnType<typeof api.files.tree>;
type TreeRow = TreeRows[number];

function treesContaining(store: OptimisticLocalStore, fileId: string) {
  return store
    .getAllQueries(api.files.tree)
    .filter((q): q is { args: typeof q.args; value: TreeRows } => q.value?.some((f) => f._id === fileId) ?? false);
}

function nameFree(rows: TreeRows, parentId: string | undefined, name: string, except?: string) {
  return !rows.some((f) => f.parentId === parentId && f.name === name && f._id !== except);
}

function insert(
  store: OptimisticLocalStore,
  args: { projectId: Id<"projects">; parentId?: Id<"files">; name: string; clientOpId?: string },
  fields: Pick<TreeRow, "type" | "size" | "isBinary">,
) {
  const rows = store.getQuery(api.files.tree, { projectId: args.projectId });
  if (!rows) return;
  if (args.parentId && !rows.some((f) => f._id === args.parentId)) return;
  if (!nameFree(rows, args.parentId, args.name)) return;
  const now = Date.now();
  const row: TreeRow = {
    _id: optimisticId(args) as Id<"files">,
    _creationTime: now,
    projectId: args.projectId,
    name: args.name,
    updatedAt: now,
    revision: 0,
    ...fields,
  };
  if (args.parentId) row.parentId = args.parentId;
  store.setQuery(api.files.tree, { projectId: args.projectId }, [...rows, row]);
}

export const optimisticCreateFile = registerOptimisticUpdate(
  api.files.createFile,
  (store, args: FunctionArgs<typeof api.files.createFile>) =>
    insert(store, args, { type: "file", size: new TextEncoder().encode(args.content ?? "").length, isBinary: false }),
);

export const optimisticCreateFolder = registerOptimisticUpdate(
  api.files.createFolder,
  (store, args: FunctionArgs<typeof api.files.createFolder>) => insert(store, args, { type: "folder", size: 0, isBinary: false }),
);

export const optimisticCreateBinaryFile = registerOptimisticUpdate(
  api.files.createBinaryFile,
  (store, args: FunctionArgs<typeof api.files.createBinaryFile>) =>
    insert(store, args, { type: "file", size: 0, isBinary: true }),
);

export const optimisticRename = registerOptimisticUpdate(
  api.files.rename,
  (store, args: FunctionArgs<typeof api.files.rename>) => {
    for (const { args: queryArgs, value } of treesContaining(store, args.fileId)) {
      const file = value.find((f) => f._id === args.fileId)!;
      if (!nameFree(value, file.parentId, args.name, file._id)) continue;
      store.setQuery(
        api.files.tree,
        queryArgs,
        value.map((f) => (f._id === args.fileId ? { ...f, name: args.name } : f)),
      );
    }
  },
);

export const optimisticMove = registerOptimisticUpdate(api.files.move, (store, args: FunctionArgs<typeof api.files.move>) => {
  for (const { args: queryArgs, value } of treesContaining(store, args.fileId)) {
    const file = value.find((f) => f._id === args.fileId)!;
    if (args.parentId && !value.some((f) => f._id === args.parentId)) continue;
    if (!nameFree(value, args.parentId, file.name, file._id)) continue;
    // Refuse to guess a cycle: walk up from the destination.
    const byId = new Map(value.map((f) => [f._id as string, f]));
    let cursor: string | undefined = args.parentId;
    let cycle = false;
    for (let guard = 0; cursor && guard < 1024; guard++) {
      if (cursor === args.fileId) cycle = true;
      cursor = byId.get(cursor)?.parentId;
    }
    if (cycle) continue;
    store.setQuery(
      api.files.tree,
      queryArgs,
      value.map((f) => {
        if (f._id !== args.fileId) return f;
        const { parentId: _old, ...rest } = f;
        return args.parentId ? { ...rest, parentId: args.parentId } : rest;
      }),
    );
  }
});

export const optimisticRemove = registerOptimisticUpdate(
  api.files.remove,
  (store, args: FunctionArgs<typeof api.files.remove>) => {
    for (const { args: queryArgs, value } of treesContaining(store, args.fileId)) {
      const doomed = new Set<string>([args.fileId]);
      // Rows come in no particular order: repeat until no more descendants are found.
      let grew = true;
      while (grew) {
        grew = false;
        for (const f of value) {
          if (f.parentId && doomed.has(f.parentId) && !doomed.has(f._id)) {
            doomed.add(f._id);
            grew = true;
          }
        }
      }
      store.setQuery(
        api.files.tree,
        queryArgs,
        value.filter((f) => !doomed.has(f._id)),
      );
    }
  },
);

export const optimisticCopy = registerOptimisticUpdate(api.files.copy, (store, args: FunctionArgs<typeof api.files.copy>) => {
  for (const { args: queryArgs, value } of treesContaining(store, args.fileId)) {
    const source = value.find((f) => f._id === args.fileId)!;
    if (args.parentId && !value.some((f) => f._id === args.parentId)) continue;
    let name = source.name;
    for (let attempt = 1; !nameFree(value, args.parentId, name) && attempt < 100; attempt++) {
      name = copyName(source.name, attempt, source.type === "folder");
    }
    // Only the copied item itself is guessed; its contents arrive with the server's answer.
    const { parentId: _old, ...rest } = source;
    const now = Date.now();
    const row: TreeRow = { ...rest, _id: optimisticId(args) as Id<"files">, _creationTime: now, updatedAt: now, name };
    if (args.parentId) row.parentId = args.parentId;
    store.setQuery(api.files.tree, queryArgs, [...value, row]);
  }
});
