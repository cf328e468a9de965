import { describe, expect, it } from "vitest";
import { MAX_IMPORT_FILE_BYTES, MAX_IMPORT_FILES, MAX_IMPORT_TOTAL_BYTES } from "../../../convex/lib/importCheck";
import {
  checkDropped,
  dropLimitProblem,
  entriesOf,
  offlineDropProblem,
  readAllEntries,
  readDroppedTexts,
  refusedMessage,
  walkEntries,
  type DroppedItem,
  type EntryLike,
} from "./folderDrop";

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

describe("a drop's limits, checked before anything is written", () => {
  /** A file claiming `size` bytes without holding them (only the size is read by the check). */
  const sized = (name: string, size: number): DroppedItem => {
    const file = new File([""], name);
    Object.defineProperty(file, "size", { value: size });
    return { kind: "file", name, file };
  };
  const d = (name: string, children: DroppedItem[]): DroppedItem => ({ kind: "folder", name, children });

  it("refuses a file over the per-file limit, naming it by its path in the drop", () => {
    const items = checkDropped([d("assets", [sized("ok.png", 10), sized("huge.bin", MAX_IMPORT_FILE_BYTES + 1)])]).items;
    expect(dropLimitProblem(items)).toMatch(/^Nothing was imported: "assets\/huge\.bin" is too large: 33,554,433 bytes, over the limit of 33,554,432 bytes per file\.$/);
    expect(dropLimitProblem(checkDropped([sized("edge.bin", MAX_IMPORT_FILE_BYTES)]).items)).toBeNull();
  });

  it("refuses more files or more bytes than one import may bring, naming the first file past the limit", () => {
    const many = Array.from({ length: MAX_IMPORT_FILES + 1 }, (_, i) => sized(`f${String(i).padStart(5, "0")}.txt`, 1));
    expect(dropLimitProblem(checkDropped([d("many", many)]).items)).toMatch(/more than 20,000 files.*"many\/f20000\.txt" is one too many/);
    expect(dropLimitProblem(checkDropped([d("many", many.slice(1))]).items)).toBeNull();
    const big = MAX_IMPORT_FILE_BYTES;
    const heavy = Array.from({ length: MAX_IMPORT_TOTAL_BYTES / big + 1 }, (_, i) => sized(`b${i}.bin`, big));
    expect(dropLimitProblem(checkDropped(heavy).items)).toMatch(/more than 134,217,728 bytes.*"b4\.bin" goes past it/);
    expect(dropLimitProblem(checkDropped(heavy.slice(1)).items)).toBeNull();
  });

  it("offline, a drop holding a binary is refused whole, naming it; small text alone may be written", async () => {
    const text = (name: string, body: string): DroppedItem => ({ kind: "file", name, file: new File([body], name) });
    const binary: DroppedItem = { kind: "file", name: "logo.png", file: new File([new Uint8Array([0x89, 0x50, 0, 1])], "logo.png") };
    const items = checkDropped([d("site", [text("a.txt", "a"), d("img", [binary]), text("b.md", "# b")])]).items;
    const texts = await readDroppedTexts(items);
    expect([...texts.values()]).toEqual([null, "a", "# b"]);
    expect(offlineDropProblem(items, texts)).toBe(
      'Nothing was imported: "site/img/logo.png" must be uploaded to storage (a binary file or text over the editor\'s limit), which needs a connection. Drop it again once online.',
    );
    const textOnly = checkDropped([d("site", [text("a.txt", "a")])]).items;
    expect(offlineDropProblem(textOnly, await readDroppedTexts(textOnly))).toBeNull();
  });
});
