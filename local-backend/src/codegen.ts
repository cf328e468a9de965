import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { listFunctionModules, modulePathWithoutExtension } from "./modules.js";

// Writes convex/_generated/ in the shape the Convex CLI writes it (convex/src/cli/codegen_templates), so the same
// files work unchanged against Convex cloud. server.* and dataModel.d.ts do not depend on the modules; api.d.ts does.

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

/** Regenerates api.d.ts; returns true when it changed. Other generated files are written once when missing. */
export function runCodegen(convexDir: string): boolean {
  const outDir = path.join(convexDir, "_generated");
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, "api.d.ts");
  const next = apiDts(listFunctionModules(convexDir));
  const prev = existsSync(file) ? readFileSync(file, "utf8") : "";
  if (prev === next) return false;
  writeFileSync(file, next);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = path.resolve(process.argv[2] ?? "convex");
  console.log(runCodegen(dir) ? `codegen: wrote ${dir}/_generated/api.d.ts` : "codegen: up to date");
}
