import { execFile } from "node:child_process";
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { loadApp } from "../src/engine/loader.js";
import { installRuntime } from "../src/engine/runtime.js";
import { FIXTURE_CONVEX, removeDir, tempDir } from "./engineHarness.js";

// The bundle of convex/ is kept between starts (engine/loader.ts): a start whose convex/ is unchanged imports it
// without esbuild, and any change to a file esbuild read, to a folder holding one, or to a config file on the way
// up bundles again. A start is a new process, so each load below runs in its own.

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "loadAppChild.ts");
const run = promisify(execFile);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDir(d);
});

function project() {
  const root = tempDir("polaris-loader-");
  dirs.push(root);
  const convexDir = path.join(root, "convex");
  cpSync(FIXTURE_CONVEX, convexDir, { recursive: true });
  mkdirSync(path.join(convexDir, "lib"));
  writeFileSync(path.join(convexDir, "lib", "version.ts"), 'export const version = "v1";\n');
  writeFileSync(path.join(convexDir, "marker.ts"), 'import { version } from "./lib/version";\nexport const marker = version;\n');
  return { convexDir, buildRoot: path.join(root, "data", "build") };
}

async function start(p: { convexDir: string; buildRoot: string }): Promise<{ kept: boolean; marker: string | null }> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", CHILD, p.convexDir, p.buildRoot]);
  return JSON.parse(stdout) as { kept: boolean; marker: string | null };
}

describe("loadApp keeps the bundle between starts", () => {
  it("imports an unchanged convex/ without bundling, and bundles again after any change esbuild would see", async () => {
    const p = project();
    expect(await start(p)).toEqual({ kept: false, marker: "v1" });
    expect(await start(p)).toEqual({ kept: true, marker: "v1" });
    // A file imported by a module (not itself an entry point) changes.
    writeFileSync(path.join(p.convexDir, "lib", "version.ts"), 'export const version = "v2";\n');
    expect(await start(p)).toEqual({ kept: false, marker: "v2" });
    expect(await start(p)).toEqual({ kept: true, marker: "v2" });
    // A new file beside an imported one could change what an import resolves to.
    writeFileSync(path.join(p.convexDir, "lib", "version.js"), 'export const version = "js";\n');
    expect((await start(p)).kept).toBe(false);
    // A tsconfig.json on the way up changes how esbuild compiles.
    writeFileSync(path.join(path.dirname(p.convexDir), "tsconfig.json"), "{}\n");
    expect((await start(p)).kept).toBe(false);
    expect((await start(p)).kept).toBe(true);
  }, 120_000);

  it("never imports one folder twice in a process: a reload of unchanged code bundles into a new one", async () => {
    const p = project();
    installRuntime();
    const first = await loadApp(p.convexDir, p.buildRoot, 1);
    const second = await loadApp(p.convexDir, p.buildRoot, 2);
    expect([first.keptBundle, second.keptBundle]).toEqual([false, false]);
    expect(second.modules.get("marker")?.marker).toBe("v1");
    expect(second.modules.get("marker")).not.toBe(first.modules.get("marker"));
  }, 60_000);
});
