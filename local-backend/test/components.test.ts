import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, cp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { describeComponents } from "../src/engine/loader.js";
import { startTestBackend } from "./helpers/backend.js";

// Issue 12 item 18: an app whose convex.config.ts installs components loads, and the backend says at start,
// once, which components it will not run, instead of failing only when one is called.

const FIXTURE = fileURLToPath(new URL("./fixtures/components", import.meta.url));

describe("convex.config.ts with components", () => {
  it("names every installed component once at start, and once more only when the list changes", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "polaris-components-"));
    await cp(FIXTURE, root, { recursive: true });
    // A component from a package that is not installed: named as written, as the Convex CLI names it.
    const config = path.join(root, "convex", "convex.config.ts");
    writeFileSync(
      config,
      readFileSync(config, "utf8")
        .replace('import counter from "../counter/convex.config";', 'import counter from "../counter/convex.config";\nimport limiter from "@acme/rate-limiter/convex.config.js";')
        .replace("export default app;", "app.use(limiter);\nexport default app;"),
    );
    const logs: string[] = [];
    const backend = await startTestBackend({ convexDir: path.join(root, "convex"), log: (l) => logs.push(l) });
    try {
      const said = () => logs.filter((l) => l.includes("Components are not supported"));
      expect(said()).toEqual([
        "[engine] Components are not supported by the local backend: convex/convex.config.ts installs counter (../counter/convex.config), " +
          "secondCounter (../counter/convex.config), rate-limiter (@acme/rate-limiter/convex.config.js). " +
          "Calls to components.counter.* (and the others) will fail; the rest of the app runs.",
      ]);
      const res = await fetch(`${backend.url}/api/query`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ path: "notes:hello", args: [{}] }),
      });
      expect(((await res.json()) as { value: string }).value).toBe("the app itself runs");

      await backend.engine.reload();
      expect(said()).toHaveLength(1);

      writeFileSync(
        path.join(root, "convex", "convex.config.ts"),
        'import { defineApp } from "convex/server";\nimport counter from "../counter/convex.config";\nconst app = defineApp();\napp.use(counter);\nexport default app;\n',
      );
      await backend.engine.reload();
      expect(said()).toHaveLength(2);
      expect(said()[1]).toMatch(/installs counter \(\.\.\/counter\/convex\.config\)\. Calls/);
    } finally {
      await backend.stop();
      await rm(root, { recursive: true, force: true });
    }
  });

  it("says nothing for an app without components, and says why when convex.config.ts cannot be read", () => {
    expect(describeComponents(null)).toBeNull();
    expect(describeComponents({ ok: true, installed: [] })).toBeNull();
    expect(describeComponents({ ok: false, error: "boom" })).toBe(
      "[engine] convex/convex.config.ts could not be read (boom); the components it installs are not supported by the local backend, and calls to them will fail.",
    );
  });
});
