import { describe, expect, it } from "vitest";
import { MAX_IMPORT_FILE_BYTES, MAX_IMPORT_FILES, MAX_IMPORT_TOTAL_BYTES, asText, checkImport, type RawEntry } from "./importCheck";

// The import's pure rules as the ZIP and Git imports apply them (transfers.test runs them end to end).

describe("asText: text or binary by content, never by name", () => {
  it("takes UTF-8 (BOM, CRLF, non-ASCII) as text and NUL bytes or invalid UTF-8 as binary, whatever the name would say", () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    // A PNG's signature and header: what a file named "notes.txt" may hold.
    expect(asText(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toBeNull();
    // Latin-1 bytes are not UTF-8.
    expect(asText(new Uint8Array([0x63, 0x61, 0x66, 0xe9]))).toBeNull();
    // What a file named "logo.png" may hold: plain text.
    expect(asText(encode("<svg xmlns='http://www.w3.org/2000/svg'/>\r\n"))).toBe("<svg xmlns='http://www.w3.org/2000/svg'/>\r\n");
    expect(asText(encode("\ufeffcafé ☕\n"))).toBe("\ufeffcafé ☕\n");
    expect(asText(new Uint8Array())).toBe("");
  });
});

describe("checkImport: the limits, checked before anything is written", () => {
  const file = (path: string, size = 1): RawEntry => ({ path, kind: "file", size });

  it(`refuses the ${MAX_IMPORT_FILES + 1}th file, naming it, and takes ${MAX_IMPORT_FILES}`, () => {
    const entries = Array.from({ length: MAX_IMPORT_FILES }, (_, i) => file(`f/${i}.txt`));
    expect(checkImport(entries).files).toHaveLength(MAX_IMPORT_FILES);
    expect(() => checkImport([...entries, file("f/one-more.txt")])).toThrow(/more than 20,000 files.*f\/one-more\.txt/);
  });

  it("refuses a total past the limit, naming the file that goes past it, and a single file past its own limit", () => {
    const parts = MAX_IMPORT_TOTAL_BYTES / MAX_IMPORT_FILE_BYTES;
    const full = Array.from({ length: parts }, (_, i) => file(`part${i}.bin`, MAX_IMPORT_FILE_BYTES));
    expect(checkImport(full).totalBytes).toBe(MAX_IMPORT_TOTAL_BYTES);
    expect(() => checkImport([...full, file("c.bin", 1)])).toThrow(/bytes of files.*c\.bin/);
    expect(() => checkImport([file("huge.bin", MAX_IMPORT_FILE_BYTES + 1)])).toThrow(/"huge\.bin"\) is too large/);
  });
});

describe("checkImport with unwrap: an archive of one folder imports what is inside it", () => {
  const file = (path: string): RawEntry => ({ path, kind: "file", size: 1 });
  const folder = (path: string): RawEntry => ({ path, kind: "folder", size: 0 });

  it("takes the one top-level folder away from every path, and says which it was", () => {
    const checked = checkImport([folder("app-main/"), file("app-main/package.json"), file("app-main/src/a.ts"), file("__MACOSX/app-main/._a.ts")], {
      unwrap: true,
    });
    expect(checked.unwrapped).toBe("app-main");
    expect(checked.folders).toEqual(["src"]);
    expect(checked.files).toEqual([
      { index: 1, path: "package.json" },
      { index: 2, path: "src/a.ts" },
    ]);
  });

  it("keeps the paths when anything sits beside the folder, when there is no folder, or when not asked", () => {
    expect(checkImport([file("app/a.ts"), file("README.md")], { unwrap: true }).unwrapped).toBe("");
    expect(checkImport([file("app/a.ts"), folder("empty/")], { unwrap: true }).unwrapped).toBe("");
    expect(checkImport([file("a.ts")], { unwrap: true }).files).toEqual([{ index: 0, path: "a.ts" }]);
    expect(checkImport([folder("only/")], { unwrap: true }).folders).toEqual(["only"]);
    expect(checkImport([file("app/a.ts")]).files).toEqual([{ index: 0, path: "app/a.ts" }]);
  });
});
