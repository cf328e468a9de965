import { describe, expect, it } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import type { ListingEntry, ListingTop } from "../../../convex/lib/validators";
import { joinListing, joinWork } from "./useProjectListing";

const id = (s: string) => s as Id<"files">;
const folder = (name: string, parentId?: string): ListingEntry => ({ _id: id(name), name, type: "folder", ...(parentId ? { parentId: id(parentId) } : {}) });
const file = (name: string, parentId?: string): ListingEntry => ({ _id: id(name), name, type: "file", ...(parentId ? { parentId: id(parentId) } : {}) });

// Two buckets: bucket 0 holds the root folder "src" and a file of "lib"; bucket 1 the root folder "lib", "README"
// and a file of "src".
const bucket0 = [folder("src"), file("lib-a.ts", "lib")];
const bucket1 = [folder("lib"), file("README.md"), file("src-a.ts", "src")];
const head = { ready: true, buckets: 2 };
const top: ListingTop = {
  entries: [
    { entry: folder("lib"), bucket: 1 },
    { entry: file("README.md"), bucket: 1 },
    { entry: folder("src"), bucket: 0 },
  ],
  complete: true,
};
const names = (entries: readonly ListingEntry[] | undefined) => entries?.map((e) => e.name).sort();

describe("joinListing", () => {
  it("shows nothing before the head, and says when the listing is still being prepared", () => {
    expect(joinListing(undefined, top, [], false, true)).toEqual({ entries: undefined, complete: false, preparing: false });
    expect(joinListing({ ready: false, buckets: 0 }, null, [], false, true)).toEqual({ entries: undefined, complete: false, preparing: true });
  });

  it("without partial entries, waits for every bucket", () => {
    expect(joinListing(head, top, [bucket0, undefined], false, false).entries).toBeUndefined();
    const whole = joinListing(head, top, [bucket0, bucket1], false, false);
    expect(whole.complete).toBe(true);
    expect(names(whole.entries)).toEqual(["README.md", "lib", "lib-a.ts", "src", "src-a.ts"]);
  });

  it("with partial entries: the root level first, then each bucket as it arrives, each entry once", () => {
    // Only the root level: every root entry, as a stand-in for its bucket.
    const first = joinListing(head, top, [undefined, undefined], false, true);
    expect(first.complete).toBe(false);
    expect(names(first.entries)).toEqual(["README.md", "lib", "src"]);
    // Bucket 0 in: its entries (src, and lib-a.ts, whose parent is a stand-in of bucket 1) plus bucket 1's stand-ins.
    const second = joinListing(head, top, [bucket0, undefined], false, true);
    expect(names(second.entries)).toEqual(["README.md", "lib", "lib-a.ts", "src"]);
    expect(second.entries!.filter((e) => e._id === id("src"))).toHaveLength(1);
    // A bucket's own answer wins over the stand-ins: a root entry it no longer holds (deleted) is gone.
    const renamedAway = joinListing(head, top, [bucket0, [bucket1[0], bucket1[2]]], false, true);
    expect(renamedAway.complete).toBe(true);
    expect(names(renamedAway.entries)).toEqual(["lib", "lib-a.ts", "src", "src-a.ts"]);
    // Without the root level yet, nothing is shown.
    expect(joinListing(head, undefined, [bucket0, undefined], false, true).entries).toBeUndefined();
  });

  it("once complete, a bucket that just opened counts as empty instead of blanking the tree", () => {
    const grown = { ready: true, buckets: 3 };
    const listing = joinListing(grown, undefined, [bucket0, bucket1, undefined], true, true);
    expect(listing.complete).toBe(true);
    expect(names(listing.entries)).toHaveLength(5);
  });
});

describe("joinListing derived from the previous listing", () => {
  const complete = (buckets: readonly (readonly ListingEntry[])[], previous?: ReturnType<typeof joinListing>) =>
    joinListing({ ready: true, buckets: buckets.length }, undefined, buckets, true, true, previous);
  const ids = (listing: ReturnType<typeof joinListing>) => listing.entries!.map((e) => e._id);

  it("looks only at the bucket that changed", () => {
    // Three buckets of 1,000 entries: 10 folders at the root, files in them and at the root.
    const buckets = [0, 1, 2].map((b) =>
      Array.from({ length: 1000 }, (_, i) => (b === 0 && i < 10 ? folder(`d${i}`) : file(`f${b}-${i}.ts`, i % 2 ? `d${i % 10}` : undefined))),
    );
    const first = complete(buckets);
    const renamed = buckets.map((bucket, b) => (b === 2 ? bucket.map((e, i) => (i === 500 ? { ...e, name: "renamed.ts" } : e)) : bucket));
    const before = joinWork.count;
    const second = complete(renamed, first);
    // The changed bucket, before and after: 2,000 entries looked at, not the 3,000 of the listing.
    expect(joinWork.count - before).toBe(2000);
    expect(ids(second)).toEqual(ids(complete(renamed)));
    expect(second.entries!.find((e) => e.name === "renamed.ts")).toBeDefined();
    // Nothing changed: the same entries, no work.
    const again = joinWork.count;
    expect(complete(renamed, second).entries).toBe(second.entries);
    expect(joinWork.count).toBe(again);
  });

  it("shows exactly what a whole join shows, through random creates, deletes, renames and moves", () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor(seed / 65536) % n;
    };
    let buckets: ListingEntry[][] = [[folder("a")], [folder("b", "a")], [file("c.ts", "b")]];
    let listing = complete(buckets);
    let fresh = 0;
    for (let step = 0; step < 600; step++) {
      const all = buckets.flat();
      const folders = all.filter((e) => e.type === "folder");
      const parent = () => (random(4) === 0 || folders.length === 0 ? undefined : folders[random(folders.length)]._id);
      const b = random(buckets.length);
      const bucket = buckets[b].slice();
      let pick = bucket.length > 0 ? random(bucket.length) : -1;
      const op = random(6);
      if (op <= 1 || pick < 0) {
        const name = `n${fresh++}`;
        const parentId = parent();
        bucket.push(random(3) === 0 ? folder(name, parentId) : file(name, parentId));
      } else if (op === 2) bucket.splice(pick, 1);
      else if (op === 3) bucket[pick] = { ...bucket[pick], name: `${bucket[pick].name}x` };
      else {
        // Moves: half of them of a folder of this bucket when it has one (into its own subtree too: then hidden).
        const own = bucket.findIndex((e) => e.type === "folder");
        if (op === 5 && own >= 0) pick = own;
        const parentId = parent();
        const { parentId: _old, ...rest } = bucket[pick];
        bucket[pick] = parentId ? { ...rest, parentId: id(parentId) } : rest;
      }
      buckets = buckets.map((old, i) => (i === b ? bucket : old));
      if (random(20) === 0) buckets = [...buckets, []];
      listing = complete(buckets, listing);
      expect(ids(listing)).toEqual(ids(complete(buckets)));
    }
  });
});
