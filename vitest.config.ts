import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// Four projects: Convex functions in the edge runtime (as Convex runs them), React components in jsdom,
// and the local backend and the runner (Node servers) in node.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "convex",
          environment: "edge-runtime",
          include: ["convex/**/*.test.ts", "tests/functions/**/*.test.ts"],
          server: { deps: { inline: ["convex-test"] } },
        },
      },
      {
        plugins: [react()],
        test: {
          name: "components",
          environment: "jsdom",
          include: ["src/**/*.test.{ts,tsx}"],
          setupFiles: ["src/test/setup.ts"],
        },
      },
      {
        test: {
          name: "local-backend",
          environment: "node",
          include: ["local-backend/test/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: "runner",
          environment: "node",
          include: ["runner/test/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
