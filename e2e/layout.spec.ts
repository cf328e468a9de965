import { expect, test } from "./drivers/fixtures";
import { createProject, Keyboard, signIn, UI } from "./drivers";

// Small screens (issue 18): at 800x600 the workspace's panes sit side by side inside the window without
// overlapping, and the chat's conversation picker shows its whole text.

test("at 800x600 the panes do not overlap and the conversation picker's text is not cut", async ({ page }) => {
  await page.setViewportSize({ width: 800, height: 600 });
  await signIn(page);
  await createProject(page, "Narrow");
  await Keyboard.pressOn(UI.projectLink(page, "Narrow"), "Enter");
  const panes = [
    page.getByRole("region", { name: "Explorer" }),
    page.getByRole("region", { name: "Editor" }),
    page.getByRole("region", { name: "Assistant" }),
  ];
  for (const pane of panes) await expect(pane).toBeVisible();
  const boxes = await Promise.all(panes.map(async (pane) => (await pane.boundingBox())!));
  for (const box of boxes) {
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(800 + 0.5);
    expect(box.y + box.height).toBeLessThanOrEqual(600 + 0.5);
  }
  for (let i = 1; i < boxes.length; i++) {
    expect(boxes[i].x, "each pane starts where the one before it ends").toBeGreaterThanOrEqual(boxes[i - 1].x + boxes[i - 1].width - 0.5);
  }

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
});
