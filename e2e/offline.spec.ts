import { expect, test, type Page } from "@playwright/test";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { createProject, signIn, UI } from "./drivers";

// Offline editing end to end, against the real local backend: nothing typed while offline is lost, a reload
// while still offline shows every pending change, and on reconnect each change reaches the server exactly once.
// Needs the feature code wired onto src/features/sync (useSyncedQuery / useDurableMutation).

const BACKEND_URL = "http://127.0.0.1:3290";

/** A second client of the same user, talking HTTP, to seed and to check what the server really holds. */
async function serverFor(page: Page): Promise<ConvexHttpClient> {
  const session = await page.evaluate(() => localStorage.getItem("polaris.localSession"));
  const { token } = JSON.parse(session ?? "{}") as { token?: string };
  if (!token) throw new Error("No local session in the page: sign in first.");
  const client = new ConvexHttpClient(BACKEND_URL);
  client.setAuth(token);
  return client;
}

const Tree = {
  root: (page: Page) => page.getByRole("tree"),
  item: (page: Page, name: string) => page.getByRole("tree").getByRole("treeitem", { name, exact: true }),
};

async function openFile(page: Page, name: string) {
  await Tree.item(page, name).click();
  await expect(page.getByRole("tablist", { name: "Open files" }).getByRole("tab", { name: new RegExp(name) })).toBeVisible();
}

async function typeAtEnd(page: Page, text: string) {
  const editor = page.locator(".cm-content").first();
  await editor.click();
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.type(text);
}

async function editorText(page: Page): Promise<string> {
  return page.locator(".cm-content").first().innerText();
}

test("offline edits, creates, renames, moves and deletes survive a reload and reach the server once", async ({ page, context }) => {
  await signIn(page);
  await createProject(page, "Voyager");
  const server = await serverFor(page);
  const project = (await server.query(api.projects.list, {})).find((p) => p.name === "Voyager")!;
  const projectId = project._id;
  const a = await server.mutation(api.files.createFile, { projectId, name: "a.ts", content: "const a = 1;\n" });
  await server.mutation(api.files.createFile, { projectId, name: "b.ts", content: "const b = 2;\n" });
  const src = await server.mutation(api.files.createFolder, { projectId, name: "src" });
  await server.mutation(api.files.createFile, { projectId, name: "old.ts", content: "old\n" });
  await server.mutation(api.files.createFile, { projectId, name: "mover.ts", content: "m\n" });
  await server.mutation(api.files.createFile, { projectId, name: "gone.ts", content: "g\n" });

  await UI.projectLink(page, "Voyager").click();
  await expect(Tree.item(page, "gone.ts")).toBeVisible();
  // Open both files once online so their content is cached for the offline reload.
  await openFile(page, "a.ts");
  await openFile(page, "b.ts");

  await context.setOffline(true);
  await openFile(page, "a.ts");
  await typeAtEnd(page, "// offline a\n");
  await openFile(page, "b.ts");
  await typeAtEnd(page, "// offline b\n");

  await page.getByRole("button", { name: "New File" }).click();
  await page.keyboard.type("fresh.ts");
  await page.keyboard.press("Enter");
  await expect(Tree.item(page, "fresh.ts")).toBeVisible();

  await Tree.item(page, "old.ts").focus();
  await page.keyboard.press("F2");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("renamed.ts");
  await page.keyboard.press("Enter");
  await expect(Tree.item(page, "renamed.ts")).toBeVisible();

  await Tree.item(page, "mover.ts").focus();
  await page.keyboard.press("Control+X");
  await Tree.item(page, "src").focus();
  await page.keyboard.press("Control+V");

  await Tree.item(page, "gone.ts").focus();
  await page.keyboard.press("Delete");
  const confirm = page.getByRole("alertdialog");
  if (await confirm.isVisible().catch(() => false)) await confirm.getByRole("button", { name: /Delete/ }).click();
  await expect(Tree.item(page, "gone.ts")).toHaveCount(0);
  await expect(page.getByRole("button", { name: /Offline.*pending/ })).toBeVisible();

  // Reload with no network: the service worker serves the shell, IndexedDB the data and the outbox.
  await page.waitForTimeout(600); // autosave debounce (400 ms) so the last keystrokes are in the outbox
  await page.reload();
  await expect(Tree.item(page, "fresh.ts")).toBeVisible();
  await expect(Tree.item(page, "renamed.ts")).toBeVisible();
  await expect(Tree.item(page, "old.ts")).toHaveCount(0);
  await expect(Tree.item(page, "gone.ts")).toHaveCount(0);
  await openFile(page, "a.ts");
  expect(await editorText(page)).toContain("// offline a");

  // Meanwhile another client edits a.ts at a different line: the offline edit merges with it.
  await server.mutation(api.files.updateContent, { fileId: a, content: "// header\nconst a = 1;\n", baseRevision: 1 });

  await context.setOffline(false);
  await expect(page.getByRole("button", { name: "Online" })).toBeVisible({ timeout: 30_000 });

  const files = await server.query(api.files.tree, { projectId });
  const byName = new Map(files.map((f) => [f.name, f]));
  expect([...byName.keys()].sort()).toEqual(["a.ts", "b.ts", "fresh.ts", "mover.ts", "renamed.ts", "src"]);
  expect(byName.get("mover.ts")!.parentId).toBe(src);
  expect(files.filter((f) => f.name === "fresh.ts")).toHaveLength(1);
  const aFile = await server.query(api.files.get, { fileId: a });
  expect(aFile.content).toBe("// header\nconst a = 1;\n// offline a\n");
  const bFile = await server.query(api.files.get, { fileId: byName.get("b.ts")!._id });
  expect(bFile.content).toBe("const b = 2;\n// offline b\n");
});

test("overlapping offline and online edits end in a visible conflict, and both texts are kept", async ({ page, context }) => {
  await signIn(page);
  await createProject(page, "Pioneer");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Pioneer")!._id;
  const fileId: Id<"files"> = await server.mutation(api.files.createFile, { projectId, name: "c.ts", content: "x\n" });
  await UI.projectLink(page, "Pioneer").click();
  await openFile(page, "c.ts");

  await context.setOffline(true);
  await page.locator(".cm-content").first().click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("mine\n");
  await page.waitForTimeout(600);
  await server.mutation(api.files.updateContent, { fileId, content: "theirs\n", baseRevision: 1 });
  await context.setOffline(false);

  await expect(page.getByRole("button", { name: /Online|Sync/ })).toBeVisible({ timeout: 30_000 });
  await page.getByRole("button", { name: /Online|Sync/ }).click();
  await expect(page.getByRole("list", { name: "Sync problems" })).toContainText(/changed elsewhere/);
  expect((await server.query(api.files.get, { fileId })).content).toBe("theirs\n");
});

test("a write the server applied before the connection died is not applied twice on replay", async ({ page, context }) => {
  await signIn(page);
  await createProject(page, "Mariner");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Mariner")!._id;
  await UI.projectLink(page, "Mariner").click();
  await expect(Tree.root(page)).toBeVisible();

  // Let the create reach the server, then drop the connection before the answer comes back.
  let dropped = false;
  page.on("websocket", (ws) => {
    ws.on("framereceived", (frame) => {
      if (!dropped && typeof frame.payload === "string" && frame.payload.includes('"MutationResponse"')) {
        dropped = true;
        void context.setOffline(true);
      }
    });
  });
  await page.getByRole("button", { name: "New File" }).click();
  await page.keyboard.type("once.ts");
  await page.keyboard.press("Enter");
  await expect.poll(() => dropped).toBe(true);
  await page.reload().catch(() => undefined);
  await context.setOffline(false);
  await page.reload();
  await expect(Tree.item(page, "once.ts")).toBeVisible();
  await expect(page.getByRole("button", { name: "Online" })).toBeVisible({ timeout: 30_000 });
  const files = await server.query(api.files.tree, { projectId });
  expect(files.filter((f) => f.name === "once.ts")).toHaveLength(1);
});
