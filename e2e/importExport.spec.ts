import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { unzipSync, zipSync } from "fflate";
import { expect, test } from "./drivers/fixtures";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { createProject, expectZipHolds, Keyboard, serverFor, setEnv, signIn, UI } from "./drivers";
import { git, startGitServer, type GitServer } from "../tests/git/gitServer";
import { startTransferHookServer, type TransferHookServer } from "../tests/git/transferHook";

// Import and export in a real browser against the real local backend: a ZIP picked in the dialog is imported on
// the server (the tree shows it), the project is exported to a real Git smart-HTTP server (git http-backend on
// loopback) and checked with the git binary, and the ZIP download is compared byte for byte.

let server: GitServer;
// The transfer action reports each batch it writes here and waits for the answer (convex/transfer/testHook.ts).
let hooks: TransferHookServer;

test.beforeAll(async () => {
  server = await startGitServer();
  hooks = await startTransferHookServer();
  setEnv("POLARIS_GIT_ALLOW_PRIVATE_NETWORK", "1");
  setEnv("POLARIS_TRANSFER_HOOK_URL", hooks.url);
});

test.afterAll(async () => {
  setEnv("POLARIS_GIT_ALLOW_PRIVATE_NETWORK", null);
  setEnv("POLARIS_TRANSFER_HOOK_URL", null);
  await server.close();
  await hooks.close();
});

/** A bare repository `name` whose default branch is main, with a branch `feature` that adds feature.txt. */
function repoWithBranch(name: string, files: Record<string, Uint8Array>) {
  const bare = path.join(server.root, name);
  git(server.root, "init", "--bare", "-q", "-b", "main", bare);
  const src = mkdtempSync(path.join(tmpdir(), "polaris-e2e-repo-"));
  for (const [rel, bytes] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
    writeFileSync(path.join(src, rel), bytes);
  }
  git(src, "init", "-q", "-b", "main");
  git(src, "add", ".");
  git(src, "commit", "-q", "-m", "initial");
  git(src, "push", "-q", bare, "main");
  git(src, "checkout", "-q", "-b", "feature");
  writeFileSync(path.join(src, "feature.txt"), "only on feature\n");
  git(src, "add", ".");
  git(src, "commit", "-q", "-m", "feature");
  git(src, "push", "-q", bare, "feature");
}

test("Import project… on the dashboard, keyboard only: a Git branch becomes a new project that opens with live progress", async ({ page }) => {
  const files: Record<string, Uint8Array> = { "img/logo.png": PNG };
  for (let i = 0; i < 70; i++) files[`d${i}/f.txt`] = enc.encode(`file ${i}\n`);
  repoWithBranch("dash.git", files);
  await signIn(page);
  // Held after the first batch of files: the project shows "N of 72 files" and Cancel until the test lets it go.
  const held = hooks.holdNext((step) => step.source === server.repoUrl("dash.git") && step.done > 0 && step.done < step.total);

  // Beside the heading, just before the new project's name field, which has focus on an empty dashboard.
  await expect(UI.newProjectField(page)).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(page.getByRole("button", { name: "Import project…" })).toBeFocused();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Import project" });
  await expect(dialog.getByLabel("Git URL")).toBeFocused();
  await page.keyboard.type(server.repoUrl("dash.git"));
  await page.keyboard.press("Tab");
  await page.keyboard.type("feature");
  await page.keyboard.press("Tab");
  await expect(dialog.getByLabel("Project name (optional)")).toHaveAttribute("placeholder", "dash");
  await page.keyboard.type("Dashed");
  await page.keyboard.press("Enter");

  // The new project opens at once; its banner counts files and offers Cancel, which has focus.
  await expect(page.getByRole("heading", { name: "Dashed", level: 1 })).toBeVisible();
  const step = await held.arrived;
  await expect(page.getByRole("status").filter({ hasText: `${step.done} of 72 files` })).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel import" })).toBeFocused();
  held.release();

  // Done: the banner goes, focus moves to the tree, and the tree holds the branch's files.
  await expect(page.getByRole("button", { name: "Cancel import" })).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByRole("treeitem", { name: "d0", exact: true })).toBeVisible();
  const projectId = new URL(page.url()).pathname.split("/").pop() as Id<"projects">;
  const status = await (await serverFor(page)).query(api.transfers.status, { projectId });
  expect(status.import?.message).toMatch(/^Imported 72 files; from feature at /);
  await expect.poll(() => page.evaluate(() => document.activeElement?.closest('[role="tree"]') != null)).toBe(true);
});

test("Import project…: a missing repository fails with its reason and Dismiss focused; a ZIP dropped on the dialog becomes a project", async ({ page }) => {
  await signIn(page);
  await page.getByRole("button", { name: "Import project…" }).click();
  const dialog = page.getByRole("dialog", { name: "Import project" });
  // A Git URL the server does not have: the new project opens and says why the import failed.
  await dialog.getByLabel("Git URL").fill(server.repoUrl("missing.git"));
  await dialog.getByLabel("Git URL").press("Enter");
  await expect(page.getByRole("heading", { name: "missing", level: 1 })).toBeVisible();
  await expect(page.getByRole("alert").filter({ hasText: /Import of .*missing\.git failed: No Git repository was found/ })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole("button", { name: "Dismiss" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Dismiss" })).toHaveCount(0);
  // Dismissed stays dismissed after a reload: once the import dialog shows the failure (the same status query the
  // banner reads has answered), the banner is still gone.
  await page.reload();
  await expect(page.getByRole("heading", { name: "missing", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Import / Export" }).click();
  await expect(page.getByRole("dialog", { name: "Import / Export" }).getByRole("alert").filter({ hasText: /missing\.git failed: No Git repository was found/ })).toBeVisible();
  await expect(page.locator(".import-banner")).toHaveCount(0);
  await page.keyboard.press("Escape");

  // Back on the dashboard, a ZIP dropped on the dialog (a DataTransfer built in the page, as a drop from the desktop).
  await page.getByRole("link", { name: "← Projects" }).click();
  await page.getByRole("button", { name: "Import project…" }).click();
  const zip = Buffer.from(zipSync(FILES)).toString("base64");
  const drop = await page.evaluateHandle((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], "dropped.zip", { type: "application/zip" }));
    return data;
  }, zip);
  await dialog.locator(".import-drop").dispatchEvent("dragover", { dataTransfer: drop });
  await dialog.locator(".import-drop").dispatchEvent("drop", { dataTransfer: drop });
  await expect(page.getByRole("heading", { name: "dropped", level: 1 })).toBeVisible();
  await expect(page.getByRole("treeitem", { name: "index.html", exact: true })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole("treeitem", { name: "img", exact: true })).toBeVisible();
});

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 255, 0, 7]);
const enc = new TextEncoder();
const FILES: Record<string, Uint8Array> = {
  "index.html": enc.encode("<!doctype html>\n<h1>Hi</h1>\n"),
  "src/app.ts": enc.encode("export const x = 1;\r\n"),
  "img/logo.png": PNG,
};

test("import a ZIP, export it to a Git server and download it again, byte for byte", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Zipped");
  await UI.projectLink(page, "Zipped").click();
  await page.getByRole("button", { name: "Import / Export" }).click();
  const dialog = page.getByRole("dialog", { name: "Import / Export" });
  await dialog.getByLabel("ZIP file").setInputFiles({ name: "site.zip", mimeType: "application/zip", buffer: Buffer.from(zipSync(FILES)) });
  await expect(dialog.getByText(/Import of site\.zip completed: Imported 3 files/)).toBeVisible({ timeout: 30_000 });

  // Export to an empty repository on the Git server, then check it with the git binary.
  const bare = path.join(server.root, "site.git");
  git(server.root, "init", "--bare", "-q", "-b", "main", bare);
  await dialog.getByLabel("Repository URL").fill(server.repoUrl("site.git"));
  await dialog.getByRole("button", { name: "Export to Git", exact: true }).click();
  await expect(dialog.getByText(/Export of .*site\.git completed: Pushed 3 files to main/)).toBeVisible({ timeout: 30_000 });
  const listed = git(bare, "ls-tree", "-r", "--name-only", "main").trim().split("\n").sort();
  expect(listed).toEqual(Object.keys(FILES).sort());
  for (const [name, bytes] of Object.entries(FILES)) {
    // `git show main:path` prints the blob's exact bytes (read from disk: this process also serves the HTTP side).
    const shown = execFileSync("git", ["show", `main:${name}`], { cwd: bare });
    expect(Buffer.compare(shown, Buffer.from(bytes)), name).toBe(0);
  }

  // Download the project as a ZIP by keyboard: the same files, byte for byte.
  const downloadButton = dialog.getByRole("button", { name: "Download ZIP" });
  const downloading = page.waitForEvent("download");
  await Keyboard.pressOn(downloadButton, "Enter");
  const download = await downloading;
  // The button is disabled while the ZIP is made; focus comes back to it after, not left on the page's body.
  await expect(downloadButton).toBeFocused();
  await expectZipHolds(download, "Zipped.zip", FILES);

  // Close the dialog from its last button: the tree shows the imported files.
  await page.keyboard.press("Escape");
  await expect(page.getByRole("treeitem", { name: "index.html", exact: true })).toBeVisible();
  await expect(page.getByRole("treeitem", { name: "src", exact: true })).toBeVisible();
});

test("an export to Git waits for the editor's text to reach the server, and pushes what the editor shows", async ({ page }) => {
  // The sync socket passes through the test, which holds the text's save (files:updateContent) until told:
  // the export must not leave before the server has the text, however fast it is pressed.
  let holding = true;
  const held: string[] = [];
  const sentWhileHeld: string[] = [];
  let toServer: (message: string) => void = () => {};
  await page.routeWebSocket(/\/api\/[^/]+\/sync$/, (ws) => {
    const backend = ws.connectToServer();
    toServer = (message) => backend.send(message);
    ws.onMessage((message) => {
      const text = String(message);
      if (holding && text.includes('"files:updateContent"')) held.push(text);
      else {
        if (holding && held.length > 0) sentWhileHeld.push(text);
        backend.send(text);
      }
    });
    backend.onMessage((message) => ws.send(message));
  });
  await signIn(page);
  await createProject(page, "Typed", { stay: true });
  await page.keyboard.press("ControlOrMeta+Alt+N");
  await page.keyboard.type("notes.txt\nwritten just now");
  await expect(page.getByRole("textbox", { name: "Editor: notes.txt" })).toHaveText("written just now");
  const bare = path.join(server.root, "typed.git");
  git(server.root, "init", "--bare", "-q", "-b", "main", bare);
  await page.getByRole("button", { name: "Import / Export" }).click();
  const dialog = page.getByRole("dialog", { name: "Import / Export" });
  await dialog.getByLabel("Repository URL").fill(server.repoUrl("typed.git"));
  await expect.poll(() => held.length).toBeGreaterThan(0);
  await dialog.getByRole("button", { name: "Export to Git", exact: true }).click();
  // Busy: the dialog's buttons are disabled while the export waits for the save.
  await expect(dialog.getByRole("button", { name: "Export to Git", exact: true })).toBeDisabled();
  expect(sentWhileHeld.filter((m) => m.includes("transfers:exportGit"))).toEqual([]);
  holding = false;
  for (const message of held.splice(0)) toServer(message);
  await expect(dialog.getByText(/Export of .*typed\.git completed: Pushed 1 file to main/)).toBeVisible({ timeout: 30_000 });
  expect(execFileSync("git", ["show", "main:notes.txt"], { cwd: bare }).toString()).toBe("written just now");
});

test("export to GitHub from the dialog: the first export creates a private repository in an organization with the saved token and pushes to the branch given", async ({ page }) => {
  // A loopback stand-in for GitHub's POST /user/repos: it records the request and creates the repository on the
  // Git server, whose clone URL it answers with.
  const { createServer } = await import("node:http");
  const received: { path: string; auth: string | undefined; body: { name: string; private: boolean } }[] = [];
  const githubApi = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/orgs/acme/repos") return void res.writeHead(404).end();
      const body = JSON.parse(raw) as { name: string; private: boolean };
      received.push({ path: req.url, auth: req.headers.authorization, body });
      git(server.root, "init", "--bare", "-q", "-b", "main", path.join(server.root, `${body.name}.git`));
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ clone_url: server.repoUrl(`${body.name}.git`), html_url: `https://github.example/me/${body.name}` }));
    });
  });
  await new Promise<void>((resolve) => githubApi.listen(0, "127.0.0.1", resolve));
  const apiUrl = `http://127.0.0.1:${(githubApi.address() as { port: number }).port}`;
  setEnv("POLARIS_GITHUB_API_URL", apiUrl);
  try {
    await signIn(page);
    await createProject(page, "To GitHub");
    await UI.projectLink(page, "To GitHub").click();
    await page.getByRole("button", { name: "Import / Export" }).click();
    const dialog = page.getByRole("dialog", { name: "Import / Export" });
    await dialog.getByLabel("ZIP file").setInputFiles({ name: "gh.zip", mimeType: "application/zip", buffer: Buffer.from(zipSync({ "a.txt": enc.encode("a\n") })) });
    await expect(dialog.getByText(/Import of gh\.zip completed/)).toBeVisible({ timeout: 30_000 });

    await dialog.getByLabel("Host").fill(apiUrl);
    await dialog.getByLabel("Token").fill("gh-token");
    await dialog.getByRole("button", { name: "Save token" }).click();
    await expect(dialog.getByRole("button", { name: `Remove token for ${new URL(apiUrl).host}` })).toBeVisible();

    const form = dialog.getByRole("form", { name: "Export to GitHub" });
    await expect(form.getByLabel("Private repository")).toBeChecked();
    await form.getByLabel("GitHub repository name").fill("gh-e2e");
    // An organization name GitHub would refuse is explained in place, and nothing is sent.
    await form.getByLabel("Organization (optional)").fill("-acme");
    await form.getByRole("button", { name: "Export to GitHub" }).click();
    await expect(dialog.getByRole("alert").filter({ hasText: '"-acme" is not a GitHub account or organization name' })).toBeVisible();
    await form.getByLabel("Organization (optional)").fill("acme");
    await form.getByLabel("GitHub branch (optional)").fill("site");
    await form.getByRole("button", { name: "Export to GitHub" }).click();
    await expect(dialog.getByText(/Export of GitHub: acme\/gh-e2e completed: Pushed 1 file to site/)).toBeVisible({ timeout: 30_000 });
    expect(received).toEqual([{ path: "/orgs/acme/repos", auth: "Bearer gh-token", body: { name: "gh-e2e", private: true, auto_init: false } }]);
    expect(execFileSync("git", ["show", "site:a.txt"], { cwd: path.join(server.root, "gh-e2e.git") }).toString()).toBe("a\n");
  } finally {
    setEnv("POLARIS_GITHUB_API_URL", null);
    await new Promise<void>((resolve) => githubApi.close(() => resolve()));
  }
});

test("a folder's Download as ZIP from the tree's menu: the folder's files byte for byte, focus back on the folder", async ({ page }) => {
  await signIn(page);
  const backend = await serverFor(page);
  const nested: Record<string, Uint8Array> = {
    "assets/logo.png": PNG,
    "assets/icons/blob.bin": Uint8Array.from({ length: 300 }, (_, i) => (i * 7) % 256),
    "assets/readme.txt": enc.encode("héllo\r\n"),
    "other.txt": enc.encode("not in the folder\n"),
  };
  await page.getByRole("button", { name: "Import project…" }).click();
  await page.getByRole("dialog", { name: "Import project" }).getByLabel("Or a ZIP file").setInputFiles({ name: "nested.zip", mimeType: "application/zip", buffer: Buffer.from(zipSync(nested)) });
  const folder = page.getByRole("treeitem", { name: "assets", exact: true });
  await expect(folder).toBeVisible({ timeout: 30_000 });
  const projectId = new URL(page.url()).pathname.split("/").pop() as Id<"projects">;
  expect((await backend.query(api.transfers.status, { projectId })).import?.status).toBe("completed");

  await Keyboard.pressOn(folder, "Shift+F10");
  const downloading = page.waitForEvent("download");
  await page.getByRole("menuitem", { name: "Download as ZIP" }).click();
  const download = await downloading;
  await expectZipHolds(download, "assets.zip", Object.fromEntries(Object.entries(nested).filter(([name]) => name.startsWith("assets/"))));
  await expect(page.getByRole("status").filter({ hasText: "Downloaded assets.zip." })).toBeVisible();
  await expect(folder).toBeFocused();

  // The binaries' downloads fail (storage answers 500): the archive is saved with the text only, and the toast
  // names each file left out and why. Routing also turns off the HTTP cache, so the bytes fetched above are not reused.
  await page.route("**/api/storage/**", (route) => (route.request().method() === "GET" ? route.fulfill({ status: 500, body: "" }) : route.fallback()));
  await Keyboard.pressOn(folder, "Shift+F10");
  const partial = page.waitForEvent("download");
  await page.getByRole("menuitem", { name: "Download as ZIP" }).click();
  const partialZip = unzipSync(new Uint8Array(readFileSync(await (await partial).path())));
  expect(Object.keys(partialZip).filter((name) => !name.endsWith("/"))).toEqual(["assets/readme.txt"]);
  const leftOut = page.getByRole("status", { name: "Notifications" }).getByText("assets.zip was saved without 2 files:");
  await expect(leftOut).toBeVisible();
  await expect(leftOut).toContainText("assets/logo.png (HTTP 500)");
  await expect(leftOut).toContainText("assets/icons/blob.bin (HTTP 500)");
  await expect(leftOut).toContainText("Download again to include them.");
  await expect(leftOut).not.toContainText("Go online");
  await expect(folder).toBeFocused();
});

test("Download ZIP of a project this browser has not read is built on the server and saved byte for byte", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Bulky");
  const backend = await serverFor(page);
  const projectId = (await backend.query(api.projects.list, {})).find((p) => p.name === "Bulky")!._id;
  // More files than the browser zips without their contents (ZIP_IN_BROWSER_MAX_UNCACHED), none of them read.
  const contents = Array.from({ length: 240 }, (_, i) => ({ name: `f${String(i).padStart(3, "0")}.txt`, content: `file ${i}\r\nh\u00e9llo\n` }));
  await backend.mutation(api.files.createMany, { projectId, items: contents });
  await UI.projectLink(page, "Bulky").click();
  await expect(page.getByRole("treeitem", { name: "f000.txt", exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Import / Export" }).click();
  const dialog = page.getByRole("dialog", { name: "Import / Export" });
  const downloading = page.waitForEvent("download");
  await dialog.getByRole("button", { name: "Download ZIP" }).click();
  const download = await downloading;
  await expectZipHolds(download, "Bulky.zip", Object.fromEntries(contents.map((c) => [c.name, c.content])));
  // It was the server's archive: its run completed, and the dialog says so.
  expect((await backend.query(api.transfers.status, { projectId })).zip?.view?.status).toBe("completed");
  await expect(dialog.getByText("ZIP download of Bulky.zip completed: Bulky.zip is ready: 240 files.")).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Download ZIP" })).toBeEnabled();
});
