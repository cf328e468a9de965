import { describe, expect, it } from "vitest";
import { nameProblem, validateName } from "./names";

describe("validateName", () => {
  it("accepts ordinary names", () => {
    expect(validateName("main.ts", ["a.ts"])).toBeNull();
    expect(validateName(".env", [])).toBeNull();
    expect(validateName("a".repeat(255), [])).toBeNull();
  });
  it("rejects what the server rejects", () => {
    expect(nameProblem("")).toMatch(/required/);
    expect(nameProblem("a".repeat(256))).toMatch(/255/);
    expect(nameProblem(".")).toMatch(/not a valid/);
    expect(nameProblem("..")).toMatch(/not a valid/);
    expect(nameProblem("a/b")).toMatch(/cannot contain/);
    expect(nameProblem("a\\b")).toMatch(/cannot contain/);
    expect(nameProblem("a\u0000b")).toMatch(/cannot contain/);
    expect(nameProblem("a\nb")).toMatch(/cannot contain/);
    expect(nameProblem("a\u0085b")).toMatch(/cannot contain/);
    expect(nameProblem("   ")).toMatch(/only spaces/);
  });
  it("checks uniqueness among siblings, case-sensitively, ignoring the item's own name", () => {
    expect(validateName("a.ts", ["a.ts"])).toMatch(/already exists/);
    expect(validateName("A.ts", ["a.ts"])).toBeNull();
    expect(validateName("a.ts", ["a.ts"], "a.ts")).toBeNull();
  });
});
