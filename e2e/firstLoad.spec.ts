import type { WebSocketRoute } from "@playwright/test";
import { expect, test } from "./drivers/fixtures";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { createProject, serverFor, signIn, UI } from "./drivers";

// First load (issue 18): a user with a stored, unexpired token gets the workspace at once, and its first queries
// leave on the same connection as the token instead of waiting for the backend to confirm it. The backend's
// answers are held back until the page has shown the workspace and sent its queries, so the order is proven by
// events, not by timing.

test("with a stored token the workspace shows and sends its queries before the backend has answered anything", async ({
  page,
  context,
}) => {
  await signIn(page);
  await createProject(page, "Quick start");
  const href = await UI.projectLink(page, "Quick start").getAttribute("href");
  const projectId = href!.split("/").pop() as Id<"projects">;
  const server = await serverFor(page);
  await server.mutation(api.files.createMany, { projectId, items: [{ name: "first.ts", content: "export {};\n" }] });

  // A second page of the same profile (same stored session), its socket to the backend held by the test.
  const fresh = await context.newPage();
  const sent: string[] = [];
  let held: string[] | null = [];
  let route: WebSocketRoute | null = null;
  await fresh.routeWebSocket(/\/api\/[^/]+\/sync$/, (ws) => {
    route = ws;
    const backend = ws.connectToServer();
    ws.onMessage((message) => {
      sent.push(String(message));
      backend.send(message);
    });
    backend.onMessage((message) => {
      if (held) held.push(String(message));
      else ws.send(message);
    });
  });
  const signIns: string[] = [];
  fresh.on("request", (request) => void (request.url().includes("/polaris/auth/sign-in") && signIns.push(request.url())));
  await fresh.goto(href!);

  // Nothing has come back from the backend, yet the workspace is on screen and has asked for the project.
  await expect(fresh.getByRole("region", { name: "Explorer" })).toBeVisible();
  await expect.poll(() => sent.some((m) => m.includes('"ModifyQuerySet"') && m.includes("projects:get"))).toBe(true);
  const types = sent.map((m) => (JSON.parse(m) as { type: string }).type);
  expect(types.indexOf("Authenticate"), "the token goes before the first query").toBeGreaterThanOrEqual(0);
  expect(types.indexOf("Authenticate")).toBeLessThan(sent.findIndex((m) => m.includes("projects:get")));

  // Released, the answers fill the tree.
  const pending = held;
  held = null;
  for (const message of pending) route!.send(message);
  await expect(fresh.getByRole("tree", { name: "Files" }).getByRole("treeitem", { name: "first.ts" })).toBeVisible();
  // The stored token was valid: every Authenticate carries it (the dev server's StrictMode signs the provider
  // out and in again, so it may be sent more than once here) and no new one was asked for.
  const stored = await fresh.evaluate(() => (JSON.parse(localStorage.getItem("polaris.localSession")!) as { token: string }).token);
  const tokens = sent
    .map((m) => JSON.parse(m) as { type: string; tokenType?: string; value?: string })
    .filter((m) => m.type === "Authenticate" && m.tokenType === "User")
    .map((m) => m.value);
  expect(tokens.length).toBeGreaterThan(0);
  expect(new Set(tokens)).toEqual(new Set([stored]));
  expect(signIns).toEqual([]);
});

test("opened at a project's address, the production build asks for the workspace's code and stylesheet before its entry script has run", async ({
  page,
}) => {
  // The backend serves the production build (npm start); its index.html's first script preloads the workspace's
  // chunks and stylesheets at /p/*. The project need not exist: what is checked is the order of the page's requests.
  await page.goto(`${process.env.POLARIS_E2E_BACKEND_URL}/p/no-such-project`);
  await page.waitForLoadState("load");
  const requests = await page.evaluate(() =>
    (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).map((e) => ({
      path: new URL(e.name).pathname,
      start: e.startTime,
      end: e.responseEnd,
    })),
  );
  // The entry runs once it and its static imports are in: the modulepreload links index.html itself carries (the
  // boot chunk; the entry file alone is small and can end before anything else has started).
  const html = await (await page.request.get(page.url(), { headers: { accept: "text/html" } })).text();
  const statics = [...html.matchAll(/<link rel="modulepreload" crossorigin href="([^"]+)"/g)].map((m) => m[1]);
  expect(statics.length, "index.html preloads the entry's static imports").toBeGreaterThan(0);
  const entryFile = requests.find((r) => /^\/assets\/index-[\w-]+\.js$/.test(r.path));
  const imports = requests.filter((r) => statics.includes(r.path));
  expect(imports, JSON.stringify(requests)).toHaveLength(statics.length);
  const entry = entryFile && { ...entryFile, end: Math.max(entryFile.end, ...imports.map((r) => r.end)) };
  const code = requests.filter((r) => /^\/assets\/WorkspacePage-[\w-]+\.js$/.test(r.path));
  const style = requests.filter((r) => /^\/assets\/WorkspacePage-[\w-]+\.css$/.test(r.path));
  expect(entry, JSON.stringify(requests)).toBeDefined();
  expect(code, "the workspace's code is fetched once").toHaveLength(1);
  // Once: the stylesheet link Vite's helper adds when the entry asks for the page finds the preloaded response.
  expect(style, "the workspace's stylesheet is fetched once").toHaveLength(1);
  // The entry runs only once it and its static imports have ended; the app's own import() would ask for both after that.
  expect(code[0].start).toBeLessThan(entry!.end);
  expect(style[0].start).toBeLessThan(entry!.end);
});
