import type { Locator, Page } from "@playwright/test";
import { expect, test } from "./drivers/fixtures";
import { createProject, Keyboard, signIn, UI } from "./drivers";

// Small screens (issue 18): below 1000 px the workspace keeps the tree and the editor side by side inside the
// window, and the chat opens over them from the header's Chat button (keyboard reachable, Escape closes it and
// focus returns to the button); the chat's conversation picker shows its whole text.

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
});
