import { describe, expect, it } from "vitest";
import { checkDropped, entriesOf, readAllEntries, refusedMessage, walkEntries, type DroppedItem, type EntryLike } from "./folderDrop";

/** A fake FileSystemFileEntry. */
function fileEntry(name: string, text = name) {
  return { isFile: true, isDirectory: false, name, file: (ok: (f: File) => void) => ok(new File([text], name)) };
}

/**
 * A fake FileSystemDirectoryEntry whose reader answers in batches of `batch` (as Chromium answers 100 at a time),
 * counting the calls, then an empty batch.
 */
function folderEntry(name: string, children: EntryLike[], batch = 2) {
  const calls = { readEntries: 0 };
  return {
    calls,
    isFile: false,
    isDirectory: true,
    name,
    createReader: () => {
      let next = 0;
      return {
        readEntries: (ok: (entries: EntryLike[]) => void) => {
          calls.readEntries++;
          const slice = children.slice(next, next + batch);
          next += slice.length;
          queueMicrotask(() => ok(slice));
        },
      };
    },
  };
}

/** The structure of items as paths, with each file's text. */
async function shape(items: DroppedItem[], prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const item of items) {
    if (item.kind === "file") out.push(`${prefix}${item.name}=${await item.file.text()}`);
    else out.push(`${prefix}${item.name}/`, ...(await shape(item.children, `${prefix}${item.name}/`)));
  }
  return out;
}

describe("folder drop walk", () => {
  it("reads a folder's entries until the reader answers an empty batch", async () => {
    const folder = folderEntry("f", ["a", "b", "c", "d", "e"].map((n) => fileEntry(n)), 2);
    const entries = await readAllEntries(folder);
    expect(entries.map((e) => e.name)).toEqual(["a", "b", "c", "d", "e"]);
    // 3 batches with entries (2, 2, 1) and the empty one that ends the list.
    expect(folder.calls.readEntries).toBe(4);
  });

  it("walks nested folders to the bottom, keeping files' bytes and empty folders", async () => {
    const tree = [
      folderEntry("site", [
        fileEntry("index.html", "<p>hi</p>"),
        folderEntry("css", [fileEntry("a.css", "a{}"), fileEntry("b.css", "b{}"), fileEntry("c.css", "c{}")]),
        folderEntry("empty", []),
      ]),
      fileEntry("top.txt", "top"),
    ];
    expect(await shape(await walkEntries(tree))).toEqual([
      "site/",
      "site/index.html=<p>hi</p>",
      "site/css/",
      "site/css/a.css=a{}",
      "site/css/b.css=b{}",
      "site/css/c.css=c{}",
      "site/empty/",
      "top.txt=top",
    ]);
  });

  it("takes the drop's entries from its items, skipping non-file items", () => {
    const entry = fileEntry("a.txt");
    const items = [
      { kind: "string", webkitGetAsEntry: () => null },
      { kind: "file", webkitGetAsEntry: () => entry },
    ] as unknown as DataTransferItemList;
    expect(entriesOf({ items })).toEqual([entry]);
    expect(entriesOf({ items: [] as unknown as DataTransferItemList })).toBeNull();
  });
});

describe("checkDropped", () => {
  const f = (name: string): DroppedItem => ({ kind: "file", name, file: new File([""], name) });
  const d = (name: string, children: DroppedItem[]): DroppedItem => ({ kind: "folder", name, children });

  it("refuses names the server refuses and case-only twins, naming their paths, and skips .git", () => {
    const checked = checkDropped([
      d("app", [f("README.md"), f("readme.md"), f("ok.ts"), d("bad. ", [f("inner.ts")])]),
      d(".git", [f("HEAD")]),
      f("top.ts"),
    ]);
    // In the tree's order: folders first, then natural, case-blind order.
    expect(checked.items).toEqual([d("app", [f("ok.ts"), f("README.md")]), f("top.ts")]);
    expect(checked.fileCount).toBe(3);
    expect(checked.refused.map((r) => r.path)).toEqual(["app/readme.md", "app/bad. ", ".git"]);
    expect(refusedMessage(checked.refused)).toMatch(/^Not imported: "app\/readme.md" \(.*case\), "app\/bad\. " \(A name cannot end with a space\), "\.git"/);
  });
});
