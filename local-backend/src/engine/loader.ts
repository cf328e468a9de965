import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync, lstatSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { listFunctionModules, modulePathWithoutExtension } from "../modules.js";

// Bundles convex/ with esbuild (npm packages stay external and resolve from the project's
// node_modules through a symlink next to the build) and imports the result.

export type ModuleExports = Record<string, unknown>;

/** What `defineSchema(...)` exports at run time: `export()` is the schema as JSON. */
export interface SchemaDefinition {
  export(): string;
}

export interface LoadedApp {
  generation: number;
  /** "ai/chat" -> module exports */
  modules: Map<string, ModuleExports>;
  schema: SchemaDefinition | null;
  /** CommonJS source of auth.config.ts, re-evaluated on demand so it sees the current environment. */
  authConfigCode: string | null;
}

function nativeImport(url: string): Promise<ModuleExports> {
  return import(/* @vite-ignore */ url) as Promise<ModuleExports>;
}

function findNodeModules(from: string): string | null {
  let dir = path.resolve(from);
  for (;;) {
    const candidate = path.join(dir, "node_modules");
    if (existsSync(path.join(candidate, "convex"))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function firstExisting(dir: string, names: string[]): string | null {
  for (const n of names) {
    const p = path.join(dir, n);
    if (existsSync(p)) return p;
  }
  return null;
}

export async function loadApp(convexDir: string, buildRoot: string, generation: number): Promise<LoadedApp> {
  if (!existsSync(convexDir)) throw new Error(`Convex functions folder ${convexDir} does not exist.`);
  mkdirSync(buildRoot, { recursive: true });
  const nm = findNodeModules(convexDir) ?? findNodeModules(process.cwd());
  const link = path.join(buildRoot, "node_modules");
  if (nm && !existsSync(link)) {
    try {
      lstatSync(link);
      rmSync(link, { force: true });
    } catch {
      // no dangling link to remove
    }
    symlinkSync(nm, link, "junction");
  }
  writeFileSync(path.join(buildRoot, "package.json"), '{ "type": "module" }\n');

  const entryPoints: Record<string, string> = {};
  for (const rel of listFunctionModules(convexDir)) {
    entryPoints[`fn/${modulePathWithoutExtension(rel)}`] = path.join(convexDir, rel);
  }
  const schemaFile = firstExisting(convexDir, ["schema.ts", "schema.js"]);
  if (schemaFile) entryPoints["schema"] = schemaFile;

  const outdir = path.join(buildRoot, `gen-${generation}`);
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    splitting: true,
    outExtension: { ".js": ".mjs" },
    sourcemap: "inline",
    logLevel: "silent",
    absWorkingDir: convexDir,
  });

  let authConfigCode: string | null = null;
  const authFile = firstExisting(convexDir, ["auth.config.ts", "auth.config.js"]);
  if (authFile) {
    const result = await build({
      entryPoints: [authFile],
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node20",
      packages: "external",
      write: false,
      logLevel: "silent",
    });
    authConfigCode = result.outputFiles[0].text;
  }

  const modules = new Map<string, ModuleExports>();
  for (const name of Object.keys(entryPoints)) {
    const file = path.join(outdir, `${name}.mjs`);
    const exports = await nativeImport(pathToFileURL(file).href);
    if (name.startsWith("fn/")) modules.set(name.slice(3), exports);
  }
  let schema: SchemaDefinition | null = null;
  if (schemaFile) {
    const exports = await nativeImport(pathToFileURL(path.join(outdir, "schema.mjs")).href);
    schema = (exports.default as SchemaDefinition | undefined) ?? null;
  }

  for (const entry of readdirSync(buildRoot)) {
    if (entry.startsWith("gen-") && entry !== `gen-${generation}`) rmSync(path.join(buildRoot, entry), { recursive: true, force: true });
  }
  return { generation, modules, schema, authConfigCode };
}

/** convex/auth.config.ts's default export, as far as the engine reads it. */
export interface AuthConfig {
  providers?: unknown;
}

/** Evaluates the bundled auth.config.ts now (it reads process.env at evaluation time). */
export function evaluateAuthConfig(code: string, convexDir: string): AuthConfig | undefined {
  const module: { exports: AuthConfig & { default?: AuthConfig } } = { exports: {} };
  const require = createRequire(path.join(convexDir, "auth.config.js"));
  // The code is the project's own auth.config.ts, bundled by esbuild: it is trusted like every function module.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fn = new Function("module", "exports", "require", code) as (m: unknown, e: unknown, r: unknown) => void;
  fn(module, module.exports, require);
  return module.exports.default ?? module.exports;
}
