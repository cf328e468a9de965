import type { Page, Response } from "@playwright/test";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { api } from "../convex/_generated/api";
import { createProject, serverFor, signIn, UI } from "./drivers";
import { Run, RUNNER_URL, workingCopy } from "./drivers/run";
import { expect, test } from "./drivers/fixtures";

// Run a project for real: the runner `npm start` starts (bubblewrap-fenced pseudo-terminals), a dev command that
// serves one of the project's files, the preview on its own origin, and an edit in the editor reaching the disk.

const SERVER_JS = `const http = require("http");
const fs = require("fs");
http.createServer((req, res) => {
  res.setHeader("Content-Type", "text/html");
  res.end("<p>" + fs.readFileSync("page.txt", "utf8") + "</p>");
}).listen(0, "127.0.0.1", () => console.log("server ready"));
`;


/**
 * What the preview showed, for a failure message: the frame's address, title and first 500 characters of text,
 * what its requests and console said (collected by `watchPreview`), and the Run terminal (the dev server's log).
 * A preview that never showed the page must say why in CI, where nobody can look at the frame.
 */
async function previewDiagnosis(page: Page, events: string[]): Promise<string> {
  const lines: string[] = [];
  const iframe = page.locator('iframe[title="Preview"]');
  const frames = await iframe.count();
  if (frames === 0) lines.push("No preview frame is mounted (the Preview pane still waits for the preview to answer, or Run is not running).");
  else {
    lines.push(`frame src: ${await iframe.first().getAttribute("src")}`);
    const frame = await (await iframe.first().elementHandle())?.contentFrame();
    if (!frame) lines.push("The frame has no document.");
    else {
      lines.push(`frame url: ${frame.url()}`);
      const shown = await frame
        .evaluate(() => ({ title: document.title, text: (document.body?.innerText ?? "").slice(0, 500), html: document.documentElement.outerHTML.slice(0, 500) }))
        .catch((error: Error) => ({ title: "?", text: `(unreadable: ${error.message})`, html: "" }));
      lines.push(`frame title: ${JSON.stringify(shown.title)}`, `frame text: ${JSON.stringify(shown.text)}`, `frame html: ${JSON.stringify(shown.html)}`);
    }
  }
  lines.push(`Run status: ${await Run.status(page).textContent().catch(() => "?")}`);
  lines.push("preview requests and console:", ...events.slice(-60).map((e) => `  ${e}`));
  const log = await Run.terminalText(page).innerText().catch(() => "(the Run terminal is not shown)");
  lines.push("Run terminal (last 1500 characters):", log.slice(-1500));
  return lines.join("\n");
}

/** Collects the preview origin's responses, failed requests and console lines, for previewDiagnosis. */
function watchPreview(page: Page): string[] {
  const events: string[] = [];
  const isPreview = (url: string) => url.includes(".localhost:");
  // A navigation's headers too: a frame blocked by its response (net::ERR_BLOCKED_BY_RESPONSE) is blocked by them.
  const headers = (r: Response) => `    ${r.request().resourceType()} headers: ${JSON.stringify(r.headers())}`;
  page.on("response", (r) => {
    if (!isPreview(r.url())) return;
    events.push(`${r.status()} ${r.request().method()} ${r.url()}`);
    if (r.request().isNavigationRequest() || r.request().resourceType() === "fetch") events.push(headers(r));
  });
  page.on("requestfailed", (r) => {
    if (!isPreview(r.url())) return;
    events.push(`FAILED ${r.method()} ${r.url()} (${r.resourceType()}${r.isNavigationRequest() ? ", navigation" : ""}): ${r.failure()?.errorText}`);
    void r.response().then((got) => got && events.push(headers(got)), () => undefined);
  });
  page.on("console", (m) => {
    if (isPreview(m.location().url)) events.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on("framenavigated", (f) => {
    if (f !== page.mainFrame()) events.push(`frame navigated: ${f.url()}`);
  });
  return events;
}

/** The preview's #msg shows `text` within `timeout`, or the failure says what the frame showed instead. */
async function expectPreviewMessage(page: Page, events: string[], text: string, timeout: number): Promise<void> {
  try {
    await expect(Run.preview(page).locator("#msg")).toHaveText(text, { timeout });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n\nWhat the preview showed:\n${await previewDiagnosis(page, events)}`, { cause: error });
  }
}

async function seededProject(page: Page, name: string, settings: { installCommand: string; devCommand: string }) {
  await signIn(page);
  await createProject(page, name);
  const server = await serverFor(page);
  const projects = await server.query(api.projects.list, {});
  const projectId = projects.find((p) => p.name === name)!._id;
  await server.mutation(api.files.createFile, { projectId, name: "server.js", content: SERVER_JS });
  await server.mutation(api.files.createFile, { projectId, name: "page.txt", content: "first page" });
  await server.mutation(api.projects.updateSettings, { projectId, settings });
  await UI.projectLink(page, name).click();
  await expect(page.getByRole("button", { name: "New File" })).toBeVisible();
}

test("a terminal runs commands; Run serves the project in the preview, an edit reaches it, Stop ends it", async ({ page }) => {
  await seededProject(page, "Runnable", { installCommand: "echo installing", devCommand: "node server.js" });

  // Ctrl+` opens the panel with a shell, focused: typing goes straight to it.
  const tree = page.getByRole("treeitem", { name: "page.txt", exact: true });
  await tree.click();
  await expect(tree).toBeFocused();
  await page.keyboard.press("Control+Backquote");
  await expect(Run.panel(page)).toBeVisible();
  await expect(Run.terminalInput(page)).toBeFocused();
  await page.keyboard.type('echo "hello from the""-terminal"; cat page.txt; echo');
  await page.keyboard.press("Enter");
  await expect(Run.terminalText(page)).toContainText("hello from the-terminal");
  await expect(Run.terminalText(page)).toContainText("first page");

  // Ctrl+` again hides it and hands focus back to the tree row.
  await page.keyboard.press("Control+Backquote");
  await expect(Run.panel(page)).toHaveCount(0);
  await expect(tree).toBeFocused();

  // Run: install, then the dev server; the preview shows the page through the runner's proxy.
  await Run.button(page).click();
  await expect(Run.status(page)).toHaveText(/Running · port \d+/, { timeout: 30_000 });
  await expect(Run.preview(page).locator("p")).toHaveText("first page");
  await expect(Run.terminalText(page)).toContainText("installing");

  // Edit page.txt in the editor: the runner writes it to disk, the server serves it.
  await tree.dblclick();
  const editor = page.locator(".cm-content");
  await editor.click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("second page");
  await expect(page.getByRole("status", { name: "Save status" })).toHaveText("Saved");
  await expect(async () => {
    await page.getByRole("button", { name: "Reload" }).click();
    await expect(Run.preview(page).locator("p")).toHaveText("second page", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });

  await Run.button(page).click();
  await expect(Run.status(page)).toHaveText("Stopped");
  await expect(page.locator('iframe[title="Preview"]')).toHaveCount(0);
});


test("opening a workspace copies nothing to disk; the first Ctrl+` does, and what is typed at once reaches the shell", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Lazy start");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Lazy start")!._id;
  await server.mutation(api.files.createFile, { projectId, name: "lazy.txt", content: "copied when needed" });
  await UI.projectLink(page, "Lazy start").click();
  const tree = page.getByRole("treeitem", { name: "lazy.txt", exact: true });
  await tree.click();
  await expect(tree).toBeFocused();
  // The workspace is attached to the runner (it shows the Run status) and nothing was copied.
  await expect(Run.status(page)).toHaveText("Not running");
  expect(existsSync(workingCopy(projectId))).toBe(false);

  // Ctrl+` and type at once, as a person does: the keys reach the shell once the copy is on disk.
  await page.keyboard.press("Control+Backquote");
  await page.keyboard.type('cat lazy.txt; echo "typed at""-once"');
  await page.keyboard.press("Enter");
  await expect(Run.terminalInput(page)).toBeFocused();
  await expect(Run.terminalText(page)).toContainText("copied when needed");
  await expect(Run.terminalText(page)).toContainText("typed at-once");
  expect(existsSync(path.join(workingCopy(projectId), "lazy.txt"))).toBe(true);
});

test("an edit in the editor reaches a Vite preview by hot reload, without reloading the page", async ({ page }) => {
  test.setTimeout(180_000);
  // Vite from this checkout's node_modules, readable in the fence (playwright.config.ts) and linked by the install.
  const nodeModules = path.resolve("node_modules");
  const events = watchPreview(page);
  await signIn(page);
  await createProject(page, "Hot reload");
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === "Hot reload")!._id;
  await server.mutation(api.files.createMany, {
    projectId,
    items: [
      { name: "index.html", content: '<!doctype html><html><body><h1 id="msg"></h1><script type="module" src="/main.js"></script></body></html>' },
      {
        name: "main.js",
        content:
          'import { msg } from "./msg.js";\ndocument.getElementById("msg").textContent = msg;\n' +
          'import.meta.hot?.accept("./msg.js", (m) => { document.getElementById("msg").textContent = m.msg; });\n',
      },
      { name: "msg.js", content: 'export const msg = "first";\n' },
      { name: "vite.config.mjs", content: 'export default { cacheDir: ".vite-cache", clearScreen: false, server: { host: "127.0.0.1" } };\n' },
    ],
  });
  await server.mutation(api.projects.updateSettings, {
    projectId,
    settings: { installCommand: `ln -sfn ${nodeModules} node_modules`, devCommand: "node node_modules/vite/bin/vite.js --port 0 --configLoader native" },
  });
  await UI.projectLink(page, "Hot reload").click();
  const file = page.getByRole("treeitem", { name: "msg.js", exact: true });
  await file.click();
  await expect(file).toBeFocused();

  await page.keyboard.press("F5");
  await expect(Run.status(page)).toHaveText(/Running · port \d+/, { timeout: 90_000 });
  await expectPreviewMessage(page, events, "first", 30_000);
  // A marker on the preview's window: a full reload would lose it.
  const frame = page.frames().find((f) => f.url().includes(".localhost:"))!;
  await frame.evaluate(() => ((window as unknown as { marker: string }).marker = "kept"));

  await file.dblclick();
  await page.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type('export const msg = "second";');
  await expect(page.getByRole("status", { name: "Save status" })).toHaveText("Saved");
  await expectPreviewMessage(page, events, "second", 30_000);
  expect(await frame.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("kept");
  await Run.button(page).click();
  await expect(Run.status(page)).toHaveText("Stopped");
});

test("the status says Installing… while the install runs, then the port; Open preview ↗ links to the project's own preview origin", async ({ page }) => {
  // The install waits until this test creates install-go in the working copy: the status is read while it surely runs.
  const install = `node -e "const fs=require('fs');console.log('install-'+'waiting');const t=setInterval(()=>{if(fs.existsSync('install-go')){clearInterval(t)}},50)"`;
  await seededProject(page, "Slow install", { installCommand: install, devCommand: "node server.js" });
  const projectId = new URL(page.url()).pathname.split("/").pop()!;
  const tree = page.getByRole("treeitem", { name: "server.js", exact: true });
  await tree.click();
  await expect(tree).toBeFocused();
  await page.keyboard.press("F5");
  await expect(Run.terminalText(page)).toContainText("install-waiting", { timeout: 30_000 });
  await expect(Run.status(page)).toHaveText("Installing…");
  await expect(page.getByRole("link", { name: "Open preview ↗" })).toHaveCount(0);
  await writeFile(path.join(workingCopy(projectId), "install-go"), "");

  await expect(Run.status(page)).toHaveText(/Running · port \d+/, { timeout: 30_000 });
  const port = /port (\d+)/.exec((await Run.status(page).textContent())!)![1];
  await expect(Run.panel(page).getByText(`Preview · port ${port}`)).toBeVisible();
  const link = page.getByRole("link", { name: "Open preview ↗" });
  const href = (await link.getAttribute("href"))!;
  // Its own origin per project, on the runner, never the app's.
  const runnerPort = new URL(RUNNER_URL).port;
  expect(href).toMatch(new RegExp(`^http://p[a-z0-9]+\\.localhost:${runnerPort}/?$`));
  expect(new URL(href).origin).not.toBe(new URL(page.url()).origin);
  expect(await page.locator('iframe[title="Preview"]').getAttribute("src")).toBe(href);
  await expect(Run.panel(page).getByRole("link", { name: "Open in new tab ↗" })).toHaveAttribute("href", href);
  // The link opens the project in a tab: the page the dev server reads from page.txt.
  const [tab] = await Promise.all([page.waitForEvent("popup"), link.click()]);
  await expect(tab.locator("p")).toHaveText("first page");
  expect(tab.url().replace(/\/$/, "")).toBe(href.replace(/\/$/, ""));
  await tab.close();
  await Run.button(page).click();
  await expect(Run.status(page)).toHaveText("Stopped");
});

test("a failing install shows its exit code", async ({ page }) => {
  await seededProject(page, "Broken install", { installCommand: "exit 7", devCommand: "node server.js" });
  const tree = page.getByRole("treeitem", { name: "server.js", exact: true });
  await tree.click();
  await expect(tree).toBeFocused();
  // F5 runs, as in VS Code.
  await page.keyboard.press("F5");
  await expect(Run.status(page)).toHaveText("Failed");
  await expect(Run.panel(page)).toContainText("The install command failed with exit code 7");
  await expect(Run.terminalText(page)).toContainText("exit code 7");
});

test("Run right after saving the Dev command and typing in the editor runs what the person sees, saying it saves first", async ({ page }) => {
  await seededProject(page, "Run at once", { installCommand: "", devCommand: "" });
  await page.getByRole("treeitem", { name: "page.txt", exact: true }).dblclick();
  await page.locator(".cm-content").click();
  // No waits from here on: the text is not saved yet, the settings not confirmed, when F5 is pressed.
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("typed at once");
  await page.getByRole("button", { name: "Settings" }).click();
  await expect(page.getByRole("textbox", { name: "Install command" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.type("node server.js");
  await page.keyboard.press("Enter");
  await page.keyboard.press("F5");
  await expect(Run.status(page)).toHaveText(/Running · port \d+/, { timeout: 30_000 });
  await expect(Run.preview(page).locator("p")).toHaveText("typed at once");
  await expect(Run.terminalText(page)).not.toContainText("no install or dev command");
});

test("F5 in a project with no command asks for one, offering what its files suggest; Enter saves it and runs", async ({ page }) => {
  await seededProject(page, "No command yet", { installCommand: "", devCommand: "" });
  await page.getByRole("treeitem", { name: "server.js", exact: true }).dblclick();
  await expect(page.locator(".cm-content")).toBeFocused();
  await page.keyboard.press("F5");
  const dialog = page.getByRole("dialog", { name: "Settings for No command yet" });
  await expect(dialog).toHaveAccessibleDescription(/Run needs a command to start the project/);
  const dev = dialog.getByRole("textbox", { name: "Dev command" });
  await expect(dev).toBeFocused();
  await expect(dev).toHaveValue("node server.js");
  // Nothing was sent to the runner: it would only have failed.
  await expect(Run.panel(page)).toHaveCount(0);
  await page.keyboard.press("Enter");
  await expect(dialog).toHaveCount(0);
  await expect(Run.status(page)).toHaveText(/Running · port \d+/, { timeout: 30_000 });
  await expect(Run.preview(page).locator("p")).toHaveText("first page");
  await expect(Run.terminalText(page)).not.toContainText("no install or dev command");
  // Saved for the next Run, and for other windows: the server has it.
  const server = await serverFor(page);
  const project = (await server.query(api.projects.list, {})).find((p) => p.name === "No command yet")!;
  expect(project.settings?.devCommand).toBe("node server.js");
});
