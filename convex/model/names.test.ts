import { ConvexError } from "convex/values";
import { describe, expect, it } from "vitest";
import { checkFileName, checkProjectName, checkTitle, copyName, fileNameProblem, siblingNameProblem } from "./names";

describe("file and folder names", () => {
  it("accepts ordinary names", () => {
    expect(siblingNameProblem("main.ts", ["a.ts"])).toBeNull();
    expect(siblingNameProblem(".env", [])).toBeNull();
    expect(siblingNameProblem("a".repeat(255), [])).toBeNull();
  });
  it("rejects what the server rejects", () => {
    expect(fileNameProblem("")).toMatch(/required/);
    expect(fileNameProblem("a".repeat(256))).toMatch(/255/);
    expect(fileNameProblem(".")).toMatch(/not a valid/);
    expect(fileNameProblem("..")).toMatch(/not a valid/);
    expect(fileNameProblem("a/b")).toMatch(/cannot contain/);
    expect(fileNameProblem("a\\b")).toMatch(/cannot contain/);
    expect(fileNameProblem("a\u0000b")).toMatch(/cannot contain/);
    expect(fileNameProblem("a\nb")).toMatch(/cannot contain/);
    expect(fileNameProblem("a\u0085b")).toMatch(/cannot contain/);
    expect(fileNameProblem("   ")).toMatch(/only spaces/);
    expect(fileNameProblem("README.md ")).toBe("A name cannot end with a space.");
    expect(fileNameProblem("notes.")).toBe("A name cannot end with a dot.");
    expect(fileNameProblem(" a.ts")).toBe("A name cannot start with a space.");
    expect(fileNameProblem("my notes.md")).toBeNull();
  });
  it("checks uniqueness among siblings, ignoring the item's own name; names differing only in case clash", () => {
    expect(siblingNameProblem("a.ts", ["a.ts"])).toMatch(/already exists/);
    expect(siblingNameProblem("readme.md", ["README.md"])).toMatch(/differs from "README\.md" in this folder only in upper and lower case/);
    expect(siblingNameProblem("a.ts", ["a.ts"], "a.ts")).toBeNull();
    // Renaming a file to another case of its own name is fine.
    expect(siblingNameProblem("A.ts", ["a.ts", "b.ts"], "a.ts")).toBeNull();
  });
  it("the server throws INVALID_NAME with the same explanation, and keeps a valid name as typed", () => {
    expect(checkFileName("a  b.ts")).toBe("a  b.ts");
    try {
      checkFileName("a/b");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConvexError);
      expect((error as ConvexError<{ code: string; message: string }>).data).toEqual({
        code: "INVALID_NAME",
        message: fileNameProblem("a/b"),
      });
    }
  });
});

describe("project names and conversation titles", () => {
  it("are trimmed and refused when empty, too long or holding a control character", () => {
    expect(checkProjectName("  Polaris  ")).toBe("Polaris");
    expect(checkTitle(" Plan ")).toBe("Plan");
    expect(() => checkProjectName("   ")).toThrow(/The project name is empty/);
    expect(() => checkTitle("x".repeat(256))).toThrow(/The conversation title is longer than 255 characters/);
    expect(() => checkTitle("a\u0007b")).toThrow(/control character/);
  });
});

describe("copyName", () => {
  it("puts ' copy', ' copy 2' … before the last extension of a file", () => {
    expect(copyName("a.ts", 1, false)).toBe("a copy.ts");
    expect(copyName("a.ts", 2, false)).toBe("a copy 2.ts");
    expect(copyName("archive.tar.gz", 1, false)).toBe("archive.tar copy.gz");
  });
  it("keeps a leading dot in the base name, and ignores dots in folder names", () => {
    expect(copyName(".env", 1, false)).toBe(".env copy");
    expect(copyName("v1.2", 3, true)).toBe("v1.2 copy 3");
  });
});
