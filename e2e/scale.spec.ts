import type { Page } from "@playwright/test";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { expect, test } from "./drivers/fixtures";
import { createProject, serverFor, signIn, UI } from "./drivers";

// A project larger than one answer of the removed whole-tree query (files.tree) could carry opens in the browser through
// the listing (head + buckets), quick open finds a path four folders deep, and an edit there is saved. The files
// are created from Node with files.createMany (the tree would take minutes to fill by hand).

/** The most rows the removed files.tree could answer; this project must be past it. */
const OLD_TREE_LIMIT = 8000;
const BULK_FOLDERS = 9;
const PER_FOLDER = 1000;

const Tree = {
  tree: (page: Page) => page.getByRole("tree", { name: "Files" }),
  item: (page: Page, name: string) => page.getByRole("tree", { name: "Files" }).getByRole("treeitem", { name, exact: true }),
};

test("a project of more than 8,000 files opens, quick open finds a deep path, and an edit saves", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page);
  await createProject(page, "Large");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Large")!._id;

  let parentId: Id<"files"> | undefined;
  for (const name of ["deep", "er", "and", "deeper"]) {
    parentId = await server.mutation(api.files.createFolder, { projectId, parentId, name });
  }
  const needle = await server.mutation(api.files.createFile, { projectId, parentId, name: "needle.ts", content: "" });
  for (let f = 0; f < BULK_FOLDERS; f++) {
    const folder = await server.mutation(api.files.createFolder, { projectId, name: `bulk-${f}` });
    const items = Array.from({ length: PER_FOLDER }, (_, i) => ({ name: `module-${i}.ts`, content: `export const m${i} = ${i};\n` }));
    await server.mutation(api.files.createMany, { projectId, parentId: folder, items });
  }
  const total = BULK_FOLDERS * (PER_FOLDER + 1) + 5;
  expect(total).toBeGreaterThan(OLD_TREE_LIMIT);
  const head = await server.query(api.files.listing, { projectId });
  expect(head).toEqual({ ready: true, buckets: Math.ceil(total / 1000) });

  await UI.projectLink(page, "Large").click();
  await expect(Tree.tree(page)).not.toHaveAttribute("aria-busy", "true");
  await expect(Tree.item(page, "deep")).toBeVisible();
  await expect(Tree.item(page, `bulk-${BULK_FOLDERS - 1}`)).toBeVisible();

  await Tree.item(page, "deep").focus();
  await page.keyboard.press("ControlOrMeta+p");
  const search = page.getByRole("combobox", { name: "Search files by name" });
  await expect(search).toBeFocused();
  await page.keyboard.type("deeper/needle");
  await expect(page.getByRole("listbox", { name: "Files" }).getByRole("option").first()).toHaveText("deep/er/and/deeper/needle.ts");
  await page.keyboard.press("Enter");
  const editor = page.getByRole("textbox", { name: "Editor: deep/er/and/deeper/needle.ts" });
  await expect(page.getByRole("tab", { name: /^needle\.ts/, selected: true })).toBeVisible();
  // Quick open of a file in a collapsed folder leaves DOM focus on the tree as it was before this change; clicking
  // into the editor is what a person does then.
  await editor.click();
  await expect(editor).toBeFocused();
  await page.keyboard.type("export const found = true;");
  await expect(page.getByRole("status", { name: "Save status" })).toHaveText("Saved");
  await expect.poll(async () => (await server.query(api.files.get, { fileId: needle })).content).toBe("export const found = true;");
});

test("opened at its address, a project's listing is asked for with the token, before the server has confirmed it", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Early");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Early")!._id;
  await server.mutation(api.files.createFile, { projectId, name: "first.ts", content: "" });

  // What the page's socket sends and receives, in order (earlyListing.ts).
  const events: string[] = [];
  page.on("websocket", (ws) => {
    ws.on("framesent", ({ payload }) => {
      const message = JSON.parse(String(payload)) as { type: string; modifications?: { type: string; udfPath?: string }[] };
      if (message.type === "Authenticate") events.push("Authenticate");
      const adds = message.type === "ModifyQuerySet" ? (message.modifications ?? []).filter((m) => m.type === "Add") : [];
      if (adds.some((m) => m.udfPath === "files:listing")) events.push("listing");
      if (adds.some((m) => m.udfPath === "files:listingTop")) events.push("listingTop");
    });
    ws.on("framereceived", ({ payload }) => {
      const message = JSON.parse(String(payload)) as { type: string; startVersion?: { identity: number }; endVersion?: { identity: number } };
      if (message.type === "Transition" && message.endVersion!.identity > message.startVersion!.identity) events.push("confirmed");
    });
  });
  await page.goto(`/p/${projectId}`);
  await expect(Tree.item(page, "first.ts")).toBeVisible();
  const at = (event: string) => {
    expect(events).toContain(event);
    return events.indexOf(event);
  };
  expect(at("listing")).toBeGreaterThan(at("Authenticate"));
  expect(at("listingTop")).toBeGreaterThan(at("Authenticate"));
  expect(at("listing")).toBeLessThan(at("confirmed"));
  expect(at("listingTop")).toBeLessThan(at("confirmed"));
});
