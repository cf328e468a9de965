import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

/**
 * Opened at a project's address, the page fetches the workspace's code beside the entry instead of after it has
 * run (the entry's own `import()` in AppRoutes.tsx then finds it fetched): an inline script in index.html adds
 * modulepreload links for the WorkspacePage chunk and the chunks it imports, for /p/* only, so the dashboard and
 * sign-in never pay for it. Vite preloads only what the entry imports statically, hence this small plugin.
 */
function preloadWorkspaceRoute(): Plugin {
  let base = "/";
  return {
    name: "polaris:preload-workspace-route",
    apply: "build",
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: "post",
      handler(_html, { bundle, chunk: entry }) {
        if (!bundle || !entry) return;
        const workspace = Object.values(bundle).find(
          (out) => out.type === "chunk" && out.facadeModuleId?.endsWith("/src/app/WorkspacePage.tsx"),
        );
        if (!workspace || workspace.type !== "chunk") throw new Error("preload-workspace-route: no WorkspacePage chunk in the build");
        // Every chunk a chunk imports statically, itself included.
        const closure = (fileName: string, into = new Set<string>()) => {
          if (into.has(fileName)) return into;
          into.add(fileName);
          const out = bundle[fileName];
          if (out?.type === "chunk") for (const next of out.imports) closure(next, into);
          return into;
        };
        const preloaded = closure(entry.fileName);
        const files = [...closure(workspace.fileName)].filter((file) => !preloaded.has(file));
        const hrefs = JSON.stringify(files.map((file) => base + file));
        return [
          {
            tag: "script",
            injectTo: "head",
            children: `if(location.pathname.startsWith("/p/"))for(const h of ${hrefs}){const l=document.createElement("link");l.rel="modulepreload";l.crossOrigin="";l.href=h;document.head.appendChild(l)}`,
          },
        ];
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), preloadWorkspaceRoute()],
  // The terminal panel and the ZIP download are lazy chunks: without these, the dev server finds xterm (or fflate)
  // only when first used, re-optimizes and reloads, and that first dynamic import fails ("Failed to fetch
  // dynamically imported module").
  optimizeDeps: { include: ["@xterm/xterm", "@xterm/addon-fit", "fflate"] },
  // asset-manifest.json lists every emitted chunk: public/sw.js precaches them all, so lazily loaded pages and
  // the editor also work offline after a reload.
  build: { target: "es2022", sourcemap: true, manifest: "asset-manifest.json" },
  server: { strictPort: true },
});
