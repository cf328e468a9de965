import { describe, expect, it } from "vitest";
import { isEnvName, MAX_ENV_NAME_LENGTH } from "../src/envName";

describe("isEnvName", () => {
  it("accepts what Convex accepts, a leading underscore included", () => {
    for (const name of ["A", "a_good_name", "_PRIVATE", "POLARIS_AI_MODEL", "x1", "A".repeat(MAX_ENV_NAME_LENGTH)]) {
      expect(isEnvName(name), name).toBe(true);
    }
  });
  it("refuses a leading digit, other characters, the empty name and longer names", () => {
    for (const name of ["", "1BAD", "bad name", "bad-name", "bad=name", "é", "A".repeat(MAX_ENV_NAME_LENGTH + 1)]) {
      expect(isEnvName(name), name).toBe(false);
    }
  });
});
