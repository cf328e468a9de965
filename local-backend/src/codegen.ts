import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { listFunctionModules, modulePathWithoutExtension } from "./modules.js";

// Writes convex/_generated/api.d.ts in the shape the Convex CLI writes it (convex/src/cli/codegen_templates), so
// the same file works unchanged against Convex cloud. It is the only generated file that depends on the modules,
// and the only one written here: api.js, server.js, server.d.ts and dataModel.d.ts are the CLI's, committed with
// the project. When one of them is missing, runCodegen names it (it does not write it), so the user can run
// `npx convex codegen` once.

const HEADER = (what: string) => `/* eslint-disable */
/**
 * ${what}
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run \`npm run codegen\` (or \`npx convex dev\` against Convex cloud).
 * @module
 */
`;

const RESERVED = new Set(
  "break case catch class const continue debugger default delete do else export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with let static yield await enum implements interface package private protected public fullApi api internal components".split(
    " ",
  ),
);

function moduleIdentifier(importPath: string): string {
  const id = importPath.replace(/\//g, "_").replace(/-/g, "_");
  return RESERVED.has(id) ? `${id}_` : id;
}

export function apiDts(modules: string[]): string {
  const paths = modules.map(modulePathWithoutExtension);
  return `${HEADER("Generated `api` utility.")}
import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";
${paths.map((p) => `import type * as ${moduleIdentifier(p)} from "../${p}.js";`).join("\n")}

/**
 * A utility for referencing Convex functions in your app's API.
 *
 * Usage:
 * \`\`\`js
 * const myFunctionReference = api.myModule.myFunction;
 * \`\`\`
 */
declare const fullApi: ApiFromModules<{
${paths.map((p) => `  "${p}": typeof ${moduleIdentifier(p)};`).join("\n")}
}>;
export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;
export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;
`;
}

/** The generated files this module does not write, which a project must have. */
export const CLI_GENERATED_FILES = ["api.js", "server.js", "server.d.ts", "dataModel.d.ts"];

export interface CodegenResult {
  /** api.d.ts was (re)written. */
  changed: boolean;
  /** Files of CLI_GENERATED_FILES absent from convex/_generated. */
  missing: string[];
}

/** Regenerates api.d.ts when the modules changed; reports the other generated files that are missing. */
export function runCodegen(convexDir: string): CodegenResult {
  const outDir = path.join(convexDir, "_generated");
  mkdirSync(outDir, { recursive: true });
  const missing = CLI_GENERATED_FILES.filter((f) => !existsSync(path.join(outDir, f)));
  const file = path.join(outDir, "api.d.ts");
  const next = apiDts(listFunctionModules(convexDir));
  const prev = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (prev === next) return { changed: false, missing };
  writeFileSync(file, next);
  return { changed: true, missing };
}

/** The line to log about missing generated files, or null. */
export function describeMissing(missing: string[]): string | null {
  if (missing.length === 0) return null;
  return `codegen: convex/_generated/ lacks ${missing.join(", ")}, which this backend does not write: run \`npx convex codegen\` once (Convex's CLI writes them) and commit them.`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = path.resolve(process.argv[2] ?? "convex");
  const result = runCodegen(dir);
  console.log(result.changed ? `codegen: wrote ${dir}/_generated/api.d.ts` : "codegen: up to date");
  const missing = describeMissing(result.missing);
  if (missing) console.log(missing);
}
