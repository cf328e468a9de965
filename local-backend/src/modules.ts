import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const ENTRY_EXTENSIONS = [".ts", ".tsx", ".js", ".mjs", ".cjs", ".jsx"];

/**
 * The function modules of a `convex/` folder, as paths relative to it with forward slashes, sorted.
 * Mirrors the Convex CLI's entry-point rules (convex/src/bundler/index.ts `entryPoints`): skips
 * `_generated/`, dotfiles, `schema.ts`, names with more than one dot (`auth.config.ts`, `*.test.ts`),
 * paths with spaces, and TypeScript files without an import or export.
 */
export function listFunctionModules(convexDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const rel = path.relative(convexDir, full).split(path.sep).join("/");
      if (entry.isDirectory()) {
        if (rel === "_generated" || rel === "node_modules" || entry.name.startsWith(".")) continue;
        walk(full);
        continue;
      }
      const base = entry.name;
      if (!ENTRY_EXTENSIONS.some((ext) => base.endsWith(ext))) continue;
      if (base.startsWith(".") || base.startsWith("#")) continue;
      if (base === "schema.ts" || base === "schema.js") continue;
      if ((base.match(/\./g) ?? []).length > 1) continue;
      if (rel.includes(" ")) continue;
      if ((base.endsWith(".ts") || base.endsWith(".tsx")) && !/^\s{0,100}(import|export)/m.test(readFileSync(full, "utf8"))) {
        continue;
      }
      if (!statSync(full).isFile()) continue;
      out.push(rel);
    }
  };
  walk(convexDir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** "ai/chat.ts" -> "ai/chat" */
export function modulePathWithoutExtension(rel: string): string {
  const dot = rel.lastIndexOf(".");
  return dot === -1 ? rel : rel.slice(0, dot);
}
