import type { Page } from "@playwright/test";
import type { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { useScriptedProvider } from "./drivers/ai";
import { expect, expectFocusNotOnBody, test } from "./drivers/fixtures";
import { ScriptedProvider } from "../tests/ai/scriptedProvider";
import { listed } from "../tests/listing";
import { createProject, Keyboard, serverFor, signIn, UI, uniqueUser } from "./drivers";

// The assistant in a real browser against the real local backend, with the scripted Chat Completions server as
// the provider. The provider variables are set on the e2e backend through the `env` command, as a user would.

const scripted = useScriptedProvider();

async function openProject(page: Page, name: string) {
  await signIn(page);
  await createProject(page, name);
  await UI.projectLink(page, name).click();
  await expect(page.getByRole("textbox", { name: "Message" })).toBeVisible();
}

const chat = (page: Page) => page.getByRole("region", { name: "Assistant" }).or(page.locator("section.chat-pane"));

test("an answer streams in, its tool call creates a file, and hostile markup stays inert", async ({ page }) => {
  await openProject(page, "Chatty");
  scripted().stream(
    { kind: "tools", text: "Creating it now.", calls: [{ name: "create_file", arguments: { path: "notes/hello.md", content: "# Hello\n" } }] },
    {
      kind: "text",
      chunks: ["Created **hello.md**. ", '<img src=x onerror="window.pwned=1"> ', "[click](javascript:alert(1))"],
      delayMs: 100,
    },
  );
  scripted().complete({ kind: "text", content: "Hello file", when: ScriptedProvider.isTitleRequest });

  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("Create notes/hello.md");
  await box.press("Enter");

  const answer = chat(page).getByRole("article", { name: "Assistant" });
  await expect(answer).toContainText("Created hello.md.", { timeout: 15_000 });
  await expect(answer.getByRole("list", { name: "Assistant actions" })).toContainText("Created notes/hello.md");
  await expect(answer).toHaveAttribute("data-status", "completed");
  await expect(answer.locator("img")).toHaveCount(0);
  await expect(answer.getByRole("link")).toHaveCount(0);
  expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
  await expect(page.getByRole("treeitem", { name: "notes" })).toBeVisible();
  await expect(page.getByRole("combobox", { name: "Conversation" })).toContainText("Hello file");
});

test("Stop ends a long answer and keeps what was written", async ({ page }) => {
  await openProject(page, "Stopper");
  scripted().stream({ kind: "text", chunks: Array.from({ length: 300 }, (_, i) => `part${i} `), delayMs: 40 });
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("Write a lot");
  await box.press("Enter");
  const answer = chat(page).getByRole("article", { name: "Assistant" });
  await expect(answer).toContainText("part3 ", { timeout: 15_000 });
  await page.getByRole("button", { name: "Stop" }).click();
  // Stop gives way to Send: focus goes to the message box, where the next question is typed.
  await expect(box).toBeFocused();
  await expect(answer).toHaveAttribute("data-status", "cancelled");
  await expect(answer).toContainText("Stopped.");
  await expect(answer).toContainText("part0 part1");
  await expect(answer).not.toContainText("part299");
  await expect(page.getByRole("button", { name: "Send" })).toBeVisible();
});

test("keyboard: New conversation hands focus to the question box, Escape in Apply and the quick-edit diff keep it", async ({ page }) => {
  await openProject(page, "Focused");
  scripted().complete({ kind: "text", content: "Focus talk", when: ScriptedProvider.isTitleRequest });
  scripted().stream({ kind: "text", chunks: ["Use this:\n\n```ts\nconst answer = 42;\n```\n"] });

  // Typed at once after "New": the spaces of the question must not press the button again.
  await Keyboard.pressOn(page.getByRole("button", { name: "New conversation" }), "Enter");
  await page.keyboard.type("what does this project do");
  await page.keyboard.press("Enter");
  const answer = chat(page).getByRole("article", { name: "Assistant" });
  await expect(answer).toHaveAttribute("data-status", "completed", { timeout: 15_000 });
  await expect(page.getByRole("combobox", { name: "Conversation" }).locator("option")).toHaveCount(1);
  await expect(chat(page).getByRole("article", { name: "You" })).toHaveCount(1);
  await expect(chat(page).getByRole("article", { name: "You" })).toContainText("what does this project do");

  // Escape in the Apply dialog hands focus back, never to the body.
  await Keyboard.pressOn(answer.getByRole("button", { name: "Apply to file" }), "Enter");
  const dialog = page.getByRole("dialog", { name: "Apply code to a file" });
  await expect(dialog.getByRole("textbox", { name: "File path" })).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expectFocusNotOnBody(page);

  // Quick edit: once the proposal shows, Mod+Enter accepts it and Escape rejects the next one.
  const isQuickEdit = (body: { messages: { content: string | null }[] }) =>
    body.messages.some((m) => typeof m.content === "string" && m.content.includes("Instruction:"));
  scripted().complete(
    { kind: "text", content: "const total = 3;", when: isQuickEdit },
    { kind: "text", content: "let total = 0;", when: isQuickEdit },
  );
  await page.getByRole("button", { name: "New File" }).click();
  await page.keyboard.type("calc.ts");
  await page.keyboard.press("Enter");
  const editor = page.getByRole("textbox", { name: "Editor: calc.ts" });
  await editor.click();
  await page.keyboard.type("const total = 1 + 2;");
  await expect(page.getByRole("status", { name: "Save status" })).toHaveText("Saved");
  for (const key of ["ControlOrMeta+Enter", "Escape"]) {
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.press("ControlOrMeta+k");
    await expect(page.getByRole("textbox", { name: "Quick edit instruction" })).toBeFocused();
    await page.keyboard.type("simplify");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("region", { name: "Quick edit" })).toContainText("Apply this change?", { timeout: 15_000 });
    await expect(editor).toBeFocused();
    await page.keyboard.press(key);
    await expect(page.getByRole("region", { name: "Quick edit" })).toHaveCount(0);
    await expect(editor).toBeFocused();
  }
  await expect(editor).toHaveText("const total = 3;");
});

const log = (page: Page) => page.getByRole("log", { name: "Messages" });
const gap = (page: Page) => log(page).evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);

test("a long conversation loads in pages: earlier messages by keyboard, the view keeps its place and follows a streaming answer", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Hist");
  await UI.projectLink(page, "Hist").click();
  const box = page.getByRole("textbox", { name: "Message" });
  scripted().complete({ kind: "text", content: "Title", when: ScriptedProvider.isTitleRequest });
  for (let i = 1; i <= 7; i++) {
    scripted().stream({ kind: "text", chunks: [`Answer ${i}.\n\n` + "line\n\n".repeat(5)] });
    await box.fill(`Question ${i}`);
    await box.press("Enter");
    await expect(page.getByRole("article", { name: "Assistant" }).nth(i - 1)).toHaveAttribute("data-status", "completed", { timeout: 15000 });
  }
  await page.reload();
  await expect(page.getByRole("button", { name: "Load earlier messages" })).toBeAttached();
  await expect(page.getByRole("article")).toHaveCount(10);
  await expect.poll(() => gap(page)).toBeLessThan(5);
  await log(page).evaluate((el) => {
    el.scrollTop = 0;
  });
  const firstVisible = page.getByText("Question 3", { exact: true });
  const before = (await firstVisible.boundingBox())!.y;
  await page.getByRole("button", { name: "Load earlier messages" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("article")).toHaveCount(14);
  await expect(page.getByRole("button", { name: /earlier messages/ })).toHaveCount(0);
  expect(Math.abs((await firstVisible.boundingBox())!.y - before)).toBeLessThan(3);
  await expect(log(page)).toBeFocused();

  // Stream a long answer from the bottom: the view follows it.
  await log(page).evaluate((el) => {
    el.scrollTop = el.scrollHeight;
  });
  scripted().stream({ kind: "text", chunks: Array.from({ length: 120 }, (_, i) => `word${i}\n\n`), delayMs: 20 });
  await box.fill("Long one");
  await box.press("Enter");
  const answer = page.getByRole("article", { name: "Assistant" }).last();
  await expect(answer).toContainText("word60", { timeout: 15000 });
  expect(await gap(page)).toBeLessThan(30);
  await expect(answer).toHaveAttribute("data-status", "completed", { timeout: 15000 });
  await expect.poll(() => gap(page)).toBeLessThan(5);
  // Nothing fell between the pages.
  await expect(page.getByRole("article")).toHaveCount(16);
  for (let i = 1; i <= 7; i++) await expect(page.getByText(`Question ${i}`, { exact: true })).toHaveCount(1);
});

// Reviewing the assistant's changes: an answer edits two files and deletes one; its diff opens in the editor area;
// one file is undone; the project is restored to before the answer and the restore undone; a second browser sees
// each step. (In this spec, not its own: the provider is set on the one e2e backend, so the specs that script it
// must not run at once in two workers.)

async function enterProject(page: Page, name: string) {
  await UI.projectLink(page, name).click();
  await expect(page.getByRole("textbox", { name: "Message" })).toBeVisible();
}

/** path → text of every file, as the server holds it. */
async function serverFiles(server: ConvexHttpClient, projectId: Id<"projects">) {
  const out: Record<string, string> = {};
  for (const f of await listed(server, projectId)) if (f.type === "file") out[f.name] = (await server.query(api.files.get, { fileId: f._id })).content ?? "";
  return out;
}

const card = (page: Page) => page.getByRole("region", { name: "Changed files" });
const line = (page: Page, path: string) => card(page).locator("li", { has: page.locator("code", { hasText: new RegExp(`^${path}$`) }) });

test("an answer's changes: review the diff, undo one file, restore to before the answer (from a second browser after a reload) and back, each step seen by the other browser", async ({
  page: a,
  secondPage: b,
}) => {
  const user = uniqueUser("review");
  await signIn(a, user);
  await createProject(a, "Reviewed");
  const server = await serverFor(a);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Reviewed")!._id;
  const original = { "a.ts": "export const a = 1;\n", "b.ts": "export const b = 1;\n", "c.ts": "export const c = 1;\n" };
  for (const [name, content] of Object.entries(original)) await server.mutation(api.files.createFile, { projectId, name, content });
  await enterProject(a, "Reviewed");
  await signIn(b, user);
  await enterProject(b, "Reviewed");

  scripted().stream(
    {
      kind: "tools",
      text: "Changing them.",
      calls: [
        { name: "edit_file", arguments: { path: "a.ts", old_text: "a = 1", new_text: "a = 2;\nexport const a2 = 3" } },
        { name: "edit_file", arguments: { path: "b.ts", old_text: "b = 1", new_text: "b = 2" } },
        { name: "delete_file", arguments: { path: "c.ts" } },
      ],
    },
    { kind: "text", chunks: ["Done."] },
  );
  scripted().complete({ kind: "text", content: "Review test", when: ScriptedProvider.isTitleRequest });
  const box = a.getByRole("textbox", { name: "Message" });
  await box.fill("Change a and b, delete c");
  await box.press("Enter");

  // The card, in both browsers: a line per file with its counts.
  for (const page of [a, b]) {
    await expect(card(page)).toContainText("3 files changed", { timeout: 15_000 });
    await expect(line(page, "a.ts")).toContainText("+2 −1");
    await expect(line(page, "b.ts")).toContainText("+1 −1");
    await expect(line(page, "c.ts")).toContainText("deleted");
  }
  await expect(b.getByRole("treeitem", { name: "c.ts" })).toHaveCount(0);

  // The diff of a.ts in the editor area; Escape returns focus to its line.
  const open = line(a, "a.ts").getByRole("button", { name: /Show the diff of a\.ts/ });
  await open.click();
  const panel = a.getByRole("region", { name: "Change review" });
  await expect(panel.getByRole("heading")).toHaveText("Edited: a.ts");
  await expect(panel.getByRole("textbox", { name: "Before the answer of a.ts" })).toContainText("export const a = 1;");
  await expect(panel.getByRole("textbox", { name: "Now of a.ts" })).toContainText("export const a2 = 3");
  await expect(panel.getByRole("button", { name: "Close" })).toBeFocused();
  await a.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  await expect(open).toBeFocused();

  // Undo b.ts alone: the server has b's old text, the other changes stay; the second browser shows it undone.
  await line(a, "b.ts").getByRole("button", { name: "Undo b.ts" }).click();
  await expect(line(b, "b.ts")).toContainText("undone");
  await expect(line(a, "b.ts").getByRole("button", { name: /Show the diff of b\.ts/ })).toBeFocused();
  expect(await serverFiles(server, projectId)).toEqual({ "a.ts": "export const a = 2;\nexport const a2 = 3;\n", "b.ts": original["b.ts"] });

  // After a reload the second browser has the card as it is, and acts on it: Restore to before the answer brings
  // c.ts back, in the first browser's tree too.
  await b.reload();
  await expect(line(b, "b.ts")).toContainText("undone", { timeout: 15_000 });
  await card(b).getByRole("button", { name: "Restore to here" }).click();
  await expect(a.getByRole("treeitem", { name: "c.ts" })).toBeVisible();
  await expect(b.getByRole("treeitem", { name: "c.ts" })).toBeVisible();
  await expect(card(a).getByRole("button", { name: "Undo restore" })).toBeVisible();
  expect(await serverFiles(server, projectId)).toEqual(original);
  await expectFocusNotOnBody(b);

  // And the restore is undoable: the answer's changes that the restore undid are back (b.ts stays undone).
  await card(a).getByRole("button", { name: "Undo restore" }).click();
  await expect(b.getByRole("treeitem", { name: "c.ts" })).toHaveCount(0);
  await expect(card(b).getByRole("button", { name: "Restore to here" })).toBeVisible();
  expect(await serverFiles(server, projectId)).toEqual({ "a.ts": "export const a = 2;\nexport const a2 = 3;\n", "b.ts": original["b.ts"] });
  await expectFocusNotOnBody(a);
});

test("wait for review: the setting chosen by keyboard, an answer's changes marked pending in the tree, the editor's tabs and bar and the card (live in a second browser) until Undo there, on the deleted file's line above the editor, and Keep all on the card", async ({
  page,
  secondPage: other,
}) => {
  const user = uniqueUser("pending");
  await signIn(page, user);
  await createProject(page, "Pending");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Pending")!._id;
  const original = { "a.ts": "export const a = 1;\n", "b.ts": "export const b = 1;\n", "c.ts": "export const c = 1;\n", "d.ts": "d\n" };
  for (const [name, content] of Object.entries(original)) await server.mutation(api.files.createFile, { projectId, name, content });
  await enterProject(page, "Pending");
  await signIn(other, user);
  await enterProject(other, "Pending");

  // Settings: the second choice, by arrow key, saved with Enter.
  await Keyboard.pressOn(page.getByRole("button", { name: "Settings" }), "Enter");
  const apply = page.getByRole("radio", { name: "Apply at once" });
  await Keyboard.tabTo(page, apply);
  await page.keyboard.press("ArrowDown");
  await expect(page.getByRole("radio", { name: "Wait for my review" })).toBeChecked();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await expect.poll(async () => (await server.query(api.projects.get, { projectId }))?.settings?.assistantChanges).toBe("review");

  scripted().stream(
    {
      kind: "tools",
      text: "Changing them.",
      calls: [
        { name: "edit_file", arguments: { path: "a.ts", old_text: "a = 1", new_text: "a = 2" } },
        { name: "edit_file", arguments: { path: "b.ts", old_text: "b = 1", new_text: "b = 2" } },
        { name: "delete_file", arguments: { path: "c.ts" } },
        { name: "move_file", arguments: { from: "d.ts", to: "e.ts" } },
      ],
    },
    { kind: "text", chunks: ["Done."] },
  );
  scripted().complete({ kind: "text", content: "Pending test", when: ScriptedProvider.isTitleRequest });
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("Change a and b, delete c");
  await box.press("Enter");

  // The card, in both browsers, says every line waits for review, with Keep / Undo on each.
  for (const p of [page, other]) {
    await expect(card(p)).toContainText("4 files changed", { timeout: 15_000 });
    await expect(card(p)).toContainText("4 waiting for review");
    for (const path of ["a.ts", "b.ts", "c.ts"]) {
      await expect(line(p, path)).toContainText("waiting for review");
      await expect(line(p, path).getByRole("button", { name: `Keep ${path}` })).toBeVisible();
      await expect(line(p, path).getByRole("button", { name: `Undo ${path}` })).toBeVisible();
    }
  }

  // Both files are marked in the tree as waiting.
  const tree = page.getByRole("tree", { name: "Files" });
  const waiting = "changed by the assistant, waiting for review";
  await expect(tree.getByRole("treeitem", { name: "a.ts" })).toHaveAccessibleDescription(waiting);
  await expect(tree.getByRole("treeitem", { name: "b.ts" })).toHaveAccessibleDescription(waiting);

  // e.ts, moved, opened from the tree: the bar says from where, and its tab says it waits.
  await Keyboard.pressOn(tree.getByRole("treeitem", { name: "e.ts" }), "Enter");
  const bar = page.getByRole("region", { name: "Waiting for review", exact: true });
  await expect(bar).toContainText("The assistant moved this file from d.ts; it waits for your review.");
  await expect(page.getByRole("tab", { name: "e.ts, waiting for review" })).toBeVisible();
  // Until its editor takes focus, keys belong to the file being opened (src/store/editorFocus.ts): an Enter on
  // another row of the tree, reached without a key, would go to e.ts.
  await expect(page.locator(".cm-content")).toBeFocused();
  // a.ts opened from the tree: the bar above the editor and its tab say so; Undo there puts a.ts back and focus in
  // the editor, and the tab no longer says it waits.
  await Keyboard.pressOn(tree.getByRole("treeitem", { name: "a.ts" }), "Enter");
  await expect(bar).toContainText("The assistant edited this file (+1 −1); it waits for your review.");
  await expect(page.getByRole("tab", { name: /^a\.ts.*, waiting for review$/ })).toBeVisible();
  await Keyboard.pressOn(bar.getByRole("button", { name: "Undo" }), "Enter");
  await expect(bar).toHaveCount(0);
  await expect(page.getByRole("tab", { name: /^a\.ts/ })).not.toHaveAccessibleName(/waiting for review/);
  await expect(page.locator(".cm-content")).toBeFocused();
  await expect(page.locator(".cm-content")).toHaveText("export const a = 1;");
  await expect(tree.getByRole("treeitem", { name: "a.ts" })).not.toHaveAccessibleDescription(waiting);
  await expect(tree.getByRole("treeitem", { name: "b.ts" })).toHaveAccessibleDescription(waiting);
  // The second browser's card follows: a.ts undone, no longer waiting.
  await expect(line(other, "a.ts")).toContainText("undone");
  await expect(line(other, "a.ts")).not.toContainText("waiting for review");
  await expect(card(other)).toContainText("3 waiting for review");

  // c.ts, deleted, has no tree row: it is listed above the editor, struck through, with its diff, Keep and Undo.
  const deleted = page.getByRole("region", { name: "Deleted, waiting for review" });
  await expect(deleted.locator("del")).toHaveText(["c.ts"]);
  const showDeleted = deleted.getByRole("button", { name: "Show the diff of c.ts (deleted, waiting for review)" });
  await Keyboard.pressOn(showDeleted, "Enter");
  const panel = page.getByRole("region", { name: "Change review" });
  await expect(panel.getByRole("heading")).toHaveText("Deleted: c.ts");
  await expect(panel.getByRole("textbox", { name: "Before the answer of c.ts" })).toContainText("export const c = 1;");
  await page.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  await expect(showDeleted).toBeFocused();
  // Undo brings it back (in the other browser's tree too); nothing deleted is left to list, so focus goes to the tree.
  await Keyboard.pressOn(deleted.getByRole("button", { name: "Undo the deletion of c.ts" }), "Enter");
  await expect(deleted).toHaveCount(0);
  await expect(tree.getByRole("treeitem", { name: "c.ts" })).toBeVisible();
  await expect(other.getByRole("tree", { name: "Files" }).getByRole("treeitem", { name: "c.ts" })).toBeVisible();
  await expect(tree.locator(":focus")).toHaveCount(1);
  await expect(line(other, "c.ts")).toContainText("undone");

  // Keep all on the answer's card: b.ts keeps its change and is no longer marked, here and in the other browser.
  await Keyboard.pressOn(card(page).getByRole("button", { name: "Keep all" }), "Enter");
  await expect(tree.getByRole("treeitem", { name: "b.ts" })).not.toHaveAccessibleDescription(waiting);
  await expect(card(other)).not.toContainText("waiting for review");
  await expect(tree.getByRole("treeitem", { name: "e.ts" })).not.toHaveAccessibleDescription(waiting);
  expect(await serverFiles(server, projectId)).toEqual({ "a.ts": original["a.ts"], "b.ts": "export const b = 2;\n", "c.ts": original["c.ts"], "e.ts": "d\n" });
  await expectFocusNotOnBody(page);
});

test("wait for review, by keyboard only: the changed lines marked in the editor, then Keep and Undo in the diff panel, which goes on to the next file and back to the card", async ({
  page,
}) => {
  await signIn(page, uniqueUser("panel"));
  await createProject(page, "Panel");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Panel")!._id;
  const original = { "a.ts": "export const a = 1;\nexport const same = 0;\n", "b.ts": "export const b = 1;\n" };
  for (const [name, content] of Object.entries(original)) await server.mutation(api.files.createFile, { projectId, name, content });
  await server.mutation(api.projects.updateSettings, { projectId, settings: { assistantChanges: "review" } });
  await enterProject(page, "Panel");

  scripted().stream(
    {
      kind: "tools",
      text: "Changing them.",
      calls: [
        { name: "edit_file", arguments: { path: "a.ts", old_text: "export const same = 0;", new_text: "export const same = 0;\nexport const added = 3;" } },
        { name: "edit_file", arguments: { path: "a.ts", old_text: "a = 1", new_text: "a = 2" } },
        { name: "edit_file", arguments: { path: "b.ts", old_text: "b = 1", new_text: "b = 2" } },
      ],
    },
    { kind: "text", chunks: ["Done."] },
  );
  scripted().complete({ kind: "text", content: "Panel test", when: ScriptedProvider.isTitleRequest });
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("Change a and b");
  await box.press("Enter");
  await expect(card(page)).toContainText("2 waiting for review", { timeout: 15_000 });

  // a.ts opened from the tree: the line the answer changed and the one it added are marked, the one it left is not.
  const tree = page.getByRole("tree", { name: "Files" });
  await Keyboard.pressOn(tree.getByRole("treeitem", { name: "a.ts" }), "Enter");
  const editor = page.locator(".cm-content");
  await expect(editor).toBeFocused();
  await expect(editor.locator(".cm-review-line-changed")).toHaveText(["export const a = 2;"]);
  await expect(editor.locator(".cm-review-line-added")).toHaveText(["export const added = 3;"]);
  await expect(page.locator(".cm-review-gutter .cm-review-mark")).toHaveCount(2);

  // The diff of a.ts from its card line; Keep is three Shift+Tabs back from Close (past Inline and Undo).
  const openA = line(page, "a.ts").getByRole("button", { name: /Show the diff of a\.ts/ });
  await Keyboard.pressOn(openA, "Enter");
  const panel = page.getByRole("region", { name: "Change review" });
  await expect(panel.getByRole("heading")).toHaveText("Edited: a.ts");
  await expect(panel.getByRole("button", { name: "Close" })).toBeFocused();
  for (let i = 0; i < 3; i++) await page.keyboard.press("Shift+Tab");
  await expect(panel.getByRole("button", { name: "Keep a.ts" })).toBeFocused();
  await page.keyboard.press("Enter");

  // Kept: the panel goes on to b.ts with focus on its Keep; the card and the editor's marks follow.
  await expect(panel.getByRole("heading")).toHaveText("Edited: b.ts");
  await expect(panel.getByRole("button", { name: "Keep b.ts" })).toBeFocused();
  await expect(line(page, "a.ts")).toContainText("kept");
  await expect(page.locator(".cm-review-mark")).toHaveCount(0);

  // Undo b.ts: nothing is left to review, so the panel closes and focus is back on a.ts's line in the card.
  await page.keyboard.press("Tab");
  await expect(panel.getByRole("button", { name: "Undo b.ts" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(panel).toHaveCount(0);
  await expect(openA).toBeFocused();
  await expect(line(page, "b.ts")).toContainText("undone");
  await expect(card(page)).not.toContainText("waiting for review");
  expect(await serverFiles(server, projectId)).toEqual({ "a.ts": "export const a = 2;\nexport const same = 0;\nexport const added = 3;\n", "b.ts": original["b.ts"] });
});

test("undo refused: the diff side by side and inline; after the user edits the lines the answer changed, Undo names the file and why, and Keep both brings the earlier text back beside it", async ({
  page,
}) => {
  await signIn(page, uniqueUser("refused"));
  await createProject(page, "Refused");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Refused")!._id;
  await server.mutation(api.files.createFile, { projectId, name: "a.ts", content: "export const a = 1;\n" });
  await enterProject(page, "Refused");

  scripted().stream(
    { kind: "tools", text: "Changing it.", calls: [{ name: "edit_file", arguments: { path: "a.ts", old_text: "a = 1", new_text: "a = 2" } }] },
    { kind: "text", chunks: ["Done."] },
  );
  scripted().complete({ kind: "text", content: "Refusal test", when: ScriptedProvider.isTitleRequest });
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("Set a to 2");
  await box.press("Enter");
  await expect(line(page, "a.ts")).toContainText("+1 −1", { timeout: 15_000 });

  // The diff, side by side, then inline by the keyboard (Space on the Inline box, which keeps focus): one editor
  // with the line before the answer shown as deleted above the line now; and back to side by side.
  const open = line(page, "a.ts").getByRole("button", { name: /Show the diff of a\.ts/ });
  await Keyboard.pressOn(open, "Enter");
  const panel = page.getByRole("region", { name: "Change review" });
  const before = panel.getByRole("textbox", { name: "Before the answer of a.ts" });
  const inlineView = panel.getByRole("textbox", { name: "Now of a.ts, with before the answer inline" });
  await expect(before).toContainText("export const a = 1;");
  await expect(inlineView).toHaveCount(0);
  const inline = panel.getByRole("checkbox", { name: "Inline" });
  await expect(inline).not.toBeChecked();
  await Keyboard.pressOn(inline, "Space");
  await expect(inline).toBeChecked();
  await expect(inline).toBeFocused();
  await expect(before).toHaveCount(0);
  await expect(panel.getByRole("textbox", { name: "Now of a.ts", exact: true })).toHaveCount(0);
  await expect(inlineView).toContainText("export const a = 2;");
  await expect(inlineView.locator(".cm-deletedChunk")).toContainText("export const a = 1;");
  await page.keyboard.press("Space");
  await expect(inline).not.toBeChecked();
  await expect(inlineView).toHaveCount(0);
  await expect(before).toContainText("export const a = 1;");
  await expect(panel.getByRole("textbox", { name: "Now of a.ts", exact: true })).toContainText("export const a = 2;");
  await page.keyboard.press("Escape");
  await expect(panel).toHaveCount(0);
  await expect(open).toBeFocused();

  // The user edits the same line in the editor, after the answer.
  await page.getByRole("treeitem", { name: "a.ts", exact: true }).dblclick();
  const editor = page.locator(".cm-content");
  await expect(editor).toContainText("export const a = 2;");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+Home");
  await page.keyboard.press("End");
  await page.keyboard.type(" // mine");
  await expect(page.getByRole("status", { name: "Save status" })).toHaveText("Saved");
  const mine = "export const a = 2; // mine\n";
  await expect.poll(() => serverFiles(server, projectId)).toEqual({ "a.ts": mine });

  // Undo is refused, naming the file and why; nothing changes, and focus stays on Undo.
  const undo = line(page, "a.ts").getByRole("button", { name: "Undo a.ts" });
  await Keyboard.pressOn(undo, "Enter");
  const refusal = card(page).getByRole("alert");
  await expect(refusal).toContainText('"a.ts" was edited after this change');
  await expect(refusal).toContainText("undoing it would lose that edit");
  await expect(undo).toBeFocused();
  expect(await serverFiles(server, projectId)).toEqual({ "a.ts": mine });

  // Keep both: the user's text stays in a.ts, the text before the answer comes back as "a copy.ts" (in the tree),
  // the line is kept, the refusal goes, and focus lands on the line's file button.
  await Keyboard.pressOn(refusal.getByRole("button", { name: "Keep both" }), "Enter");
  await expect(page.getByRole("treeitem", { name: "a copy.ts", exact: true })).toBeVisible();
  await expect(refusal).toHaveCount(0);
  await expect(line(page, "a.ts")).toContainText("kept");
  await expect(line(page, "a.ts").getByRole("button", { name: "Undo a.ts" })).toHaveCount(0);
  await expect(line(page, "a.ts").getByRole("button", { name: /Show the diff of a\.ts/ })).toBeFocused();
  expect(await serverFiles(server, projectId)).toEqual({ "a.ts": mine, "a copy.ts": "export const a = 1;\n" });
});

// In this file because it needs the provider: the status bar offers the suggestions' switch only while one is set
// (without one it says "AI suggestions: no provider"), and the provider lives on the backend for this file's run.
test("the editor loads its AI features: quick edit opens on a selection, and suggestions can be switched off", async ({ page }) => {
  await openProject(page, "Assisted");
  await page.getByRole("button", { name: "New File" }).click();
  const fileName = page.getByRole("textbox", { name: "New file name" });
  await fileName.fill("calc.ts");
  await fileName.press("Enter");
  const editor = page.locator(".cm-content");
  await expect(editor).toBeFocused();
  await page.keyboard.type("const total = 1 + 2;");
  await expect(page.getByRole("status", { name: "Save status" })).toHaveText("Saved");
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("ControlOrMeta+k");
  const instruction = page.getByRole("textbox", { name: "Quick edit instruction" });
  await expect(instruction).toBeFocused();
  await instruction.press("Escape");
  await expect(page.getByRole("region", { name: "Quick edit" })).toHaveCount(0);
  await expect(editor).toHaveText("const total = 1 + 2;");

  const toggle = page.getByRole("button", { name: /^AI suggestions: (on|off)$/ });
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-pressed", "false");
  await page.reload();
  await page.getByRole("treeitem", { name: "calc.ts", exact: true }).dblclick();
  await expect(page.getByRole("button", { name: "AI suggestions: off" })).toBeVisible();
});
