import type { Page } from "@playwright/test";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import { expect, test } from "./drivers/fixtures";
import { createProject, signIn, UI } from "./drivers";

const BACKEND_URL = process.env.POLARIS_E2E_BACKEND_URL ?? "http://127.0.0.1:3290";

async function serverFor(page: Page): Promise<ConvexHttpClient> {
  const session = await page.evaluate(() => localStorage.getItem("polaris.localSession"));
  const { token } = JSON.parse(session ?? "{}") as { token?: string };
  if (!token) throw new Error("No local session in the page: sign in first.");
  const client = new ConvexHttpClient(BACKEND_URL);
  client.setAuth(token);
  return client;
}

/**
 * Signs in, creates an empty project and names a new file in its tree by keyboard, ending with the name's Enter:
 * the create is on its way when this returns, and nothing has waited for it. Returns the tree.
 */
async function nameNewFile(page: Page, project: string, file: string) {
  await signIn(page);
  await createProject(page, project);
  await UI.projectLink(page, project).click();
  const tree = page.getByRole("tree", { name: "Files" });
  await expect(tree).toBeVisible();
  await tree.focus();
  await page.keyboard.press("ControlOrMeta+Alt+KeyN");
  await expect(page.getByRole("textbox", { name: "New file name" })).toBeFocused();
  await page.keyboard.type(file);
  await page.keyboard.press("Enter");
  return tree;
}

test("typing right after opening a file from the tree or Go to File lands in that file", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Typist");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Typist")!._id;
  await server.mutation(api.files.createFile, { projectId, name: "a.ts", content: "" });
  await server.mutation(api.files.createFile, { projectId, name: "b.ts", content: "" });
  await UI.projectLink(page, "Typist").click();
  const tree = page.getByRole("tree", { name: "Files" });
  await expect(tree.getByRole("treeitem", { name: "b.ts" })).toBeVisible();

  await tree.getByRole("treeitem", { name: "a.ts" }).focus();
  await page.keyboard.press("Enter");
  await page.keyboard.type("hello a");
  const a = page.getByRole("textbox", { name: "Editor: a.ts" });
  await expect(a).toHaveText("hello a");
  await expect(a).toBeFocused();

  await page.keyboard.press("ControlOrMeta+p");
  await page.keyboard.type("b.ts");
  await page.keyboard.press("Enter");
  await page.keyboard.type("hello b");
  const b = page.getByRole("textbox", { name: "Editor: b.ts" });
  await expect(b).toHaveText("hello b");
  await expect(b).toBeFocused();
  await expect(page.getByRole("status", { name: "Save status" })).toHaveText("Saved");
});

test("typing right after naming a new file lands in that file, not in the tree", async ({ page }) => {
  // No waiting between the name's Enter and the text: the create is still on its way to the server.
  const tree = await nameNewFile(page, "Quick notes", "notes.md");
  await page.keyboard.type("first line\nsecond line");
  const editor = page.getByRole("textbox", { name: "Editor: notes.md" });
  await expect(editor.locator(".cm-line")).toHaveText(["first line", "second line"]);
  await expect(editor).toBeFocused();
  // The tree saw none of it: one row, the new file, and no type-ahead jumped anywhere.
  await expect(tree.getByRole("treeitem")).toHaveText(["notes.md"]);
  await expect(page.getByRole("status", { name: "Save status" })).toHaveText("Saved");
});

test("text typed for a new file while its editor loads is kept when the next key takes focus elsewhere", async ({ page, context }) => {
  // The editor's code is held on its way, as on a first visit over a slow link: the text and the shortcut after it
  // are typed while it loads. The context's route also holds the service worker's own fetch of it (its precache).
  let releaseEditor!: () => void;
  const editorHeld = new Promise<void>((resolve) => (releaseEditor = resolve));
  await context.route(/\/TextEditor[^/]*\.(js|tsx)(\?.*)?$/, async (route) => {
    await editorHeld;
    await route.continue();
  });
  const tree = await nameNewFile(page, "Typed ahead", "notes.md");
  await page.keyboard.type("typed while it loaded\n");
  await page.keyboard.press("ControlOrMeta+Shift+KeyE");
  const row = tree.getByRole("treeitem", { name: "notes.md" });
  await expect(row).toBeFocused();
  await expect(page.getByText("Loading editor…")).toBeVisible();

  releaseEditor();
  const editor = page.getByRole("textbox", { name: "Editor: notes.md" });
  await expect(editor.locator(".cm-line")).toHaveText(["typed while it loaded", ""]);
  // The person went to the tree: the editor showing up late does not pull focus back.
  await expect(row).toBeFocused();
  await expect(page.getByRole("status", { name: "Save status" })).toHaveText("Saved");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Typed ahead")!._id;
  const listing = (await server.query(api.files.listingBucket, { projectId, bucket: 0 })) ?? [];
  const file = await server.query(api.files.get, { fileId: listing.find((e) => e.name === "notes.md")!._id });
  expect(file.content).toBe("typed while it loaded\n");
});
