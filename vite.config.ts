import { defineConfig, loadEnv, type Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";
import { APP_FRAME_HEADERS } from "./src/lib/siteConfig";

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
  build: { target: "es2022", sourcemap: true },
  // No other origin (a project's preview) may frame the app, from `npm run dev` and `vite preview` as from `npm start`.
  server: { strictPort: true, headers: { ...APP_FRAME_HEADERS } },
  preview: { headers: { ...APP_FRAME_HEADERS } },
}));
