import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build, version as esbuildVersion, type Metafile, type Plugin } from "esbuild";
import { listFunctionModules, modulePathWithoutExtension } from "../modules.js";

// Bundles convex/ with esbuild (npm packages stay external and resolve from the project's
// node_modules through a symlink next to the build) and imports the result.
// A bundle is kept for the next start: <buildRoot>/bundle.json names its folder and what it was made from (the
// entry points, esbuild's version, and a fingerprint of every file esbuild read: its SHA-256, the names in its
// folder, and the tsconfig.json / jsconfig.json / package.json files on the way up). A start whose fingerprint
// matches imports that folder without bundling. Invariants:
// - A process imports a folder at most once (Node keeps modules by URL, so a second import of a rebuilt folder
//   would return the old modules): a reload, or a start that finds the kept bundle already imported, bundles
//   into a folder this process has not imported.
// - bundle.json is written only after a bundle built and imported, and only if every input esbuild reports still
//   has the size it read, so it never describes files changed during the build.

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
  /** What convex.config.ts installs (the local backend runs none of it); null without a convex.config.ts. */
  components: ComponentsReport | null;
  /** True when the bundle kept from an earlier load was imported, without running esbuild. */
  keptBundle: boolean;
}

/** The components an app's convex.config.ts installs, or why the file could not be read. */
export type ComponentsReport = { ok: true; installed: { name: string; source: string }[] } | { ok: false; error: string };

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

/** Changes whenever what loadApp asks esbuild for changes (the options below), so older bundles are not kept. */
const BUNDLE_FORMAT = 1;
const BUNDLE_RECORD = "bundle.json";
/** Files esbuild consults beside the inputs it reports (compiler options, module type). */
const CONFIG_FILES = ["tsconfig.json", "jsconfig.json", "package.json"];

interface BundleRecord {
  format: number;
  /** Entry points, auth config file and esbuild version (bundleKey). */
  key: string;
  /** The bundle's folder, in the build root. */
  outdir: string;
  authConfigCode: string | null;
  /** "f:<path>" -> SHA-256 of the file ("-" when absent); "d:<path>" -> SHA-256 of the names in the folder. */
  files: Record<string, string>;
}

/** Folders this process has imported modules from (see the invariants above). */
const importedOutdirs = new Set<string>();

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("base64");

function digestOf(entry: string): string {
  const p = entry.slice(2);
  try {
    if (entry.startsWith("d:")) return sha256(readdirSync(p).sort().join("\n"));
    return sha256(readFileSync(p));
  } catch {
    return "-";
  }
}

function bundleKey(entryPoints: Record<string, string>, authFile: string | null): string {
  return sha256(JSON.stringify([BUNDLE_FORMAT, esbuildVersion, process.version, entryPoints, authFile]));
}

/**
 * The fingerprint of a bundle made from `inputs` (esbuild's metafile inputs, relative to convexDir), or null when
 * some input is not a plain file or no longer has the size esbuild read (it changed during the build).
 */
function fingerprint(convexDir: string, inputs: Metafile["inputs"][]): Record<string, string> | null {
  const files: Record<string, string> = {};
  const dirs = new Set<string>();
  for (const set of inputs) {
    for (const [rel, input] of Object.entries(set)) {
      const file = path.resolve(convexDir, rel);
      let content: Buffer;
      try {
        content = readFileSync(file);
      } catch {
        return null;
      }
      if (content.length !== input.bytes) return null;
      files[`f:${file}`] = sha256(content);
      dirs.add(path.dirname(file));
    }
  }
  const seen = new Set<string>();
  for (const dir of dirs) {
    files[`d:${dir}`] = digestOf(`d:${dir}`);
    for (let d = dir; !seen.has(d); d = path.dirname(d)) {
      seen.add(d);
      for (const name of CONFIG_FILES) files[`f:${path.join(d, name)}`] = digestOf(`f:${path.join(d, name)}`);
      if (path.dirname(d) === d) break;
    }
  }
  return files;
}

/** The bundle kept in buildRoot, if it was made from exactly the files there now and this process may import it. */
function keptBundle(buildRoot: string, key: string, entryNames: string[]): BundleRecord | null {
  let record: BundleRecord;
  try {
    record = JSON.parse(readFileSync(path.join(buildRoot, BUNDLE_RECORD), "utf8")) as BundleRecord;
  } catch {
    return null;
  }
  if (record.format !== BUNDLE_FORMAT || record.key !== key || typeof record.outdir !== "string") return null;
  const outdir = path.join(buildRoot, record.outdir);
  if (path.dirname(outdir) !== buildRoot || importedOutdirs.has(outdir)) return null;
  if (!entryNames.every((name) => existsSync(path.join(outdir, `${name}.mjs`)))) return null;
  for (const [entry, digest] of Object.entries(record.files)) if (digestOf(entry) !== digest) return null;
  return record;
}

function writeBundleRecord(buildRoot: string, record: BundleRecord) {
  const file = path.join(buildRoot, BUNDLE_RECORD);
  writeFileSync(file + ".tmp", JSON.stringify(record));
  renameSync(file + ".tmp", file);
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

  const authFile = firstExisting(convexDir, ["auth.config.ts", "auth.config.js"]);
  const key = bundleKey(entryPoints, authFile);
  const kept = keptBundle(buildRoot, key, Object.keys(entryPoints));
  let outdir: string;
  let authConfigCode: string | null;
  let made: BundleRecord | null = null;
  if (kept) {
    outdir = path.join(buildRoot, kept.outdir);
    authConfigCode = kept.authConfigCode;
  } else {
    const dirName = `gen-${process.pid}-${generation}`;
    outdir = path.join(buildRoot, dirName);
    rmSync(outdir, { recursive: true, force: true });
    const main = await build({
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
      metafile: true,
    });
    const inputs: Metafile["inputs"][] = [main.metafile.inputs];
    authConfigCode = null;
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
        absWorkingDir: convexDir,
        metafile: true,
      });
      authConfigCode = result.outputFiles[0].text;
      inputs.push(result.metafile.inputs);
    }
    const files = fingerprint(convexDir, inputs);
    if (files) made = { format: BUNDLE_FORMAT, key, outdir: dirName, authConfigCode, files };
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

  importedOutdirs.add(outdir);
  if (made) writeBundleRecord(buildRoot, made);
  const current = path.basename(outdir);
  for (const entry of readdirSync(buildRoot)) {
    if (entry.startsWith("gen-") && entry !== current) rmSync(path.join(buildRoot, entry), { recursive: true, force: true });
  }
  const appConfig = firstExisting(convexDir, ["convex.config.ts", "convex.config.js"]);
  const components = appConfig ? await readComponents(appConfig, convexDir, buildRoot) : null;
  return { generation, modules, schema, authConfigCode, components, keptBundle: kept !== null };
}

const COMPONENT_CONFIG = /(^|\/)convex\.config(\.[cm]?[jt]s)?$/;

/**
 * Reads which components convex.config.ts installs, by running it as the Convex CLI would: `app.use(def)` needs
 * `def.componentDefinitionPath`, which the CLI's bundler adds to every imported component definition; the plugin
 * below does the same (the import as written), and keeps the definition's own name for `use` to default to.
 */
async function readComponents(file: string, convexDir: string, buildRoot: string): Promise<ComponentsReport> {
  const stub: Plugin = {
    name: "component-definitions",
    setup(b) {
      b.onResolve({ filter: COMPONENT_CONFIG }, async (args) => {
        // The entry itself, the stub's own import of the real definition, and the lookup just below pass through.
        if (args.kind === "entry-point" || args.namespace === "component-definition" || args.pluginData === "real") return undefined;
        const real = await b.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: "real" });
        return { path: args.path, namespace: "component-definition", pluginData: { real: real.errors.length === 0 ? real.path : null } };
      });
      b.onLoad({ filter: /.*/, namespace: "component-definition" }, (args) => {
        const real = (args.pluginData as { real: string | null }).real;
        const spec = JSON.stringify(args.path);
        const contents = real
          ? `import def from ${JSON.stringify(real)}; export default { ...def, componentDefinitionPath: ${spec}, defaultName: def._name };`
          : `export default { componentDefinitionPath: ${spec}, defaultName: ${JSON.stringify(args.path.split("/").slice(-2, -1)[0] ?? args.path)} };`;
        return { contents, loader: "js", resolveDir: real ? path.dirname(real) : convexDir };
      });
      // Everything else from a package (convex/server above all) is loaded at run time from node_modules.
      b.onResolve({ filter: /^[^./]/ }, (args) => (COMPONENT_CONFIG.test(args.path) || args.kind === "entry-point" ? undefined : { path: args.path, external: true }));
    },
  };
  try {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      format: "cjs",
      platform: "node",
      target: "node20",
      write: false,
      logLevel: "silent",
      plugins: [stub],
    });
    const module: { exports: { default?: unknown } } = { exports: {} };
    // Packages resolve through the node_modules link beside the build, as the function modules do.
    const require = createRequire(path.join(buildRoot, "convex.config.cjs"));
    // The project's own convex.config.ts: trusted like every function module.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const fn = new Function("module", "exports", "require", result.outputFiles[0].text) as (m: unknown, e: unknown, r: unknown) => void;
    fn(module, module.exports, require);
    const app = (module.exports.default ?? module.exports) as { _childComponents?: [string, { componentDefinitionPath?: string }][] };
    const installed = (app._childComponents ?? []).map(([name, def]) => ({ name, source: def.componentDefinitionPath ?? "?" }));
    return { ok: true, installed };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message.split("\n")[0] : String(error) };
  }
}

/** The log line for what convex.config.ts installs, or null when it installs nothing. */
export function describeComponents(report: ComponentsReport | null): string | null {
  if (report === null) return null;
  if (!report.ok) {
    return `[engine] convex/convex.config.ts could not be read (${report.error}); the components it installs are not supported by the local backend, and calls to them will fail.`;
  }
  if (report.installed.length === 0) return null;
  const list = report.installed.map((c) => `${c.name} (${c.source})`).join(", ");
  return `[engine] Components are not supported by the local backend: convex/convex.config.ts installs ${list}. Calls to components.${report.installed[0].name}.* (and the others) will fail; the rest of the app runs.`;
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
