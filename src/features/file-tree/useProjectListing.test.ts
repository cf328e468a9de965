import { describe, expect, it } from "vitest";
import type { Id } from "../../../convex/_generated/dataModel";
import type { ListingEntry, ListingTop } from "../../../convex/lib/validators";
import { joinListing } from "./useProjectListing";

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
