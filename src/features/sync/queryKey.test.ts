import { describe, expect, it } from "vitest";
import { convexToJson } from "convex/values";
import { makeFunctionReference } from "convex/server";
import { canonicalPath, queryToken, TOKEN_CACHE_LIMIT, tokenStats } from "./queryKey";

describe("queryToken", () => {
  it("is the Convex client's key for id-and-name args, and encodes other values as convexToJson does", () => {
    const ids = { projectId: "p1", parentId: "f\"2", name: "ä.ts", Zeta: "z", _id: "x" };
    expect(queryToken("files.js:tree", ids)).toBe(JSON.stringify({ udfPath: "files:tree", args: convexToJson(ids) }));
    const mixed = { projectId: "p1", limit: 10n, paginationOpts: { numItems: 5, cursor: null } };
    expect(queryToken("files:tree", mixed)).toBe(JSON.stringify({ udfPath: "files:tree", args: convexToJson(mixed) }));
    expect(queryToken("files:tree", mixed)).toContain('"$integer"');
    const numbers = { projectId: "p1", bucket: 3, z: 0.5 };
    expect(queryToken("files:listingBucket", numbers)).toBe(JSON.stringify({ udfPath: "files:listingBucket", args: convexToJson(numbers) }));
    for (const special of [-0, Number.NaN, Number.POSITIVE_INFINITY]) {
      const args = { projectId: "p1", bucket: special };
      expect(queryToken("files:listingBucket", args)).toBe(JSON.stringify({ udfPath: "files:listingBucket", args: convexToJson(args) }));
    }
  });

  it("names a function the same way however it is spelled", () => {
    expect(canonicalPath("files.js:tree")).toBe("files:tree");
    expect(canonicalPath("files")).toBe("files:default");
    expect(canonicalPath("files.js")).toBe("files:default");
    const ref = makeFunctionReference<"query">("files.js:tree");
    expect(canonicalPath(ref)).toBe("files:tree");
    expect(canonicalPath(ref)).toBe("files:tree");
  });

  it("keeps a bounded number of tokens: fresh args objects do not pile up, args read again are found", () => {
    // A WeakMap here grew with every fresh `{ fileId }` until a full collection, and one insert that grew its
    // table blocked a replay of 5,000 writes for ~250 ms.
    const bucket = { projectId: "p1", bucket: 0 };
    const first = queryToken("files:listingBucket", bucket);
    const made = tokenStats.made;
    for (let i = 0; i < 3 * TOKEN_CACHE_LIMIT; i++) {
      expect(queryToken("files:get", { fileId: `f${i % 7}` })).toBe(`{"udfPath":"files:get","args":{"fileId":"f${i % 7}"}}`);
      expect(tokenStats.cached()).toBeLessThanOrEqual(TOKEN_CACHE_LIMIT);
    }
    expect(tokenStats.made - made).toBe(3 * TOKEN_CACHE_LIMIT);
    const again = tokenStats.made;
    expect(queryToken("files:listingBucket", bucket)).toBe(first);
    for (let i = 0; i < 100; i++) queryToken("files:listingBucket", bucket);
    // At most once more (when the cache was emptied since), then found every time.
    expect(tokenStats.made - again).toBeLessThanOrEqual(1);
  });
});
