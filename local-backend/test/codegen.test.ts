import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI_GENERATED_FILES, describeMissing, runCodegen } from "../src/codegen.js";

// What codegen promises (its header): it writes api.d.ts only, and names the CLI's generated files a project lacks.

let dir: string | null = null;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

describe("codegen", () => {
  it("writes api.d.ts only, and names each missing generated file it does not write", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "polaris-codegen-"));
    writeFileSync(path.join(dir, "notes.ts"), "export const x = 1;\n");
    const first = runCodegen(dir);
    expect(first).toEqual({ changed: true, missing: CLI_GENERATED_FILES });
    expect(readdirSync(path.join(dir, "_generated"))).toEqual(["api.d.ts"]);
    expect(describeMissing(first.missing)).toBe(
      "codegen: convex/_generated/ lacks api.js, server.js, server.d.ts, dataModel.d.ts, which this backend does not write: run `npx convex codegen` once (Convex's CLI writes them) and commit them.",
    );

    for (const f of CLI_GENERATED_FILES.slice(1)) writeFileSync(path.join(dir, "_generated", f), "");
    expect(runCodegen(dir)).toEqual({ changed: false, missing: ["api.js"] });
    writeFileSync(path.join(dir, "_generated", "api.js"), "");
    mkdirSync(path.join(dir, "sub"));
    writeFileSync(path.join(dir, "sub", "more.ts"), "export const y = 2;\n");
    expect(runCodegen(dir)).toEqual({ changed: true, missing: [] });
    expect(describeMissing([])).toBeNull();
  });

  it("finds nothing missing in Polaris's own convex/", () => {
    const own = path.resolve("convex", "_generated");
    for (const f of CLI_GENERATED_FILES) expect(existsSync(path.join(own, f))).toBe(true);
  });
});
