import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  // The terminal panel is a lazy chunk: without these, the dev server finds xterm only when the panel first opens,
  // re-optimizes and reloads, and that first dynamic import fails ("Failed to fetch dynamically imported module").
  optimizeDeps: { include: ["@xterm/xterm", "@xterm/addon-fit"] },
  // asset-manifest.json lists every emitted chunk: public/sw.js precaches them all, so lazily loaded pages and
  // the editor also work offline after a reload.
  build: { target: "es2022", sourcemap: true, manifest: "asset-manifest.json" },
  server: { strictPort: true },
});
