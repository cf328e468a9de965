import { describe, expect, it } from "vitest";
import { entryPaths, visibleEntries, type ListingEntry } from "./listing";

const file = (id: string, name: string, parentId?: string): ListingEntry => ({ _id: id, name, type: "file", ...(parentId ? { parentId } : {}) });
const folder = (id: string, name: string, parentId?: string): ListingEntry => ({ _id: id, name, type: "folder", ...(parentId ? { parentId } : {}) });

/** The rule spelled out naively: walk up from each entry; visible when the walk reaches the root. */
function slowVisible(entries: ListingEntry[]): string[] {
  const byId = new Map(entries.map((e) => [e._id, e]));
  return entries
    .filter((entry) => {
      const seen = new Set<string>();
      for (let cursor: ListingEntry | undefined = entry; cursor !== undefined; ) {
        if (seen.has(cursor._id)) return false;
        seen.add(cursor._id);
        if (cursor.parentId === undefined) return true;
        cursor = byId.get(cursor.parentId);
      }
      return false;
    })
    .map((e) => e._id);
}

describe("visibleEntries", () => {
  it("hides every descendant of a missing folder and keeps the input order", () => {
    // "gone" was deleted: its own entry is missing, its descendants wait for the purge.
    const entries = [
      file("f2", "b.ts", "kept"),
      folder("sub", "sub", "gone"),
      file("deep", "x.ts", "sub"),
      folder("kept", "src"),
      file("f1", "a.ts", "gone"),
      file("root", "README.md"),
    ];
    expect(visibleEntries(entries).map((e) => e._id)).toEqual(["f2", "kept", "root"]);
  });

  it("treats a parent loop as hidden instead of following it forever", () => {
    const entries = [folder("a", "a", "b"), folder("b", "b", "a"), file("c", "c", "a"), file("d", "d")];
    expect(visibleEntries(entries).map((e) => e._id)).toEqual(["d"]);
  });

  it("agrees with the naive walk on random forests with deleted folders", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 50; round++) {
      const entries: ListingEntry[] = [];
      for (let i = 0; i < 200; i++) {
        const parent = i === 0 || random() < 0.2 ? undefined : `n${Math.floor(random() * i)}`;
        entries.push(random() < 0.4 ? folder(`n${i}`, `n${i}`, parent) : file(`n${i}`, `n${i}`, parent));
      }
      const deleted = new Set(entries.filter(() => random() < 0.05).map((e) => e._id));
      const remaining = entries.filter((e) => !deleted.has(e._id)).sort(() => random() - 0.5);
      expect(visibleEntries(remaining).map((e) => e._id)).toEqual(slowVisible(remaining));
    }
  });

  it("handles a chain 100,000 folders deep without exhausting the stack", () => {
    const entries: ListingEntry[] = [folder("d0", "d0")];
    for (let i = 1; i < 100_000; i++) entries.push(folder(`d${i}`, "d", `d${i - 1}`));
    expect(visibleEntries(entries.reverse())).toHaveLength(100_000);
    expect(entryPaths(entries).get("d3")).toBe("d0/d/d/d");
  });
});

describe("entryPaths", () => {
  it("gives each visible entry its project-relative path and leaves hidden ones out", () => {
    const entries = [file("u", "util.ts", "lib"), folder("lib", "lib", "src"), folder("src", "src"), file("o", "orphan.ts", "gone"), file("r", "README.md")];
    expect(Object.fromEntries(entryPaths(entries))).toEqual({
      u: "src/lib/util.ts",
      lib: "src/lib",
      src: "src",
      r: "README.md",
    });
  });
});
