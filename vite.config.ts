import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  // asset-manifest.json lists every emitted chunk: public/sw.js precaches them all, so lazily loaded pages and
  // the editor also work offline after a reload.
  build: { target: "es2022", sourcemap: true, manifest: "asset-manifest.json" },
  server: { strictPort: true },
});
