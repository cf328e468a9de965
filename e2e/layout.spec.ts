import type { Locator, Page } from "@playwright/test";
import { expect, test } from "./drivers/fixtures";
import { api } from "../convex/_generated/api";
import { createProject, Keyboard, serverFor, signIn, UI } from "./drivers";
import { Run } from "./drivers/run";

// Small screens (issue 18): below 1000 px the workspace keeps the tree and the editor side by side inside the
// window, and the chat opens over them from the header's Chat button (keyboard reachable, Escape closes it and
// focus returns to the button); the chat's conversation picker shows its whole text; toasts never cover a pane.

async function expectInside(pane: Locator, width: number, height: number) {
  const box = (await pane.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(width + 0.5);
  expect(box.y + box.height).toBeLessThanOrEqual(height + 0.5);
  return box;
}

async function expectPickerNotCut(page: Page) {
  // The picker is at least as wide as its text (plus its arrow), measured with the picker's own font.
  const picker = page.getByRole("combobox", { name: "Conversation" });
  await expect(picker).toBeVisible();
  const { width, text } = await picker.evaluate((select: HTMLSelectElement) => {
    const style = getComputedStyle(select);
    const context = document.createElement("canvas").getContext("2d")!;
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const label = select.options[select.selectedIndex]?.text ?? "";
    const padding = parseFloat(style.paddingLeft) + parseFloat(style.paddingRight);
    return { width: select.clientWidth - padding, text: context.measureText(label).width + 16 };
  });
  expect(width, "the picker's inner width against its text and arrow").toBeGreaterThanOrEqual(text);
}

for (const [width, height] of [
  [800, 600],
  [390, 844],
] as const) {
  test(`at ${width}x${height} the tree and editor fit side by side and the chat opens from the Chat button`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    await signIn(page);
    await createProject(page, "Narrow");
    await Keyboard.pressOn(UI.projectLink(page, "Narrow"), "Enter");
    const tree = page.getByRole("region", { name: "Explorer" });
    const editor = page.getByRole("region", { name: "Editor" });
    const chat = page.getByRole("region", { name: "Assistant" });
    await expect(tree).toBeVisible();
    await expect(editor).toBeVisible();
    await expect(chat).toHaveCount(0);
    const treeBox = await expectInside(tree, width, height);
    const editorBox = await expectInside(editor, width, height);
    expect(editorBox.x, "the editor starts where the tree ends").toBeGreaterThanOrEqual(treeBox.x + treeBox.width - 0.5);

    // The header folds instead of scrolling; on a phone the controls that do not fit are in its More menu, by the
    // same names, and run from there.
    const header = page.getByRole("banner");
    await expect(header.getByRole("heading", { name: "Narrow" })).toBeVisible();
    expect(await barProblems(page, ".app-header"), `the header at ${width}x${height}`).toEqual([]);
    const more = header.getByRole("button", { name: "More", exact: true });
    if (width >= 800) {
      await expect(more).toBeHidden();
    } else {
      for (const name of ["Files", "Terminal", "Settings", "Import / Export", "Sign out"]) {
        await expect(header.getByRole("button", { name, exact: true }), `${name} left the bar`).toBeHidden();
      }
      await Keyboard.pressOn(more, "Enter");
      const menu = page.getByRole("menu", { name: "More actions" });
      await expect(menu.getByRole("menuitemcheckbox", { name: "Files" })).toBeFocused();
      await expect(menu.getByRole("menuitemcheckbox", { name: "Files" })).toHaveAttribute("aria-checked", "true");
      await expect(menu.getByRole("menuitemcheckbox", { name: "Terminal" })).toHaveAttribute("aria-checked", "false");
      await expect(menu.getByRole("menuitem")).toHaveText(["Settings", "Import / Export", "Sign out"]);
      await page.keyboard.press("ArrowDown");
      await page.keyboard.press("ArrowDown");
      await expect(menu.getByRole("menuitem", { name: "Settings" })).toBeFocused();
      await page.keyboard.press("Enter");
      await expect(menu).toHaveCount(0);
      const dialog = page.getByRole("dialog", { name: "Settings for Narrow" });
      await expect(dialog).toBeVisible();
      await page.keyboard.press("Escape");
      await expect(dialog).toHaveCount(0);
      await expect(more, "focus returns to the More button").toBeFocused();
    }

    const toggle = page.getByRole("button", { name: "Chat", exact: true });
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
    await Keyboard.pressOn(toggle, "Enter");
    await expect(toggle).toHaveAttribute("aria-expanded", "true");
    await expect(chat).toBeVisible();
    await expectInside(chat, width, height);
    await expect(page.getByRole("textbox", { name: "Message" }), "focus lands in the chat's message field").toBeFocused();
    await expectPickerNotCut(page);

    await page.keyboard.press("Escape");
    await expect(chat).toHaveCount(0);
    await expect(toggle).toBeFocused();
    await expect(toggle).toHaveAttribute("aria-expanded", "false");
  });
}

test("at 1280x800 the chat is a pane beside the editor and its picker's text is not cut", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page);
  await createProject(page, "Wide");
  await Keyboard.pressOn(UI.projectLink(page, "Wide"), "Enter");
  const chat = page.getByRole("region", { name: "Assistant" });
  await expect(chat).toBeVisible();
  await expect(page.getByRole("button", { name: "Chat", exact: true })).toHaveCount(0);
  await expectInside(chat, 1280, 800);
  await expectPickerNotCut(page);

  // A toast sits in its strip below the panes: it covers none of them.
  await Keyboard.pressOn(page.getByRole("tree", { name: "Files" }), "ControlOrMeta+z");
  const toast = UI.notifications(page).getByRole("listitem").filter({ hasText: "Nothing to undo." });
  await expect(toast).toBeVisible();
  const toastBox = (await toast.boundingBox())!;
  for (const pane of [page.getByRole("region", { name: "Explorer" }), page.getByRole("region", { name: "Editor" }), chat]) {
    const box = await expectInside(pane, 1280, 800);
    expect(box.y + box.height, "the pane ends above the toast").toBeLessThanOrEqual(toastBox.y + 0.5);
  }
});

test("Ctrl+B folds the side bar away and back, focus going to the editor and back to the tree", async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 600 });
  await signIn(page);
  await createProject(page, "Fold");
  await UI.projectLink(page, "Fold").click();
  const tree = page.getByRole("tree", { name: "Files" });
  await expect(tree).toBeVisible();
  await tree.focus();
  await page.keyboard.press("ControlOrMeta+Alt+KeyN");
  await page.keyboard.type("a.txt");
  await page.keyboard.press("Enter");
  await page.keyboard.type("one");
  const editor = page.getByRole("textbox", { name: "Editor: a.txt" });
  await expect(editor).toHaveText("one");
  const files = page.getByRole("button", { name: "Files", exact: true });
  await expect(files).toHaveAttribute("aria-expanded", "true");

  // From the tree: folding it sends focus to the editor, and typing at once goes there.
  await page.keyboard.press("ControlOrMeta+Shift+KeyE");
  const row = tree.getByRole("treeitem", { name: "a.txt" });
  await expect(row).toBeFocused();
  await page.keyboard.press("ControlOrMeta+b");
  await page.keyboard.type(" two");
  await expect(editor).toHaveText("one two");
  await expect(files).toHaveAttribute("aria-expanded", "false");
  await expect(tree).not.toBeVisible();
  const editorBox = (await page.getByRole("region", { name: "Editor" }).boundingBox())!;
  expect(editorBox.x, "the editor takes the side bar's room").toBeLessThan(10);

  // Folded, nothing in the side bar is reachable with Tab.
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.getElementById("workspace-side-bar")?.contains(document.activeElement))).toBe(false);
  }

  // Ctrl+B again brings it back with focus on the tree's row; Ctrl+Shift+E does too after folding.
  await editor.focus();
  await page.keyboard.press("ControlOrMeta+b");
  await expect(row).toBeFocused();
  await expect(files).toHaveAttribute("aria-expanded", "true");
  await editor.focus();
  await page.keyboard.press("ControlOrMeta+b");
  await expect(files).toHaveAttribute("aria-expanded", "false");
  await page.keyboard.press("ControlOrMeta+Shift+KeyE");
  await expect(row).toBeFocused();
  await expect(tree).toBeVisible();

  // The header's Files button does the same, for the mouse and for Tab users.
  await files.click();
  await expect(tree).not.toBeVisible();
  await files.click();
  await expect(tree).toBeVisible();
});

test("at 800x600 Tab cycles inside the open chat drawer, and a press beside it closes it", async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 600 });
  await signIn(page);
  await createProject(page, "Drawer");
  await UI.projectLink(page, "Drawer").click();
  await expect(page.getByRole("tree", { name: "Files" })).toBeVisible();
  const toggle = page.getByRole("button", { name: "Chat", exact: true });
  await Keyboard.pressOn(toggle, "Enter");
  const chat = page.getByRole("region", { name: "Assistant" });
  await expect(page.getByRole("textbox", { name: "Message" })).toBeFocused();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press(i % 3 === 2 ? "Shift+Tab" : "Tab");
    const inDrawer = await page.evaluate(() => document.querySelector(".chat-drawer")?.contains(document.activeElement));
    expect(inDrawer, `Tab ${i + 1} stays inside the drawer, off the panes under it`).toBe(true);
  }
  await page.mouse.click(20, 300);
  await expect(chat).toHaveCount(0);
  await expect(toggle).toBeFocused();
});

test("every visible button, link, field and checkbox of the workspace, with a file open, the chat and a toast, is at least 24x24 CSS px (WCAG 2.5.8)", async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page);
  await createProject(page, "Targets");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Targets")!._id;
  await server.mutation(api.files.createFile, { projectId, name: "main.ts", content: "export const a = 1;\n" });
  await Keyboard.pressOn(UI.projectLink(page, "Targets"), "Enter");
  const tree = page.getByRole("tree", { name: "Files" });
  const file = tree.getByRole("treeitem", { name: "main.ts", exact: true });
  await Keyboard.pressOn(file, "Enter");
  await expect(page.getByRole("textbox", { name: "Editor: main.ts" })).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Message" })).toBeVisible();
  await Keyboard.pressOn(file, "ControlOrMeta+z");
  await expect(UI.notifications(page).getByText("Nothing to undo.")).toBeVisible();

  const { checked, small } = await page.evaluate(() => {
    let checked = 0;
    const out: string[] = [];
    const controls = "button, [role=button], a[href], select, input:not([type=hidden]), [role=tab], [role=menuitem], [role=separator][tabindex]";
    for (const control of document.querySelectorAll<HTMLElement>(controls)) {
      // A link inside a sentence is exempt (WCAG 2.5.8 "inline"); a checkbox's target is its label when it has one.
      if (control.matches("p a, li a")) continue;
      const el = control.matches("input[type=checkbox], input[type=radio]") ? (control.closest("label") ?? control) : control;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === "hidden") continue;
      checked++;
      if (box.width < 23.95 || box.height < 23.95) {
        const name = el.getAttribute("aria-label") ?? el.textContent?.trim() ?? "";
        out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} "${name}" ${box.width.toFixed(1)}x${box.height.toFixed(1)}`);
      }
    }
    return { checked, small: out };
  });
  expect(checked, "the header's, tree's, tabs', status bar's, chat's and toast's controls were measured").toBeGreaterThan(15);
  expect(small, "controls smaller than 24x24 CSS px").toEqual([]);

  // The handles' 24 px boxes reach into the editor and the chat; their rows of tabs and the chat's bar lie over
  // them, so a click at the first tab's or the chat bar's left edge reaches the tab or the bar, not a handle.
  for (const [handle, over] of [
    ["Resize file tree", page.getByRole("tab", { name: /^main\.ts/ })],
    ["Resize chat", page.locator(".chat-bar").first()],
  ] as const) {
    const box = (await page.getByRole("separator", { name: handle }).boundingBox())!;
    const target = (await over.boundingBox())!;
    const hit = await page.evaluate(
      ({ x, y }) => {
        const el = document.elementFromPoint(x, y);
        return el?.closest("[role=separator]") ? "separator" : el?.closest("[role=tab], .chat-bar") ? "over" : el?.tagName ?? null;
      },
      { x: Math.max(target.x, box.x + box.width - 2), y: target.y + target.height / 2 },
    );
    expect(hit, handle).toBe("over");
  }
});

test("the resize handles: a 24 px target over a thin line, a click's menu widens, narrows and resets, a double-click resets, arrows move (WCAG 2.5.7, 2.5.8)", async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await signIn(page);
  await createProject(page, "Handles");
  await UI.projectLink(page, "Handles").click();
  await expect(page.getByRole("tree", { name: "Files" })).toBeVisible();
  const sideBar = page.locator("#workspace-side-bar");
  const width = async () => (await sideBar.boundingBox())!.width;
  const initial = await width();

  for (const name of ["Resize file tree", "Resize chat"]) {
    const handle = page.getByRole("separator", { name });
    // The whole 24 px box takes the pointer (nothing of a pane lies over it), and what is drawn is a thin line.
    const box = (await handle.boundingBox())!;
    expect(box.width, name).toBeGreaterThanOrEqual(24);
    const hits = await page.evaluate(
      ({ xs, y }) => xs.map((x) => document.elementFromPoint(x, y)?.closest("[role=separator]")?.getAttribute("aria-label") ?? null),
      { xs: [box.x + 0.5, box.x + box.width / 2, box.x + box.width - 0.5], y: box.y + box.height / 2 },
    );
    expect(hits, name).toEqual([name, name, name]);
  }

  // A click opens the menu with focus on its first item; Widen moves the edge by the arrow key's step and focus
  // goes back to the handle.
  const handle = page.getByRole("separator", { name: "Resize file tree" });
  await handle.click();
  const menu = page.getByRole("menu", { name: "Resize file tree" });
  await expect(menu.getByRole("menuitem", { name: "Widen file tree" })).toBeFocused();
  await menu.getByRole("menuitem", { name: "Widen file tree" }).click();
  await expect(menu).toHaveCount(0);
  await expect(handle).toBeFocused();
  await expect.poll(width).toBeGreaterThan(initial + 40);
  const widened = await width();

  // Narrow, by keyboard in the menu: back where it was.
  await handle.click();
  await expect(menu.getByRole("menuitem", { name: "Widen file tree" })).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await expect(handle).toBeFocused();
  await expect.poll(width).toBeLessThan(widened - 40);
  expect(Math.abs((await width()) - initial)).toBeLessThan(2);

  // The arrow keys on the focused handle move it; Reset in the menu brings the default width back.
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expect.poll(width).toBeGreaterThan(initial + 80);
  await handle.click();
  await menu.getByRole("menuitem", { name: "Reset file tree width" }).click();
  await expect.poll(async () => Math.abs((await width()) - initial)).toBeLessThan(2);

  // A double-click resets too, and leaves no menu open.
  await page.keyboard.press("ArrowRight");
  await expect.poll(width).toBeGreaterThan(initial + 40);
  await handle.dblclick();
  await expect.poll(async () => Math.abs((await width()) - initial)).toBeLessThan(2);
  await expect(menu).toHaveCount(0);

  // Dragging still resizes, and a drag opens no menu.
  const box = (await handle.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 100, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect.poll(width).toBeGreaterThan(initial + 80);
  await expect(menu).toHaveCount(0);
});

/**
 * What does not fit in a bar (the header, the chat bar, the status bar): each line says what is wrong, so an empty
 * list is a bar where nothing overflows the bar or the window sideways, no control's text is cut or wraps, the
 * controls stand on one line, and no two of them overlap.
 */
async function barProblems(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluate((bar) => {
    const problems: string[] = [];
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""} "${el.getAttribute("aria-label") ?? el.textContent?.trim().slice(0, 30) ?? ""}"`;
    const shown = (el: Element) => {
      const box = el.getBoundingClientRect();
      return box.width > 1 && box.height > 1 && getComputedStyle(el).visibility !== "hidden";
    };
    const barBox = bar.getBoundingClientRect();
    if (bar.scrollWidth > bar.clientWidth) problems.push(`the bar scrolls sideways: ${bar.scrollWidth} > ${bar.clientWidth}`);
    if (barBox.left < -0.5 || barBox.right > innerWidth + 0.5) problems.push(`the bar leaves the window: ${barBox.left}..${barBox.right}`);
    for (const el of bar.querySelectorAll("*")) {
      if (!shown(el)) continue;
      const style = getComputedStyle(el);
      // A strip that scrolls or clips must not need to (text cut with an ellipsis and a tooltip aside).
      if (style.overflowX !== "visible" && style.textOverflow !== "ellipsis" && el.scrollWidth > el.clientWidth + 0.5) {
        problems.push(`${name(el)} overflows sideways: ${el.scrollWidth} > ${el.clientWidth}`);
      }
      const box = el.getBoundingClientRect();
      if (box.left < barBox.left - 0.5 || box.right > barBox.right + 0.5) {
        problems.push(`${name(el)} sticks out of the bar: ${box.left.toFixed(1)}..${box.right.toFixed(1)} in ${barBox.left}..${barBox.right}`);
      }
    }
    const controls = [...bar.querySelectorAll("button, a, select, input, h1, [role=status]")].filter(shown);
    for (const control of controls) {
      if (control.scrollWidth > control.clientWidth + 0.5 && getComputedStyle(control).textOverflow !== "ellipsis") {
        problems.push(`${name(control)}'s text is cut: ${control.scrollWidth} > ${control.clientWidth}`);
      }
      const lineHeight = parseFloat(getComputedStyle(control).lineHeight) || parseFloat(getComputedStyle(control).fontSize) * 1.4;
      // Its shown text's line boxes: more than half a line apart is a second line.
      const tops: number[] = [];
      const walker = document.createTreeWalker(control, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent?.trim() || !node.parentElement || !shown(node.parentElement)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        tops.push(...[...range.getClientRects()].filter((r) => r.width > 0).map((r) => r.top));
      }
      if (control.tagName !== "SELECT" && tops.length > 0 && Math.max(...tops) - Math.min(...tops) > lineHeight / 2) {
        problems.push(`${name(control)}'s text wraps (line boxes ${Math.min(...tops)}..${Math.max(...tops)}, line height ${lineHeight})`);
      }
    }
    const boxes = controls.map((control) => ({ control, box: control.getBoundingClientRect() }));
    const top = Math.max(...boxes.map((b) => b.box.top));
    const bottom = Math.min(...boxes.map((b) => b.box.bottom));
    if (boxes.length > 0 && top >= bottom) problems.push(`the controls stand on more than one line (${top} >= ${bottom})`);
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        if (a.control.contains(b.control) || b.control.contains(a.control)) continue;
        const width = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
        const height = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
        if (width > 0.5 && height > 0.5) problems.push(`${name(a.control)} and ${name(b.control)} overlap by ${width.toFixed(1)} px`);
      }
    }
    return problems;
  });
}

/** Everything shown in `region` lies inside it (nothing pushed out over the panes around it). */
async function outsideOf(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluate((region) => {
    const outer = region.getBoundingClientRect();
    const out: string[] = [];
    for (const el of region.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1 || el.closest("[style*='position: absolute']")) continue;
      if (box.top < outer.top - 0.5 || box.bottom > outer.bottom + 0.5 || box.left < outer.left - 0.5 || box.right > outer.right + 0.5) {
        out.push(`${el.tagName.toLowerCase()}.${el.className} at ${box.top.toFixed(0)}..${box.bottom.toFixed(0)} in ${outer.top.toFixed(0)}..${outer.bottom.toFixed(0)}`);
      }
    }
    return out;
  });
}

test("with a project running and a conversation, the header, chat bar and status bar fit at 800x600 and 1280x800", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  // Long names, as people have: the user's, the project's and the conversation's.
  await signIn(page, `a-rather-long-user-name-${Date.now().toString(36)}`);
  const projectName = "A project with a fairly long name";
  await createProject(page, projectName);
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === projectName)!._id;
  await server.mutation(api.files.createFile, {
    projectId,
    name: "server.js",
    content: 'require("http").createServer((req, res) => res.end("ok")).listen(0, "127.0.0.1");\n',
  });
  await server.mutation(api.projects.updateSettings, { projectId, settings: { installCommand: "true", devCommand: "node server.js" } });
  await server.mutation(api.conversations.create, { projectId, title: "Refactor the server" });
  await UI.projectLink(page, projectName).click();
  await Keyboard.pressOn(page.getByRole("treeitem", { name: "server.js", exact: true }), "Enter");
  await expect(page.getByRole("textbox", { name: "Editor: server.js" })).toBeVisible();
  await Run.button(page).click();
  await expect(Run.status(page)).toHaveText(/Running · port \d+/, { timeout: 30_000 });
  await expect(Run.panel(page)).toBeVisible();
  const header = page.getByRole("banner");

  for (const [width, height] of [
    [1280, 800],
    [800, 600],
  ] as const) {
    await page.setViewportSize({ width, height });
    const narrow = width < 1000;
    if (narrow) await Keyboard.pressOn(page.getByRole("button", { name: "Chat", exact: true }), "Enter");
    const chat = page.getByRole("region", { name: "Assistant" });
    await expect(chat.getByRole("combobox", { name: "Conversation" })).toHaveValue(/.+/);
    await expect(page.locator(".chat-bar")).toBeVisible();
    await page.screenshot({ path: `/tmp/layout-${width}x${height}.png` });

    // Every control of the header is there, by name, whether it shows its label or only its icon.
    for (const control of ["Files", "Stop", "Restart", "Terminal", "Settings", "Import / Export", "Sign out"]) {
      await expect(header.getByRole("button", { name: control, exact: true })).toBeVisible();
    }
    await expect(header.getByRole("link", { name: "Open preview ↗" })).toBeVisible();
    await expect(header.getByRole("heading", { name: projectName })).toBeVisible();
    // The Run status stays in sight, its port at least in the accessible text and the tooltip.
    const status = Run.status(page);
    await expect(status).toBeVisible();
    await expect(status).toHaveText(/^Running · port \d+$/);
    expect(await status.evaluate((el) => el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= innerWidth)).toBe(true);

    expect(await barProblems(page, ".app-header"), `the header at ${width}x${height}`).toEqual([]);
    expect(await barProblems(page, ".chat-bar"), `the chat bar at ${width}x${height}`).toEqual([]);
    expect(await barProblems(page, ".editor-statusbar"), `the status bar at ${width}x${height}`).toEqual([]);
    await expectPickerNotCut(page);
    expect(await outsideOf(page, narrow ? ".chat-drawer" : ".chat-pane"), `the chat at ${width}x${height}`).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), "the page scrolls sideways").toBe(true);
  }
});
