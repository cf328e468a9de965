import { describe, expect, it } from "vitest";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { visibleEntries } from "../../../convex/lib/listing";
import type { ListingEntry } from "../../../convex/lib/validators";
import { CachedLocalStore } from "../sync/overlay";
import {
  optimisticCopy,
  optimisticCreateBinaryFile,
  optimisticCreateFile,
  optimisticCreateFolder,
  optimisticCreateMany,
  optimisticMove,
  optimisticRemove,
  optimisticRename,
  optimisticRestore,
} from "./optimistic";

const projectId = "p1" as Id<"projects">;
const fid = (s: string) => s as Id<"files">;
const entry = (id: string, name: string, type: "file" | "folder", parentId?: string): ListingEntry => ({
  _id: fid(id),
  name,
  type,
  ...(parentId ? { parentId: fid(parentId) } : {}),
});

/** The offline overlay's own store (the one the updates run on in the app), holding a listing in buckets. */
function storeWith(buckets: ListingEntry[][]) {
  const cache = new CachedLocalStore(new Map());
  const store = cache.asOptimisticStore();
  store.setQuery(api.files.listing, { projectId }, { ready: true, buckets: buckets.length });
  buckets.forEach((value, bucket) => store.setQuery(api.files.listingBucket, { projectId, bucket }, value));
  const bucket = (n: number) => store.getQuery(api.files.listingBucket, { projectId, bucket: n }) ?? [];
  /** What the tree shows: every bucket joined, by the visibility rule. */
  const shown = () => {
    const head = store.getQuery(api.files.listing, { projectId })!;
    return visibleEntries(Array.from({ length: head.buckets }, (_, n) => bucket(n)).flat());
  };
  return { store, bucket, shown };
}

const BASE = [
  [entry("d", "docs", "folder"), entry("a", "a.md", "file", "d")],
  [entry("b", "b.md", "file"), entry("s", "sub", "folder", "d")],
];

describe("optimistic listing updates", () => {
  it("create adds an entry with a temporary id to the last bucket, unless the parent is unknown or the name taken", () => {
    const { store, bucket, shown } = storeWith(BASE);
    optimisticCreateFile(store, { projectId, parentId: fid("d"), name: "c.md", content: "hé", clientOpId: "op1" });
    expect(bucket(1).at(-1)).toEqual({ _id: "pending_op1", name: "c.md", parentId: "d", type: "file" });
    optimisticCreateFolder(store, { projectId, name: "b.md", clientOpId: "op2" });
    optimisticCreateFolder(store, { projectId, parentId: fid("a"), name: "x", clientOpId: "op3" });
    optimisticCreateFolder(store, { projectId, parentId: fid("gone"), name: "x", clientOpId: "op4" });
    expect(shown()).toHaveLength(5);
    optimisticCreateBinaryFile(store, { projectId, name: "logo.png", storageId: "st" as Id<"_storage">, clientOpId: "op5" });
    expect(bucket(1).at(-1)).toEqual({ _id: "pending_op5", name: "logo.png", type: "file", isBinary: true });
  });

  it("an entry created offline can be the parent of the next one (temporary ids chain)", () => {
    const { store, shown } = storeWith(BASE);
    optimisticCreateFolder(store, { projectId, name: "new", clientOpId: "f" });
    optimisticCreateFile(store, { projectId, parentId: fid("pending_f"), name: "inside.ts", clientOpId: "g" });
    expect(shown().find((e) => e._id === "pending_g")).toMatchObject({ parentId: "pending_f", name: "inside.ts" });
  });

  it("the first entry of an empty project opens bucket 0 in the head", () => {
    const { store, shown } = storeWith([]);
    optimisticCreateFile(store, { projectId, name: "first.ts", clientOpId: "op1" });
    expect(store.getQuery(api.files.listing, { projectId })).toEqual({ ready: true, buckets: 1 });
    expect(shown().map((e) => e.name)).toEqual(["first.ts"]);
  });

  it("changes nothing while the listing is not ready (being backfilled)", () => {
    const cache = new CachedLocalStore(new Map());
    const store = cache.asOptimisticStore();
    store.setQuery(api.files.listing, { projectId }, { ready: false, buckets: 0 });
    optimisticCreateFile(store, { projectId, name: "first.ts", clientOpId: "op1" });
    expect(store.getQuery(api.files.listing, { projectId })).toEqual({ ready: false, buckets: 0 });
    expect(store.getAllQueries(api.files.listingBucket)).toEqual([]);
  });

  it("createMany adds all items or none", () => {
    const { store, shown } = storeWith(BASE);
    optimisticCreateMany(store, { projectId, parentId: fid("d"), items: [{ name: "x.ts" }, { name: "a.md" }], clientOpId: "m1" });
    expect(shown()).toHaveLength(4);
    optimisticCreateMany(store, {
      projectId,
      parentId: fid("d"),
      items: [{ name: "x.ts" }, { name: "lib", type: "folder" }],
      clientOpId: "m2",
    });
    expect(shown().filter((e) => e.parentId === "d").map((e) => e.name)).toEqual(["a.md", "sub", "x.ts", "lib"]);
  });

  it("rename and move patch the entry in the bucket that holds it; remove hides descendants by the rule", () => {
    const { store, bucket, shown } = storeWith(BASE);
    optimisticRename(store, { fileId: fid("a"), name: "A.md" });
    expect(bucket(0).find((e) => e._id === "a")?.name).toBe("A.md");
    optimisticRename(store, { fileId: fid("a"), name: "sub" });
    expect(bucket(0).find((e) => e._id === "a")?.name).toBe("A.md");
    optimisticMove(store, { fileId: fid("b"), parentId: fid("d") });
    expect(bucket(1).find((e) => e._id === "b")?.parentId).toBe("d");
    optimisticMove(store, { fileId: fid("b") });
    expect(bucket(1).find((e) => e._id === "b")).not.toHaveProperty("parentId");
    // Into its own descendant: a cycle, not guessed.
    optimisticMove(store, { fileId: fid("d"), parentId: fid("s") });
    expect(bucket(0).find((e) => e._id === "d")).not.toHaveProperty("parentId");
    optimisticRemove(store, { fileId: fid("d") });
    expect(bucket(1).map((e) => e._id)).toEqual(["b", "s"]);
    expect(shown().map((e) => e._id)).toEqual(["b"]);
  });

  it("restore shows a deleted item again at once, after its delete is confirmed too, renamed as the server would when its name was taken", () => {
    const listing = [[entry("rd", "lib", "folder"), entry("ra", "x.ts", "file", "rd"), entry("rb", "notes.md", "file")]];
    const deleting = storeWith(listing);
    optimisticRemove(deleting.store, { fileId: fid("rd") });
    optimisticRemove(deleting.store, { fileId: fid("rb") });
    expect(deleting.shown().map((e) => e._id)).toEqual([]);
    // The deletes are confirmed: the cached listing no longer holds the entries, and another notes.md was made.
    const { store, shown } = storeWith([[entry("ra", "x.ts", "file", "rd"), entry("rn", "notes.md", "file")]]);
    optimisticRestore(store, { fileId: fid("rd"), clientOpId: "r1" });
    expect(shown().map((e) => e._id).sort()).toEqual(["ra", "rd", "rn"]);
    optimisticRestore(store, { fileId: fid("rb"), clientOpId: "r2" });
    expect(shown().find((e) => e._id === "rb")).toMatchObject({ name: "notes (restored).md", type: "file" });
    // Replayed over a store where the server's answer is in already: not shown twice.
    optimisticRestore(store, { fileId: fid("rb"), clientOpId: "r2" });
    expect(shown().filter((e) => e._id === "rb")).toHaveLength(1);
  });

  it("copy into the same folder picks the server's ' copy' name", () => {
    const { store, shown } = storeWith(BASE);
    optimisticCopy(store, { fileId: fid("b"), clientOpId: "op3" });
    expect(shown().at(-1)).toMatchObject({ _id: "pending_op3", name: "b copy.md", type: "file" });
    optimisticCopy(store, { fileId: fid("b"), clientOpId: "op4" });
    expect(shown().at(-1)).toMatchObject({ name: "b copy 2.md" });
  });

  it("updates cost what they change: a replay of many writes reads each cached entry a bounded number of times", () => {
    // A listing of 2,000 entries in 2 buckets whose element reads are counted.
    let reads = 0;
    const counted = (value: ListingEntry[]) =>
      new Proxy(value, {
        get(target, key, receiver) {
          if (typeof key === "string" && /^\d+$/.test(key)) reads++;
          return Reflect.get(target, key, receiver) as unknown;
        },
      });
    const big = [0, 1].map((b) => Array.from({ length: 1000 }, (_, i) => entry(`f${b}-${i}`, `file${b}-${i}.ts`, "file")));
    const { store, shown } = storeWith(big.map(counted));
    for (let i = 0; i < 500; i++) optimisticCreateFile(store, { projectId, name: `new${i}.ts`, content: "", clientOpId: `c${i}` });
    for (let i = 0; i < 500; i++) optimisticRename(store, { fileId: fid(`f0-${i}`), name: `renamed${i}.ts` });
    for (let i = 0; i < 200; i++) optimisticRename(store, { fileId: fid(`pending_c${i}`), name: `new${i}-r.ts` });
    // Refused guesses: a name taken, and a rename onto a name a rename just took.
    optimisticCreateFile(store, { projectId, name: "file1-3.ts", content: "", clientOpId: "dup" });
    optimisticRename(store, { fileId: fid("f0-999"), name: "renamed0.ts" });
    // Each original entry is read to index it and once more to copy its bucket: not once per write.
    expect(reads).toBeLessThanOrEqual(2 * 2000 + 10);
    const names = new Set(shown().map((e) => e.name));
    expect(names.size).toBe(2500);
    expect(names.has("renamed499.ts") && names.has("new199-r.ts") && names.has("new200.ts") && names.has("file0-999.ts")).toBe(true);
    expect(names.has("file0-0.ts") || names.has("new0.ts")).toBe(false);
  });

  it("sees a bucket changed by someone else between updates", () => {
    const { store, bucket } = storeWith(BASE);
    optimisticRename(store, { fileId: fid("a"), name: "A.md" });
    store.setQuery(api.files.listingBucket, { projectId, bucket: 1 }, [entry("z", "z.md", "file")]);
    // "docs" is taken at the root (bucket 0); "b.md" no longer is: the new bucket 1 replaced it.
    optimisticRename(store, { fileId: fid("z"), name: "docs" });
    expect(bucket(1)).toEqual([entry("z", "z.md", "file")]);
    optimisticRename(store, { fileId: fid("z"), name: "b.md" });
    expect(bucket(1)).toEqual([entry("z", "b.md", "file")]);
    expect(bucket(0).find((e) => e._id === "a")?.name).toBe("A.md");
  });
});
