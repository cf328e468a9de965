// The built web app served by the backend itself (`npm start`): files of the build, index.html with the backend's
// URL for every page, the app's HTTP actions before that fallback, and the backend's own paths never shadowed.
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sourceFingerprint } from "../src/site.js";
import { startTestBackend, type TestBackend } from "./helpers/backend.js";

let backend: TestBackend;
let siteDir: string;

beforeAll(async () => {
  siteDir = await mkdtemp(path.join(tmpdir(), "polaris-site-"));
  await mkdir(path.join(siteDir, "assets"));
  await mkdir(path.join(siteDir, "api"));
  await writeFile(path.join(siteDir, "index.html"), "<!doctype html><html><head><title>P</title></head><body></body></html>");
  await writeFile(path.join(siteDir, "assets", "app-1234.js"), "console.log('app')");
  await writeFile(path.join(siteDir, "sw.js"), "/* sw */");
  await writeFile(path.join(siteDir, "api", "query"), "must never be served");
  backend = await startTestBackend({ siteDir, runnerUrl: "http://127.0.0.1:3211" });
});
afterAll(async () => {
  await backend.stop();
  await rm(siteDir, { recursive: true, force: true });
});

const html = { Accept: "text/html,application/xhtml+xml" };

describe("the site served by the backend", () => {
  it("serves index.html at / with the backend's URL in it", async () => {
    const res = await fetch(`${backend.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const body = await res.text();
    expect(body).toContain(`<meta name="polaris-convex-url" content="${backend.url}" />`);
    expect(body.indexOf("polaris-convex-url")).toBeLessThan(body.indexOf("</head>"));
    // The runner's address too, and no other origin (a project's preview) may frame the app.
    expect(body).toContain('<meta name="polaris-runner-url" content="http://127.0.0.1:3211" />');
    expect(res.headers.get("content-security-policy")).toBe("frame-ancestors 'self'");
  });

  it("serves build files, hashed assets cached for good", async () => {
    const asset = await fetch(`${backend.url}/assets/app-1234.js`);
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe("console.log('app')");
    expect(asset.headers.get("cache-control")).toMatch(/immutable/);
    const sw = await fetch(`${backend.url}/sw.js`);
    expect(sw.status).toBe(200);
    expect(sw.headers.get("cache-control")).toBe("no-cache");
  });

  it("answers pages of the app with index.html, after the app's own HTTP routes", async () => {
    const page = await fetch(`${backend.url}/projects/abc`, { headers: html });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("polaris-convex-url");
    const route = await fetch(`${backend.url}/hello`, { headers: html });
    expect(await route.text()).toMatch(/^hello GET/);
    const missing = await fetch(`${backend.url}/missing.js`);
    expect(missing.status).toBe(404);
  });

  it("never serves the build over the backend's own paths", async () => {
    const res = await fetch(`${backend.url}/api/query`, { headers: html });
    expect(await res.text()).not.toContain("must never be served");
  });
});

describe("sourceFingerprint", () => {
  it("changes when a source file changes, and only then", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "polaris-src-"));
    try {
      await mkdir(path.join(root, "src"));
      await writeFile(path.join(root, "src", "a.ts"), "a");
      await writeFile(path.join(root, "index.html"), "<html></html>");
      const first = await sourceFingerprint(root);
      expect(await sourceFingerprint(root)).toBe(first);
      await writeFile(path.join(root, "README.md"), "not a source");
      expect(await sourceFingerprint(root)).toBe(first);
      await writeFile(path.join(root, "src", "a.ts"), "ab");
      const second = await sourceFingerprint(root);
      expect(second).not.toBe(first);
      await utimes(path.join(root, "src", "a.ts"), new Date(0), new Date(0));
      expect(await sourceFingerprint(root)).not.toBe(second);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
