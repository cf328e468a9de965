import { defineConfig, loadEnv, type Plugin, type Rolldown } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";
import { fileURLToPath } from "node:url";
import { APP_FRAME_HEADERS } from "./src/lib/siteConfig.ts";

/**
 * Opened at a project's address, the page fetches the workspace's code beside the entry instead of after it has
 * run (the entry's own `import()` in app/earlyStart.ts then finds it fetched): an inline script in index.html adds
 * modulepreload links for the WorkspacePage chunk and the chunks it imports, and preload links for their
 * stylesheets, for /p/* only, so the dashboard and
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
          (out) => out.type === "chunk" && out.moduleIds.some((id) => id.endsWith("/src/app/WorkspacePage.tsx")),
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
        // Their stylesheets too: the entry's import() (Vite's preload helper) adds them only once the entry has run,
        // and waits for them before the page may render, one more request in series (the helper then finds them
        // fetched). crossOrigin as the helper's own links, so the preloaded response is the one it uses.
        const css = (fileName: string) => {
          const out = bundle[fileName];
          return out?.type === "chunk" ? [...(out.viteMetadata?.importedCss ?? [])] : [];
        };
        const entryCss = new Set([...preloaded].flatMap(css));
        const styles = JSON.stringify([...new Set(files.flatMap(css))].filter((file) => !entryCss.has(file)).map((file) => base + file));
        return [
          {
            tag: "script",
            // First in <head>: a classic script waits for the stylesheets above it to load before it runs, which
            // held these preloads back until the entry's CSS was in (bench/load's trace: requested ~200 ms late).
            injectTo: "head-prepend",
            children: `if(location.pathname.startsWith("/p/")){const p=(h,r,a)=>{const l=document.createElement("link");l.rel=r;if(a)l.as=a;l.crossOrigin="";l.href=h;document.head.appendChild(l)};for(const h of ${hrefs})p(h,"modulepreload");for(const h of ${styles})p(h,"preload","style")}`,
          },
        ];
      },
    },
  };
}

/**
 * Fewer, larger chunks on the way to the first page: every module the entry imports statically goes into one
 * "boot" chunk, and every module the workspace page imports statically (and the entry does not) into the page's
 * own chunk. Left to itself the bundler splits out each module the entry shares with a lazy chunk (the store, the
 * sync layer, React's DOM bindings, small helpers): 9 scripts and 3 stylesheets before the entry may run, plus 6
 * scripts for the workspace, which over HTTP/1.1's 6 connections per host waited in line (bench/load's
 * waterfall: 6 KiB chunks ending 440 ms after they were asked for, the socket opened only once the last was in).
 * Lazy chunks import what they share from these two; the workspace's is loaded only at a project's page.
 */
function firstLoadChunks(): Rolldown.CodeSplittingGroup[] {
  const entry = fileURLToPath(new URL("./src/main.tsx", import.meta.url));
  const workspace = fileURLToPath(new URL("./src/app/WorkspacePage.tsx", import.meta.url));
  // Per root, the modules it imports statically, itself included (computed once per build).
  const reachable = new Map<string, Set<string>>();
  const from = (root: string, ctx: Rolldown.ChunkingContext): Set<string> => {
    let seen = reachable.get(root);
    if (seen) return seen;
    seen = new Set();
    const stack = [root];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const next of ctx.getModuleInfo(id)?.importedIds ?? []) stack.push(next);
    }
    reachable.set(root, seen);
    return seen;
  };
  // What the entry's other lazy chunks (the service worker's registration) share with the workspace may load on
  // any page: it goes with the entry rather than pull the workspace's chunk into every page. (A group takes in
  // the modules its modules import, so leaving it out of the workspace's group is not enough.)
  let shared: Set<string> | undefined;
  const sharedWithWorkspace = (ctx: Rolldown.ChunkingContext): Set<string> => {
    if (shared) return shared;
    shared = new Set();
    for (const id of from(entry, ctx)) {
      for (const lazy of ctx.getModuleInfo(id)?.dynamicallyImportedIds ?? []) {
        if (lazy === workspace) continue;
        for (const reached of from(lazy, ctx)) if (reached !== lazy && from(workspace, ctx).has(reached)) shared.add(reached);
      }
    }
    return shared;
  };
  return [
    { debugName: "boot", name: (id, ctx) => (from(entry, ctx).has(id) || sharedWithWorkspace(ctx).has(id) ? "boot" : null) },
    { debugName: "WorkspacePage", name: (id, ctx) => (from(workspace, ctx).has(id) ? "WorkspacePage" : null) },
  ];
}

/**
 * The offline app shell (docs/offline.md): a Workbox service worker (sw.js in the build) whose precache list is
 * the build itself, every emitted file but the source maps, so lazily loaded pages, the editor and the terminal
 * also work offline after a reload. Navigations go to the network (a rebuilt app shows at once) and fall back to
 * the precached index.html when it is unreachable (with navigation preload, so the worker never delays the page's
 * request); the backend's /api/* and /polaris/* are never answered from the cache. Registered by src/features/sync/registerServiceWorker.ts, in production builds only.
 */
function offlineShell(clerk: boolean) {
  return VitePWA({
    injectRegister: false,
    manifest: false,
    workbox: {
      globPatterns: ["**/*.{js,css,html,svg}"],
      importScripts: ["sw-routes.js"],
      // The Clerk sign-in chunk loads only when a Clerk key is built in.
      globIgnores: clerk ? [] : ["**/ClerkRoot-*"],
      navigateFallback: null,
      // The page's own request goes out at once, beside the worker's start and fetch handler, instead of after them
      // (the handler below answers with it); offline it fails and the precached index.html answers instead.
      navigationPreload: true,
      cleanupOutdatedCaches: true,
      clientsClaim: true,
      skipWaiting: true,
      runtimeCaching: [
        {
          urlPattern: ({ request, url }) =>
            request.mode === "navigate" && !url.pathname.startsWith("/api/") && !url.pathname.startsWith("/polaris/"),
          handler: "NetworkOnly",
          options: { precacheFallback: { fallbackURL: "index.html" } },
        },
      ],
    },
  });
}

export default defineConfig(({ mode }) => ({
  plugins: [
    react(),
    preloadWorkspaceRoute(),
    offlineShell(Boolean(loadEnv(mode, process.cwd(), "VITE_").VITE_CLERK_PUBLISHABLE_KEY?.trim())),
  ],
  // The terminal panel and the ZIP download are lazy chunks: without these, the dev server finds xterm (or fflate)
  // only when first used, re-optimizes and reloads, and that first dynamic import fails ("Failed to fetch
  // dynamically imported module").
  optimizeDeps: { include: ["@xterm/xterm", "@xterm/addon-fit", "fflate"] },
  build: { target: "es2022", sourcemap: true, rolldownOptions: { output: { codeSplitting: { groups: firstLoadChunks() } } } },
  // No other origin (a project's preview) may frame the app, from `npm run dev` and `vite preview` as from `npm start`.
  server: { strictPort: true, headers: { ...APP_FRAME_HEADERS } },
  preview: { headers: { ...APP_FRAME_HEADERS } },
}));
