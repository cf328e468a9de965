import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { api } from "../convex/_generated/api";
import { expect, expectFocusNotOnBody, test } from "./drivers/fixtures";
import { createProject, Keyboard, serverFor, signIn, UI } from "./drivers";

// WCAG 2.2 AA in the real app (issue 18): axe-core checks every screen a person meets, each in the light scheme,
// the dark scheme and Chromium's forced colors (Windows high contrast). One walk through the screens, three scans
// per screen, so the suite stays quick.

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];
// The light scheme gets every rule; the dark scheme and forced colors change only colours, so they get the colour
// rules (a third of the time each scan would take otherwise).
const COLOUR_RULES = ["color-contrast", "link-in-text-block"];
const SCHEMES = [
  { name: "light", media: { colorScheme: "light", forcedColors: "none" } },
  { name: "dark", media: { colorScheme: "dark", forcedColors: "none" } },
  { name: "forced colors", media: { colorScheme: "light", forcedColors: "active" } },
] as const;

/**
 * Runs axe on the page as it is (or on `scope`, an overlay over a page already checked), in every scheme; fails
 * (softly, so one run lists every screen's problems) naming each violation, its rule and its elements.
 */
async function expectAccessible(page: Page, screen: string, scope?: string): Promise<void> {
  const found: string[] = [];
  for (const scheme of SCHEMES) {
    await page.emulateMedia(scheme.media);
    let axe = new AxeBuilder({ page });
    axe = scheme.name === "light" ? axe.withTags(TAGS) : axe.withRules(COLOUR_RULES);
    if (scope) axe = axe.include(scope);
    const { violations } = await axe.analyze();
    for (const v of violations) {
      const targets = v.nodes.map((n) => `${n.target.join(" ")} (${(n.failureSummary ?? "").split("\n").slice(1).join(" ").trim()})`);
      found.push(`[${scheme.name}] ${v.id}: ${v.help}\n    ${targets.slice(0, 5).join("\n    ")}`);
    }
  }
  await page.emulateMedia({ colorScheme: "light", forcedColors: "none" });
  expect.soft(found, `axe violations on ${screen}`).toEqual([]);
}

// axe takes seconds per scan on a busy 2-core machine (10 to 18 s each, in every scheme, at a 1-minute load of
// about 30): the screens are split over four tests, at most six scans each, run in parallel. With twelve scans in
// one test, the 180 s budget ran out at that load (3.5 min when given more); split, the longest took 4.3 min at a
// load of 36, most of it signing in and opening the project.
const AXE_TIMEOUT = 480_000;
test.describe.configure({ mode: "parallel" });

/** Signs in, creates a project holding src/main.ts and README.md, and opens it. */
async function openAuditProject(page: Page) {
  await signIn(page);
  await createProject(page, "Audit");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Audit")!._id;
  const src = await server.mutation(api.files.createFolder, { projectId, name: "src" });
  await server.mutation(api.files.createFile, {
    projectId,
    parentId: src,
    name: "main.ts",
    content: "// The entry point\nexport function main(): number {\n  return 42; // the answer\n}\n",
  });
  await server.mutation(api.files.createFile, { projectId, name: "README.md", content: "# Audit\n" });
  await Keyboard.pressOn(UI.projectLink(page, "Audit"), "Enter");
  const tree = page.getByRole("tree", { name: "Files" });
  await expect(tree.getByRole("treeitem", { name: "src", exact: true })).toBeVisible();
  return tree;
}

test("axe: sign-in, dashboard and the project delete dialog", async ({ page }) => {
  test.setTimeout(AXE_TIMEOUT);
  await page.goto("/");
  await expect(page.getByRole("textbox", { name: "Your name" })).toBeVisible();
  await expectAccessible(page, "sign-in");

  await signIn(page);
  await createProject(page, "Audit");
  await expectAccessible(page, "dashboard");
  await Keyboard.pressOn(UI.projectLink(page, "Audit"), "Delete");
  await expect(UI.deleteDialog(page)).toBeVisible();
  await expectAccessible(page, "project delete dialog", "[role=alertdialog]");
  await page.keyboard.press("Escape");
  await expect(UI.deleteDialog(page)).toHaveCount(0);
});

test("axe: quick open, the workspace with a file open and the chat", async ({ page }) => {
  test.setTimeout(AXE_TIMEOUT);
  await openAuditProject(page);
  await page.keyboard.press("ControlOrMeta+p");
  await page.keyboard.type("main");
  await expectAccessible(page, "quick open", "[role=dialog]");
  await page.keyboard.press("Enter");
  const editor = page.getByRole("textbox", { name: "Editor: src/main.ts" });
  await expect(editor).toBeFocused();
  await expect(page.getByRole("textbox", { name: "Message" })).toBeVisible();
  await expectAccessible(page, "workspace with a file open and the chat");
});

test("axe: the tree's context menu and the file delete dialog", async ({ page }) => {
  test.setTimeout(AXE_TIMEOUT);
  const tree = await openAuditProject(page);
  const readme = tree.getByRole("treeitem", { name: "README.md", exact: true });
  await Keyboard.pressOn(readme, "Shift+F10");
  await expect(page.getByRole("menu")).toBeVisible();
  await expectAccessible(page, "tree context menu", "[role=menu]");
  await page.keyboard.press("Escape");
  await expect(page.getByRole("menu")).toHaveCount(0);
  await expect(readme).toBeFocused();
  await page.keyboard.press("Delete");
  await expect(page.getByRole("alertdialog", { name: 'Delete "README.md"?' })).toBeVisible();
  await expectAccessible(page, "file delete dialog", "[role=alertdialog]");
  await page.keyboard.press("Escape");
  await expect(readme).toBeFocused();
});

test("axe: a toast, the settings dialog and the sync panel", async ({ page }) => {
  test.setTimeout(AXE_TIMEOUT);
  const tree = await openAuditProject(page);
  await Keyboard.pressOn(tree.getByRole("treeitem", { name: "README.md", exact: true }), "ControlOrMeta+z");
  await expect(UI.notifications(page).getByText("Nothing to undo.")).toBeVisible();
  await expectAccessible(page, "a toast", ".toasts");

  await Keyboard.pressOn(page.getByRole("button", { name: "Settings" }), "Enter");
  await expect(page.getByRole("dialog", { name: /settings/i })).toBeVisible();
  await expectAccessible(page, "project settings dialog", "[role=dialog]");
  await page.keyboard.press("Escape");
  const status = page.getByRole("button", { name: /^(Online|Offline|Syncing)/ });
  await Keyboard.pressOn(status, "Enter");
  await expect(page.getByRole("region", { name: "Sync status" })).toBeVisible();
  await expectAccessible(page, "sync panel", ".sync-status");
  await page.keyboard.press("Escape");
});

test("axe: at 800x600, the workspace with the chat open over the panes", async ({ page }) => {
  test.setTimeout(AXE_TIMEOUT);
  await page.setViewportSize({ width: 800, height: 600 });
  await openAuditProject(page);
  const toggle = page.getByRole("button", { name: "Chat", exact: true });
  await Keyboard.pressOn(toggle, "Enter");
  await expect(page.getByRole("textbox", { name: "Message" })).toBeFocused();
  await expectAccessible(page, "the chat drawer at 800x600");
});

test("keyboard only: Tab indents, Escape then Tab leaves the editor, Ctrl+M makes Tab move focus; going offline is said", async ({
  page,
  context,
}) => {
  await signIn(page);
  await createProject(page, "Keys");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Keys")!._id;
  await server.mutation(api.files.createFile, { projectId, name: "a.ts", content: "one\n" });
  await Keyboard.pressOn(UI.projectLink(page, "Keys"), "Enter");
  await expect(page.getByRole("treeitem", { name: "a.ts", exact: true })).toBeVisible();
  await page.keyboard.press("ControlOrMeta+p");
  await page.keyboard.type("a.ts");
  await page.keyboard.press("Enter");
  const editor = page.getByRole("textbox", { name: "Editor: a.ts" });
  const lines = page.locator(".cm-content .cm-line");
  await expect(editor).toBeFocused();
  await expect(editor).toHaveAccessibleDescription(/press Escape, then Tab/);
  const announcements = page.getByRole("status", { name: "Announcements" });

  // Tab indents and keeps focus in the editor.
  await page.keyboard.press("Tab");
  await expect(lines.first()).toHaveText(/^\s+one$/);
  await expect(editor).toBeFocused();
  await page.keyboard.press("ControlOrMeta+z");
  await expect(lines.first()).toHaveText("one");

  // Escape, then Tab, moves on without editing.
  await page.keyboard.press("Escape");
  await page.keyboard.press("Tab");
  await expect(editor).not.toBeFocused();
  await expectFocusNotOnBody(page);
  await expect(lines.first()).toHaveText("one");
  await page.keyboard.press("Shift+Tab");
  await expect(editor).toBeFocused();

  // Ctrl+M: Tab moves focus (said, and shown in the status bar) until Ctrl+M again. The note's appearing moves
  // neither the status bar's edges nor the editor's.
  const statusBar = page.locator(".editor-statusbar");
  const edges = async () => {
    const bar = (await statusBar.boundingBox())!;
    const view = (await page.locator(".cm-editor").first().boundingBox())!;
    return { barTop: bar.y, barHeight: bar.height, editorBottom: view.y + view.height };
  };
  const before = await edges();
  await page.keyboard.press("Control+m");
  const mode = page.getByRole("button", { name: "Tab moves focus" });
  await expect(mode).toBeVisible();
  expect(await edges(), "the status bar and the editor keep their place when the note shows").toEqual(before);
  await expect(announcements).toHaveText(/Tab moves focus/);
  await page.keyboard.press("Tab");
  await expect(editor).not.toBeFocused();
  await expectFocusNotOnBody(page);
  await page.keyboard.press("Shift+Tab");
  await expect(editor).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(editor).not.toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(editor).toBeFocused();
  await expect(lines.first()).toHaveText("one");
  await page.keyboard.press("Control+m");
  await expect(mode).toHaveCount(0);
  await expect(announcements).toHaveText(/Tab indents/);
  await page.keyboard.press("Tab");
  await expect(lines.first()).toHaveText(/^\s+one$/);
  await expect(editor).toBeFocused();

  // Going offline, coming back and the end of sending what was typed meanwhile are said, not only shown on the
  // indicator. Each announcement replaces the last, so they are recorded as they come.
  await announcements.evaluate((region) => {
    const said: string[] = ((window as unknown as { said: string[] }).said = []);
    new MutationObserver(() => {
      if (region.textContent) said.push(region.textContent);
    }).observe(region, { childList: true, subtree: true, characterData: true });
  });
  const said = () => page.evaluate(() => (window as unknown as { said: string[] }).said);
  await context.setOffline(true);
  await expect(announcements).toHaveText(/You are offline/);
  await page.keyboard.type("two");
  await expect(page.getByText("Saved offline · syncs when back online")).toBeVisible();
  await context.setOffline(false);
  await expect
    .poll(said)
    .toEqual([
      expect.stringMatching(/^You are offline/),
      "Back online. Sending your changes…",
      "All changes are synced.",
    ]);
});

test("the focused editor shows a focus ring, and asked for reduced motion its caret stops blinking", async ({ page }) => {
  await openAuditProject(page);
  await page.keyboard.press("ControlOrMeta+p");
  await page.keyboard.type("main");
  await page.keyboard.press("Enter");
  const editor = page.getByRole("textbox", { name: "Editor: src/main.ts" });
  await expect(editor).toBeFocused();
  const view = page.locator(".cm-editor").first();
  const ring = () =>
    view.evaluate((el) => {
      const style = getComputedStyle(el);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth), color: style.outlineColor };
    });
  // Focused: a visible ring (2 px, the accent colour), not only the caret.
  const focused = await ring();
  expect(focused.style).toBe("solid");
  expect(focused.width).toBeGreaterThanOrEqual(2);
  expect(focused.color).not.toBe("rgba(0, 0, 0, 0)");
  // Leaving the editor takes the ring away, so it says where focus is.
  await page.keyboard.press("Escape");
  await page.keyboard.press("Tab");
  await expect(editor).not.toBeFocused();
  await expect.poll(async () => (await ring()).style).toBe("none");
  await page.keyboard.press("Shift+Tab");
  await expect(editor).toBeFocused();

  // The caret blinks (a CSS animation) by default; with prefers-reduced-motion: reduce it has none.
  const caret = page.locator(".cm-cursorLayer").first();
  const animation = () => caret.evaluate((el) => ({ name: getComputedStyle(el).animationName, duration: getComputedStyle(el).animationDuration }));
  await page.emulateMedia({ reducedMotion: "no-preference" });
  const moving = await animation();
  expect(moving.name).not.toBe("none");
  expect(parseFloat(moving.duration)).toBeGreaterThan(0);
  await page.emulateMedia({ reducedMotion: "reduce" });
  await expect.poll(animation).toEqual({ name: "none", duration: "0s" });
});
