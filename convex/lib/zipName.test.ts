import { describe, expect, it } from "vitest";
import { ZIP_IN_BROWSER_MAX_FILES, ZIP_IN_BROWSER_MAX_UNCACHED, zipFileName, zipOnServer } from "./zipName";

describe("zipOnServer", () => {
  it("zips on the server only online, for a large project or one the browser has not read most of", () => {
    expect(zipOnServer({ online: true, files: 10, uncached: 10 })).toBe(false);
    expect(zipOnServer({ online: true, files: ZIP_IN_BROWSER_MAX_FILES, uncached: 0 })).toBe(false);
    expect(zipOnServer({ online: true, files: ZIP_IN_BROWSER_MAX_FILES + 1, uncached: 0 })).toBe(true);
    expect(zipOnServer({ online: true, files: 500, uncached: ZIP_IN_BROWSER_MAX_UNCACHED + 1 })).toBe(true);
    expect(zipOnServer({ online: false, files: 50_000, uncached: 50_000 })).toBe(false);
  });
});

describe("zipFileName", () => {
  it("keeps letters, digits, dots, dashes and underscores", () => {
    expect(zipFileName("My app (v2)")).toBe("My-app-v2-.zip");
    expect(zipFileName("")).toBe("project.zip");
  });
});
