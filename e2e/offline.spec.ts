import { readdirSync } from "node:fs";
import type { Page } from "@playwright/test";
import { expect, test } from "./drivers/fixtures";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { listed } from "../tests/listing";
import { createProject, expectZipHolds, Keyboard, serverFor, signIn, UI } from "./drivers";
import { useNoProvider, useScriptedProvider } from "./drivers/ai";

// Offline editing end to end, against the real local backend and a production build of the app (project
// "offline" in playwright.config.ts): only the production build registers the app-shell service worker that
// lets a reload work with no network. Nothing typed while offline is lost, a reload while still offline shows
// every pending change, and on reconnect each change reaches the server exactly once.

/** Waits until the service worker has precached the shell and controls the page, so a reload works offline. */
async function waitForOfflineShell(page: Page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (navigator.serviceWorker.controller) return;
    await new Promise<void>((resolve) =>
      navigator.serviceWorker.addEventListener("controllerchange", () => resolve(), { once: true }),
    );
  });
}

const Tree = {
  root: (page: Page) => page.getByRole("tree", { name: "Files" }),
  item: (page: Page, name: string) => page.getByRole("tree", { name: "Files" }).getByRole("treeitem", { name, exact: true }),
  input: (page: Page, label: "New file name" | "Rename") => page.getByRole("textbox", { name: label, exact: true }),
};

const Sync = {
  status: (page: Page) => page.getByRole("button", { name: /^(Online|Offline|Syncing|Sync paused|Sync error)/ }),
  online: (page: Page) => page.getByRole("button", { name: /^Online/ }),
};

async function openFile(page: Page, name: string) {
  await Tree.item(page, name).click();
  await expect(page.getByRole("tablist", { name: "Open files" }).getByRole("tab", { name: new RegExp(name) })).toBeVisible();
  await expect(page.locator(".cm-content").first()).toBeVisible();
}

async function typeAtEnd(page: Page, text: string) {
  const editor = page.locator(".cm-content").first();
  await editor.click();
  await page.keyboard.press("ControlOrMeta+End");
  await page.keyboard.type(text);
}

/** Waits until the editor's text is in the outbox (durable), which is what "Saved offline" means. */
async function waitSavedOffline(page: Page) {
  await expect(page.getByRole("status", { name: "Save status" })).toHaveText(/Saved offline/);
}

async function editorText(page: Page): Promise<string> {
  return page.locator(".cm-content").first().innerText();
}

test("the service worker precaches the build, but not the Clerk sign-in chunk a build without Clerk never loads", async ({ request }) => {
  // The build `npm start` served this suite (.polaris/site, local-backend/src/cli.ts SITE_DIR), built without a
  // Clerk key: the chunk is emitted (App.tsx imports it lazily) yet must stay out of sw.js's precache list.
  const assets = readdirSync(".polaris/site/assets");
  expect(assets.some((name) => /^ClerkRoot-.*\.js$/.test(name))).toBe(true);
  const sw = await (await request.get("/sw.js")).text();
  const workspace = assets.find((name) => /^WorkspacePage-.*\.js$/.test(name));
  expect(workspace).toBeDefined();
  expect(sw).toContain(`assets/${workspace}`);
  expect(sw).toContain("index.html");
  expect(sw).not.toContain("ClerkRoot-");
});

test("offline edits, creates, renames, moves and deletes survive a reload and reach the server once", async ({ page, context }) => {
  await signIn(page);
  await waitForOfflineShell(page);
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
  await expect(Sync.online(page)).toBeVisible();

  await context.setOffline(true);
  await expect(Sync.status(page)).toHaveText(/Offline/);
  await openFile(page, "a.ts");
  await typeAtEnd(page, "// offline a\n");
  await waitSavedOffline(page);
  await openFile(page, "b.ts");
  await typeAtEnd(page, "// offline b\n");
  await waitSavedOffline(page);

  await Tree.item(page, "b.ts").click();
  await page.getByRole("button", { name: "New File" }).click();
  await expect(Tree.input(page, "New file name")).toBeFocused();
  await page.keyboard.type("fresh.ts");
  await page.keyboard.press("Enter");
  await expect(Tree.item(page, "fresh.ts")).toBeVisible();

  await Tree.item(page, "old.ts").focus();
  await page.keyboard.press("F2");
  await expect(Tree.input(page, "Rename")).toBeFocused();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("renamed.ts");
  await page.keyboard.press("Enter");
  await expect(Tree.item(page, "renamed.ts")).toBeVisible();

  await Tree.item(page, "mover.ts").focus();
  await page.keyboard.press("Control+X");
  await Tree.item(page, "src").focus();
  await page.keyboard.press("Control+V");
  await expect(Tree.item(page, "mover.ts")).toHaveAttribute("aria-level", "2");

  await Tree.item(page, "gone.ts").focus();
  await page.keyboard.press("Delete");
  const confirm = page.getByRole("alertdialog", { name: 'Delete "gone.ts"?' });
  await confirm.getByRole("button", { name: "Delete" }).click();
  await expect(Tree.item(page, "gone.ts")).toHaveCount(0);
  await expect(Sync.status(page)).toHaveText(/Offline · \d+ (changes|change) pending/);

  // Reload with no network: the service worker serves the shell, IndexedDB the data and the outbox.
  await page.reload();
  await expect(Tree.item(page, "fresh.ts")).toBeVisible();
  await expect(Tree.item(page, "renamed.ts")).toBeVisible();
  await expect(Tree.item(page, "old.ts")).toHaveCount(0);
  await expect(Tree.item(page, "gone.ts")).toHaveCount(0);
  await expect(Tree.item(page, "src")).toHaveAttribute("aria-expanded", /true|false/);
  await openFile(page, "a.ts");
  await expect.poll(() => editorText(page)).toContain("// offline a");
  await openFile(page, "b.ts");
  await expect.poll(() => editorText(page)).toContain("// offline b");

  // Meanwhile another client edits a.ts at a different line: the offline edit merges with it.
  await server.mutation(api.files.updateContent, { fileId: a, content: "// header\nconst a = 1;\n", baseRevision: 1 });

  await context.setOffline(false);
  await expect(Sync.online(page)).toBeVisible({ timeout: 30_000 });

  const files = await listed(server, projectId);
  const byName = new Map(files.map((f) => [f.name, f]));
  expect([...byName.keys()].sort()).toEqual(["a.ts", "b.ts", "fresh.ts", "mover.ts", "renamed.ts", "src"]);
  expect(byName.get("mover.ts")!.parentId).toBe(src);
  expect(files.filter((f) => f.name === "fresh.ts")).toHaveLength(1);
  const aFile = await server.query(api.files.get, { fileId: a });
  expect(aFile.content).toBe("// header\nconst a = 1;\n// offline a\n");
  const bFile = await server.query(api.files.get, { fileId: byName.get("b.ts")!._id });
  expect(bFile.content).toBe("const b = 2;\n// offline b\n");
  // The open editor shows the merged text, the other writer's line included.
  await openFile(page, "a.ts");
  await expect.poll(async () => (await editorText(page)).trimEnd()).toBe("// header\nconst a = 1;\n// offline a");
});

test("a file created offline keeps its tab, text and cursor when the server confirms it", async ({ page, context }) => {
  await signIn(page);
  await createProject(page, "Galileo");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Galileo")!._id;
  await UI.projectLink(page, "Galileo").click();
  await expect(Tree.root(page)).toBeVisible();
  await expect(Sync.online(page)).toBeVisible();

  await context.setOffline(true);
  await expect(Sync.status(page)).toHaveText(/Offline/);
  await page.getByRole("button", { name: "New File" }).click();
  await page.keyboard.type("draft.ts");
  await page.keyboard.press("Enter");
  const tab = page.getByRole("tablist", { name: "Open files" }).getByRole("tab", { name: /draft\.ts/ });
  await expect(tab).toBeVisible();
  await typeAtEnd(page, "const draft = 1;\n");
  await waitSavedOffline(page);
  await page.keyboard.type("// still typing");

  await context.setOffline(false);
  await expect(Sync.online(page)).toBeVisible({ timeout: 30_000 });
  await expect(tab).toBeVisible();
  await expect(tab).toHaveAttribute("aria-selected", "true");
  await expect.poll(() => editorText(page)).toBe("const draft = 1;\n// still typing");
  // The cursor stayed where the typing was: more typing lands at the end.
  await page.keyboard.type("!");
  await expect.poll(async () => {
    const file = (await listed(server, projectId)).find((f) => f.name === "draft.ts");
    return file ? (await server.query(api.files.get, { fileId: file._id })).content : undefined;
  }, { timeout: 15_000 }).toBe("const draft = 1;\n// still typing!");
  await expect(page.getByRole("status", { name: "Save status" })).toHaveText("Saved");
});

test("the editor's code arrives with the workspace, so a file created offline before any was opened gets an editor", async ({ page, context }) => {
  const editorCode = page.waitForResponse((response) => /\/TextEditor-[^/]*\.js$/.test(response.url()) && response.ok());
  await signIn(page);
  // Created, the project opens itself.
  await createProject(page, "Hubble", { stay: true });
  await expect(Tree.root(page)).toBeVisible();
  // No file has been opened, and the editor's code is already here.
  await expect(page.getByRole("tab")).toHaveCount(0);
  await editorCode;

  await context.setOffline(true);
  await expect(Sync.status(page)).toHaveText(/Offline/);
  await page.getByRole("button", { name: "New File" }).click();
  await page.keyboard.type("draft.md");
  await page.keyboard.press("Enter");
  await page.keyboard.type("# first words");
  await expect.poll(async () => (await editorText(page)).trimEnd()).toBe("# first words");
  await waitSavedOffline(page);
});

test("overlapping offline and online edits end in a visible conflict, and both texts are kept", async ({ page, context }) => {
  await signIn(page);
  await createProject(page, "Pioneer");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Pioneer")!._id;
  const fileId: Id<"files"> = await server.mutation(api.files.createFile, { projectId, name: "c.ts", content: "x\n" });
  await UI.projectLink(page, "Pioneer").click();
  await openFile(page, "c.ts");
  await expect(Sync.online(page)).toBeVisible();

  await context.setOffline(true);
  await page.locator(".cm-content").first().click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("mine");
  await waitSavedOffline(page);
  await server.mutation(api.files.updateContent, { fileId, content: "theirs\n", baseRevision: 1 });
  await context.setOffline(false);

  // The editor shows the conflict in place, with both texts: the server's in the comparison, mine in the editor.
  const banner = page.getByRole("alert").filter({ hasText: "changed on the server" });
  await expect(banner).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => editorText(page)).toBe("mine");
  await banner.getByRole("button", { name: "Compare" }).click();
  await expect(page.getByTestId("compare-view")).toContainText("theirs");
  expect((await server.query(api.files.get, { fileId })).content).toBe("theirs\n");

  await Sync.status(page).click();
  await expect(page.getByRole("list", { name: "Sync problems" })).toContainText(/changed elsewhere/);

  // Keep mine writes my text on top of theirs and clears the problem.
  await banner.getByRole("button", { name: "Keep mine" }).click();
  // The banner leaves with its buttons: focus goes to the editor, where the person goes on.
  await expect(page.getByRole("textbox", { name: "Editor: c.ts" })).toBeFocused();
  await expect.poll(async () => (await server.query(api.files.get, { fileId })).content).toBe("mine");
  await expect(page.getByRole("list", { name: "Sync problems" })).toHaveCount(0);
});

test("a write against a file deleted elsewhere offers to save the text as a new file", async ({ page, context }) => {
  await signIn(page);
  await createProject(page, "Viking");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Viking")!._id;
  const fileId = await server.mutation(api.files.createFile, { projectId, name: "notes.md", content: "draft\n" });
  await UI.projectLink(page, "Viking").click();
  await openFile(page, "notes.md");
  await expect(Sync.online(page)).toBeVisible();

  await context.setOffline(true);
  await typeAtEnd(page, "keep me\n");
  await waitSavedOffline(page);
  await server.mutation(api.files.remove, { fileId });
  await context.setOffline(false);

  const banner = page.getByRole("alert").filter({ hasText: "This file was deleted" });
  await expect(banner).toBeVisible({ timeout: 30_000 });
  await banner.getByRole("button", { name: "Save as new file" }).click();
  await expect(Tree.item(page, "notes (restored).md")).toBeVisible();
  // The tree shows the new file at once; the server has it once the outbox has sent it.
  const restoredOnServer = async () =>
    (await listed(server, projectId)).find((f) => f.name === "notes (restored).md");
  await expect.poll(async () => (await restoredOnServer()) !== undefined, { timeout: 30_000 }).toBe(true);
  await expect(Sync.online(page)).toBeVisible({ timeout: 30_000 });
  const restored = (await restoredOnServer())!;
  expect((await server.query(api.files.get, { fileId: restored._id })).content).toBe("draft\nkeep me\n");
});

test("a write the server applied before the connection died is not applied twice on replay", async ({ page }) => {
  await signIn(page);
  await waitForOfflineShell(page);
  await createProject(page, "Mariner");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Mariner")!._id;

  // Between the page and the backend: forward every frame, except that once the server has applied the first
  // createFile, its answer is swallowed and that socket goes silent (a connection dying mid-request). The next
  // socket (after the reload) is forwarded normally, so the replay comes from the outbox under a new session:
  // only the write's clientOpId can keep the server from applying it twice.
  let createRequestId: number | undefined;
  let dropped = false;
  await page.routeWebSocket(/\/api\/[^/]+\/sync$/, (ws) => {
    const backend = ws.connectToServer();
    let silent = false;
    ws.onMessage((message) => {
      if (silent) return;
      if (typeof message === "string" && createRequestId === undefined) {
        const frame = JSON.parse(message) as { type?: string; udfPath?: string; requestId?: number };
        if (frame.type === "Mutation" && frame.udfPath === "files:createFile") createRequestId = frame.requestId;
      }
      backend.send(message);
    });
    backend.onMessage((message) => {
      if (silent) return;
      if (!dropped && typeof message === "string" && createRequestId !== undefined) {
        const frame = JSON.parse(message) as { type?: string; requestId?: number };
        if (frame.type === "MutationResponse" && frame.requestId === createRequestId) {
          dropped = true;
          silent = true;
          return;
        }
      }
      ws.send(message);
    });
  });

  // Routes apply to new sockets only: reload so the client's socket goes through the route.
  await page.reload();
  await UI.projectLink(page, "Mariner").click();
  await expect(Tree.root(page)).toBeVisible();
  await expect(Sync.online(page)).toBeVisible();
  await page.getByRole("button", { name: "New File" }).click();
  await page.keyboard.type("once.ts");
  await page.keyboard.press("Enter");
  await expect.poll(() => dropped).toBe(true);
  // The server has the file; the client never heard so, and still holds the write in its outbox.
  expect((await listed(server, projectId)).filter((f) => f.name === "once.ts")).toHaveLength(1);
  await expect(Sync.status(page)).toHaveText(/1 change/);
  await page.reload();
  await expect(Sync.online(page)).toBeVisible({ timeout: 30_000 });
  await expect(Tree.item(page, "once.ts")).toHaveCount(1);
  const files = await listed(server, projectId);
  expect(files.filter((f) => f.name === "once.ts")).toHaveLength(1);
});

test("dismissing the last sync problem hands focus to the sync button, and Escape closes the panel", async ({ page, context }) => {
  await signIn(page);
  await createProject(page, "Ranger");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Ranger")!._id;
  const fileId = await server.mutation(api.files.createFile, { projectId, name: "log.md", content: "x\n" });
  await UI.projectLink(page, "Ranger").click();
  await openFile(page, "log.md");
  await expect(Sync.online(page)).toBeVisible();

  await context.setOffline(true);
  await typeAtEnd(page, "lost?\n");
  await waitSavedOffline(page);
  await server.mutation(api.files.remove, { fileId });
  await context.setOffline(false);
  await expect(page.getByRole("alert").filter({ hasText: "This file was deleted" })).toBeVisible({ timeout: 30_000 });

  await Keyboard.pressOn(Sync.status(page), "Enter");
  const problems = page.getByRole("list", { name: "Sync problems" });
  await expect(problems.getByRole("listitem")).toHaveCount(1);
  await Keyboard.tabTo(page, problems.getByRole("button", { name: "Dismiss" }));
  await page.keyboard.press("Enter");
  await expect(problems).toHaveCount(0);
  await expect(Sync.status(page)).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("region", { name: "Sync status" })).toHaveCount(0);
  await expect(Sync.status(page)).toBeFocused();
});

/** How many cached query results of `path` this page's IndexedDB holds (the persisted read cache). */
async function cachedResults(page: Page, path: string): Promise<number> {
  return page.evaluate(async (wanted) => {
    let count = 0;
    for (const { name } of await indexedDB.databases()) {
      if (!name?.startsWith("polaris-sync:")) continue;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(new Error(String(open.error)));
      });
      const all = await new Promise<{ path: string }[]>((resolve, reject) => {
        const request = db.transaction("queries").objectStore("queries").getAll();
        request.onsuccess = () => resolve(request.result as { path: string }[]);
        request.onerror = () => reject(new Error(String(request.error)));
      });
      db.close();
      count += all.filter((q) => q.path === wanted).length;
    }
    return count;
  }, path);
}

test.describe("with no AI provider", () => {
  useNoProvider();

  test("offline after a reload, the chat shows the conversation seen before and says what works", async ({ page, context }) => {
    await signIn(page);
    await waitForOfflineShell(page);
    await createProject(page, "Cassini");
    const server = await serverFor(page);
    const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Cassini")!._id;
    const conversationId = await server.mutation(api.conversations.create, { projectId });
    // The help text answers (no provider is set); the question is stored as it was asked.
    await server.mutation(api.messages.send, { conversationId, content: "Where is the entry point?" });
    await UI.projectLink(page, "Cassini").click();
    const chat = page.getByRole("region", { name: "Assistant" });
    const question = (text: string) => chat.getByRole("article", { name: "You" }).filter({ hasText: text });
    await expect(question("Where is the entry point?")).toBeVisible();
    await expect(chat.getByRole("article", { name: "Assistant" })).toHaveText(/No AI provider is configured/);
    await expect.poll(() => cachedResults(page, "messages:outline")).toBeGreaterThan(0);
    // Both texts, the question's and the answer's: they reach the cache in separate writes when the answer, held
    // from its stream (ChatView.tsx), is there before the server has answered messages:body for the question; going
    // offline and reloading before the question's write (debounced, queryCache.ts) leaves it out, and the chat
    // never shows a message without its text.
    await expect.poll(() => cachedResults(page, "messages:body")).toBe(2);
    await expect.poll(() => cachedResults(page, "conversations:list")).toBeGreaterThan(0);

    await context.setOffline(true);
    await expect(Sync.status(page)).toHaveText(/Offline/);
    await page.reload();
    await expect(question("Where is the entry point?")).toBeVisible();
    await expect(chat.getByRole("article", { name: "Assistant" })).toHaveCount(1);
    await expect(chat.getByText(/^Offline: write your question now and send it when the connection is back/)).toBeVisible();
    const box = chat.getByRole("textbox", { name: "Message" });
    await box.click();
    await page.keyboard.type("And the tests?");
    await page.keyboard.press("Enter");
    await expect(box).toHaveValue("And the tests?");
    await expect(box).toBeFocused();
    await expect(chat.getByRole("button", { name: "Send" })).toBeDisabled();

    // Back online, the draft is there to send and the conversation is live again.
    await context.setOffline(false);
    await expect(Sync.online(page)).toBeVisible({ timeout: 30_000 });
    await expect(chat.getByText(/^Offline:/)).toHaveCount(0);
    await page.keyboard.press("Enter");
    await expect(question("And the tests?")).toBeVisible();
    await expect(box).toHaveValue("");
  });
});

test.describe("an answer streamed in this tab", () => {
  const scripted = useScriptedProvider();

  test("shows offline after a reload, though its text was never read from messages:body", async ({ page, context }) => {
    await signIn(page);
    await waitForOfflineShell(page);
    await createProject(page, "Galileo");
    await UI.projectLink(page, "Galileo").click();
    const chat = page.getByRole("region", { name: "Assistant" });
    scripted().stream({ kind: "text", chunks: ["Streamed ", "here, ", "kept ", "for later."], delayMs: 50 });
    const box = chat.getByRole("textbox", { name: "Message" });
    await box.fill("Say something");
    await box.press("Enter");
    const answer = chat.getByRole("article", { name: "Assistant" });
    await expect(answer).toHaveAttribute("data-status", "completed", { timeout: 15_000 });
    await expect(answer).toContainText("Streamed here, kept for later.");
    // The question's text and the answer's, which the chat put in the cache from the chunks it streamed.
    await expect.poll(() => cachedResults(page, "messages:body")).toBe(2);

    await context.setOffline(true);
    await expect(Sync.status(page)).toHaveText(/Offline/);
    await page.reload();
    await expect(chat.getByRole("article", { name: "You" })).toContainText("Say something");
    await expect(chat.getByRole("article", { name: "Assistant" })).toContainText("Streamed here, kept for later.");
    await context.setOffline(false);
  });
});

test("offline, a delete and its Undo show at once, and the file is back on the server after reconnecting", async ({ page, context }) => {
  await signIn(page);
  await createProject(page, "Huygens");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Huygens")!._id;
  await server.mutation(api.files.createFile, { projectId, name: "keep.md", content: "k\n" });
  await server.mutation(api.files.createFile, { projectId, name: "zap.md", content: "z\n" });
  await UI.projectLink(page, "Huygens").click();
  await expect(Tree.item(page, "zap.md")).toBeVisible();
  await expect(Sync.online(page)).toBeVisible();

  await context.setOffline(true);
  await expect(Sync.status(page)).toHaveText(/Offline/);
  await Tree.item(page, "zap.md").focus();
  await page.keyboard.press("Delete");
  await page.getByRole("alertdialog", { name: 'Delete "zap.md"?' }).getByRole("button", { name: "Delete" }).press("Enter");
  await expect(Tree.item(page, "zap.md")).toHaveCount(0);
  const toast = UI.notifications(page).getByRole("listitem").filter({ hasText: 'Deleted "zap.md".' });
  await expect(toast.getByRole("button", { name: "Undo" })).toBeVisible();
  await page.keyboard.press("ControlOrMeta+z");
  // Shown before the server could answer: the restore's guess, from the outbox.
  await expect(Tree.item(page, "zap.md")).toBeVisible();
  await expect(Tree.item(page, "zap.md")).toBeFocused();

  await context.setOffline(false);
  await expect(Sync.online(page)).toBeVisible({ timeout: 30_000 });
  const names = (await listed(server, projectId)).map((f) => f.name).sort();
  expect(names).toEqual(["keep.md", "zap.md"]);
  await expect(Tree.item(page, "zap.md")).toBeVisible();
});

test("offline, Download ZIP holds the files read before byte for byte and names the ones never read as left out", async ({ page, context }) => {
  await signIn(page);
  await createProject(page, "Satchel");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Satchel")!._id;
  // Text whose bytes a careless round trip would change: CRLF, a BOM, non-ASCII.
  const read: Record<string, string> = { "crlf.txt": "one\r\ntwo\r\n", "bom.ts": "\uFEFFexport const caf\u00e9 = '\u2603';\n" };
  for (const [name, content] of Object.entries(read)) await server.mutation(api.files.createFile, { projectId, name, content });
  await server.mutation(api.files.createFile, { projectId, name: "never.md", content: "never opened\n" });
  await UI.projectLink(page, "Satchel").click();
  await expect(Tree.item(page, "never.md")).toBeVisible();
  for (const name of Object.keys(read)) await openFile(page, name);
  await expect(Sync.online(page)).toBeVisible();

  await context.setOffline(true);
  await expect(Sync.status(page)).toHaveText(/Offline/);
  await page.getByRole("button", { name: "Import / Export" }).click();
  const dialog = page.getByRole("dialog", { name: "Import / Export" });
  const downloading = page.waitForEvent("download");
  await dialog.getByRole("button", { name: "Download ZIP" }).click();
  const download = await downloading;
  await expectZipHolds(download, "Satchel.zip", read);
  await expect(dialog.getByText("Satchel.zip was saved without 1 file: never.md (not available offline). Go online and download again to include them.")).toBeVisible();
});

test("search while offline says only unsaved edits are searched and finds them; back online it searches the server", async ({ page, context }) => {
  await signIn(page);
  await waitForOfflineShell(page);
  await createProject(page, "Seeker");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Seeker")!._id;
  await server.mutation(api.files.createFile, { projectId, name: "a.ts", content: "const a = 1;\n" });
  await server.mutation(api.files.createFile, { projectId, name: "b.ts", content: "const needle = 2;\n" });
  await UI.projectLink(page, "Seeker").click();
  await openFile(page, "a.ts");
  await expect(Sync.online(page)).toBeVisible();

  await context.setOffline(true);
  await expect(Sync.status(page)).toHaveText(/Offline/);
  await typeAtEnd(page, "// needle typed offline\n");
  await waitSavedOffline(page);

  // Ctrl+Shift+F from the tree, typing at once: only a.ts's unsaved text can be searched, and the panel says so.
  await Keyboard.pressOn(Tree.item(page, "a.ts"), "ControlOrMeta+Shift+F");
  await page.keyboard.type("needle");
  const panel = page.getByRole("region", { name: "Search" });
  const results = page.getByRole("tree", { name: "Search results" });
  await expect(panel.getByRole("status")).toHaveText("1 match in 1 file · offline: only files with unsaved edits were searched");
  await expect(results.locator('[role="treeitem"][aria-level="1"]')).toHaveText([/^a\.ts1unsaved$/]);
  // Enter on the match opens a.ts there, with focus in the editor: typing replaces the match.
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await page.keyboard.type("pin");
  await expect(page.locator(".cm-content .cm-line").nth(1)).toHaveText("// pin typed offline");

  // Online again: the search runs on the server too, and b.ts's match (never opened here) shows.
  await context.setOffline(false);
  await expect(panel.getByRole("status")).toHaveText("1 match in 1 file");
  await expect(results.locator('[role="treeitem"][aria-level="1"]')).toHaveText([/^b\.ts1$/]);
});

test("offline, an unsaved edit is searched and Ctrl+Shift+1 replaces its match: the open editor shows it at once, typing on keeps it, and the server gets both", async ({ page, context }) => {
  await signIn(page);
  await waitForOfflineShell(page);
  await createProject(page, "Replacer");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Replacer")!._id;
  const a = await server.mutation(api.files.createFile, { projectId, name: "a.ts", content: "const a = 1;\n" });
  await UI.projectLink(page, "Replacer").click();
  await openFile(page, "a.ts");
  await expect(Sync.online(page)).toBeVisible();

  await context.setOffline(true);
  await expect(Sync.status(page)).toHaveText(/Offline/);
  await typeAtEnd(page, "// needle typed offline\n");
  await waitSavedOffline(page);

  await Keyboard.pressOn(Tree.item(page, "a.ts"), "ControlOrMeta+Shift+F");
  await page.keyboard.type("needle");
  const panel = page.getByRole("region", { name: "Search" });
  const results = page.getByRole("tree", { name: "Search results" });
  await expect(panel.getByRole("status")).toHaveText("1 match in 1 file · offline: only files with unsaved edits were searched");
  await Keyboard.tabTo(page, page.getByRole("textbox", { name: "Replace" }));
  await page.keyboard.type("pin");
  // Into the results: a.ts's row, then its line; Ctrl+Shift+1 replaces that match.
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  await expect(results.locator('[role="treeitem"]:focus')).toContainText("// needle typed offline");
  await page.keyboard.press("ControlOrMeta+Shift+Digit1");
  await expect(panel.getByRole("status")).toHaveText("0 matches in 0 files · offline: only files with unsaved edits were searched");
  // The editor of a.ts, open with its own save still unsent, shows the replace at once (it once kept the old
  // text until the connection came back, and a save typed meanwhile wrote that old text over the replace).
  const lines = page.locator(".cm-content .cm-line");
  await expect(lines.nth(1)).toHaveText("// pin typed offline");
  await typeAtEnd(page, "// more\n");
  await waitSavedOffline(page);

  await context.setOffline(false);
  const both = "const a = 1;\n// pin typed offline\n// more\n";
  await expect.poll(async () => (await server.query(api.files.get, { fileId: a })).content).toBe(both);
  await expect(Sync.online(page)).toBeVisible();
  await expect(lines).toHaveText(["const a = 1;", "// pin typed offline", "// more", ""]);
});

test("a folder dropped from the desktop while offline shows at once and reaches the server on reconnect", async ({ page, context }) => {
  await signIn(page);
  await createProject(page, "Dropper");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Dropper")!._id;
  await UI.projectLink(page, "Dropper").click();
  await expect(Tree.root(page)).toBeVisible();
  await expect(Sync.online(page)).toBeVisible();

  await context.setOffline(true);
  // A synthetic drop (see e2e/tree.spec.ts): app/ holding main.ts and lib/util.ts, as fake directory/file entries.
  const drop = await page.evaluateHandle(() => {
    const file = (name: string, text: string) => ({ isFile: true, isDirectory: false, name, file: (ok: (f: File) => void) => ok(new File([text], name)) });
    const folder = (name: string, children: object[]) => ({
      isFile: false,
      isDirectory: true,
      name,
      createReader: () => {
        let done = false;
        return { readEntries: (ok: (e: object[]) => void) => setTimeout(() => ok(done ? [] : ((done = true), children)), 0) };
      },
    });
    const top = folder("app", [file("main.ts", "main\n"), folder("lib", [file("util.ts", "util\n")])]);
    const data = new DataTransfer();
    data.items.add(new File([], "app"));
    Object.defineProperty(data, "items", { value: [{ kind: "file", type: "", webkitGetAsEntry: () => top }] });
    return data;
  });
  const zone = page.locator(".file-tree-scroll");
  await zone.dispatchEvent("dragover", { dataTransfer: drop });
  await zone.dispatchEvent("drop", { dataTransfer: drop });
  await expect(Tree.item(page, "app")).toBeFocused();
  // The tree shows what waits in the outbox: the folder opens (ArrowRight) on its file and subfolder.
  await page.keyboard.press("ArrowRight");
  await expect(Tree.item(page, "main.ts")).toBeVisible();
  await expect(Tree.item(page, "lib")).toBeVisible();

  await context.setOffline(false);
  const onServer = async () => {
    const entries = await listed(server, projectId);
    const byId = new Map(entries.map((e) => [e._id as string, e]));
    const pathOf = (e: (typeof entries)[number]): string => (e.parentId ? `${pathOf(byId.get(e.parentId)!)}/${e.name}` : e.name);
    return entries.map(pathOf).sort();
  };
  await expect.poll(onServer, { timeout: 30_000 }).toEqual(["app", "app/lib", "app/lib/util.ts", "app/main.ts"]);
  const util = (await listed(server, projectId)).find((e) => e.name === "util.ts")!;
  expect((await server.query(api.files.get, { fileId: util._id })).content).toBe("util\n");
});

test("offline, a file never opened here says it cannot load, and keys typed at once do not act on the tree", async ({ page, context }) => {
  await signIn(page);
  await createProject(page, "Unread");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Unread")!._id;
  for (const name of ["alpha.txt", "beta.txt", "delta.txt"]) await server.mutation(api.files.createFile, { projectId, name, content: `${name}\n` });
  await UI.projectLink(page, "Unread").click();
  await expect(Tree.item(page, "delta.txt")).toBeVisible();
  await context.setOffline(true);
  await expect(Sync.status(page)).toHaveText(/Offline/);

  // Enter on a file this browser never read, and type at once, as a person does who expects the editor.
  await Keyboard.pressOn(Tree.item(page, "alpha.txt"), "Enter");
  await page.keyboard.type("bd");
  const message = page.getByText("alpha.txt is not stored on this device yet: it opens when you are back online.");
  await expect(message).toBeVisible();
  // The tree's type-ahead saw none of it: alpha.txt keeps the tree's focus mark, and focus is not in the tree.
  await expect(Tree.root(page).locator('[role="treeitem"][tabindex="0"]')).toHaveAccessibleName("alpha.txt");
  const focus = await page.evaluate(() => {
    const active = document.activeElement;
    return { inTree: active?.closest('[role="tree"]') !== null, onBody: active === document.body, label: active?.getAttribute("aria-labelledby") ?? active?.tagName };
  });
  expect(focus.onBody, "focus is on the page's body").toBe(false);
  expect(focus.inTree, `focus is in the tree (${focus.label})`).toBe(false);
  await expect(page.getByRole("tabpanel", { name: /alpha\.txt/ })).toBeFocused();

  // Back online, the file comes and the editor takes focus from its panel: typing goes on in the file, and what
  // was typed while it could not load was not kept for it.
  await context.setOffline(false);
  const editor = page.getByRole("textbox", { name: "Editor: alpha.txt" });
  await expect(editor).toBeFocused({ timeout: 20_000 });
  await page.keyboard.type("x");
  await expect(editor).toHaveText("xalpha.txt");
});
