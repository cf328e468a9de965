// A production install (`npm ci --omit=dev`) must be able to start Polaris: every package that the local backend,
// the CLI or the site's build configuration imports at run time is a `dependency`, and every package any of the
// project's own scripts import is declared somewhere.
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/spawn.js";

interface PackageJson {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(ts|tsx|mjs|js)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Bare package names a file imports (static or dynamic), without node: built-ins and relative paths. */
function importedPackages(source: string): string[] {
  const names = new Set<string>();
  const statics = /^\s*(?:import|export)\b[^;]*?\bfrom\s+["']([^"'./][^"']*)["']/gm;
  const dynamics = /\bimport\s*\(\s*["']([^"'./][^"']*)["']\s*\)/g;
  for (const match of [...source.matchAll(statics), ...source.matchAll(dynamics)]) {
    const spec = match[1];
    if (spec.startsWith("node:")) continue;
    const parts = spec.split("/");
    names.add(spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]);
  }
  return [...names];
}

async function importsUnder(...dirsOrFiles: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const entry of dirsOrFiles) {
    const full = path.join(ROOT, entry);
    const files = entry.includes(".") ? [full] : await sourceFiles(full);
    for (const file of files) {
      for (const name of importedPackages(await readFile(file, "utf8"))) {
        if (!found.has(name)) found.set(name, path.relative(ROOT, file));
      }
    }
  }
  return found;
}

const pkg = JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")) as PackageJson;

describe("package.json", () => {
  it("declares what the backend, the CLI and the site build import at run time as dependencies", async () => {
    const runtime = await importsUnder("local-backend/src", "vite.config.ts");
    const missing = [...runtime].filter(([name]) => !(name in pkg.dependencies)).map(([n, f]) => `${n} (${f})`);
    expect(missing).toEqual([]);
    // `npm start` runs the CLI through tsx.
    expect(pkg.dependencies).toHaveProperty("tsx");
  });

  it("declares every package the tests, e2e runner and benchmarks import", async () => {
    const all = await importsUnder("bench", "e2e", "tests", "local-backend/test");
    const missing = [...all]
      .filter(([name]) => !(name in pkg.dependencies) && !(name in pkg.devDependencies))
      .map(([n, f]) => `${n} (${f})`);
    expect(missing).toEqual([]);
  });
});
