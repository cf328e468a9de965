import { describe, expect, it } from "vitest";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import type { OptimisticLocalStore } from "convex/browser";
import { getFunctionName, type FunctionReference } from "convex/server";
import {
  optimisticCopy,
  optimisticCreateFile,
  optimisticCreateFolder,
  optimisticMove,
  optimisticRemove,
  optimisticRename,
} from "./optimistic";

const projectId = "p1" as Id<"projects">;
const fid = (s: string) => s as Id<"files">;
const row = (id: string, name: string, type: "file" | "folder", parentId?: string) => ({
  _id: fid(id),
  _creationTime: 1,
  projectId,
  name,
  type,
  updatedAt: 1,
  revision: 0,
  size: 0,
  isBinary: false,
  ...(parentId ? { parentId: fid(parentId) } : {}),
});

/** A minimal OptimisticLocalStore: results keyed by function name and JSON args. */
function fakeStore(): OptimisticLocalStore {
  const results = new Map<string, { args: Record<string, unknown>; value: unknown }>();
  const key = (q: FunctionReference<"query">, args: unknown) => `${getFunctionName(q)}|${JSON.stringify(args)}`;
  const store = {
    getQuery: (q: FunctionReference<"query">, args: unknown) => results.get(key(q, args))?.value,
    getAllQueries: (q: FunctionReference<"query">) =>
      [...results.entries()].filter(([k]) => k.startsWith(getFunctionName(q) + "|")).map(([, v]) => v),
    setQuery: (q: FunctionReference<"query">, args: Record<string, unknown>, value: unknown) =>
      results.set(key(q, args), { args, value }),
  };
  return store as unknown as OptimisticLocalStore;
}

function storeWith(rows: ReturnType<typeof row>[]) {
  const store = fakeStore();
  store.setQuery(api.files.tree, { projectId }, rows);
  const read = () => store.getQuery(api.files.tree, { projectId }) as ReturnType<typeof row>[];
  return { store, read };
}

const BASE = [row("d", "docs", "folder"), row("a", "a.md", "file", "d"), row("b", "b.md", "file")];

describe("optimistic tree updates", () => {
  it("create adds a row with a temporary id derived from the clientOpId, unless the name is taken", () => {
    const { store, read } = storeWith(BASE);
    optimisticCreateFile(store, { projectId, parentId: fid("d"), name: "c.md", content: "hé", clientOpId: "op1" });
    expect(read().at(-1)).toMatchObject({ _id: "pending_op1", name: "c.md", parentId: "d", type: "file", size: 3 });
    optimisticCreateFolder(store, { projectId, name: "b.md", clientOpId: "op2" });
    expect(read()).toHaveLength(4);
  });

  it("rename, move and remove edit the cached tree; remove takes descendants along", () => {
    const { store, read } = storeWith(BASE);
    optimisticRename(store, { fileId: fid("b"), name: "B.md" });
    expect(read().find((f) => f._id === "b")?.name).toBe("B.md");
    optimisticMove(store, { fileId: fid("b"), parentId: fid("d") });
    expect(read().find((f) => f._id === "b")?.parentId).toBe("d");
    optimisticMove(store, { fileId: fid("b") });
    expect(read().find((f) => f._id === "b")).not.toHaveProperty("parentId");
    optimisticMove(store, { fileId: fid("d"), parentId: fid("d") });
    expect(read().find((f) => f._id === "d")).not.toHaveProperty("parentId");
    optimisticRemove(store, { fileId: fid("d") });
    expect(read().map((f) => f._id)).toEqual(["b"]);
  });

  it("copy into the same folder picks the server's ' copy' name", () => {
    const { store, read } = storeWith(BASE);
    optimisticCopy(store, { fileId: fid("b"), clientOpId: "op3" });
    expect(read().at(-1)).toMatchObject({ _id: "pending_op3", name: "b copy.md" });
    optimisticCopy(store, { fileId: fid("b"), clientOpId: "op4" });
    expect(read().at(-1)).toMatchObject({ name: "b copy 2.md" });
  });
});
