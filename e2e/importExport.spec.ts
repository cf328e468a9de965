import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { unzipSync, zipSync } from "fflate";
import { expect, test } from "./drivers/fixtures";
import { createProject, setEnv, signIn, UI } from "./drivers";
import { git, startGitServer, type GitServer } from "../tests/git/gitServer";

// Import and export in a real browser against the real local backend: a ZIP picked in the dialog is imported on
// the server (the tree shows it), the project is exported to a real Git smart-HTTP server (git http-backend on
// loopback) and checked with the git binary, and the ZIP download is compared byte for byte.

let server: GitServer;

test.beforeAll(async () => {
  server = await startGitServer();
  setEnv("POLARIS_GIT_ALLOW_PRIVATE_NETWORK", "1");
});

test.afterAll(async () => {
  setEnv("POLARIS_GIT_ALLOW_PRIVATE_NETWORK", null);
  await server.close();
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

  // Download the project as a ZIP: the same files, byte for byte.
  const downloading = page.waitForEvent("download");
  await dialog.getByRole("button", { name: "Download ZIP" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("Zipped.zip");
  const unzipped = unzipSync(new Uint8Array(readFileSync(await download.path())));
  const files = Object.fromEntries(Object.entries(unzipped).filter(([name]) => !name.endsWith("/")));
  expect(Object.keys(files).sort()).toEqual(Object.keys(FILES).sort());
  for (const [name, bytes] of Object.entries(FILES)) expect(Buffer.compare(Buffer.from(files[name]), Buffer.from(bytes)), name).toBe(0);

  // Close the dialog from its last button: the tree shows the imported files.
  await dialog.getByRole("button", { name: "Download ZIP" }).press("Escape");
  await expect(page.getByRole("treeitem", { name: "index.html", exact: true })).toBeVisible();
  await expect(page.getByRole("treeitem", { name: "src", exact: true })).toBeVisible();
});

test("export to GitHub from the dialog: the first export creates a private repository with the saved token and pushes", async ({ page }) => {
  // A loopback stand-in for GitHub's POST /user/repos: it records the request and creates the repository on the
  // Git server, whose clone URL it answers with.
  const { createServer } = await import("node:http");
  const received: { auth: string | undefined; body: { name: string; private: boolean } }[] = [];
  const githubApi = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString()));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/user/repos") return void res.writeHead(404).end();
      const body = JSON.parse(raw) as { name: string; private: boolean };
      received.push({ auth: req.headers.authorization, body });
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
    await form.getByRole("button", { name: "Export to GitHub" }).click();
    await expect(dialog.getByText(/Export of GitHub: gh-e2e completed: Pushed 1 file to main/)).toBeVisible({ timeout: 30_000 });
    expect(received).toEqual([{ auth: "Bearer gh-token", body: { name: "gh-e2e", private: true, auto_init: false } }]);
    expect(execFileSync("git", ["show", "main:a.txt"], { cwd: path.join(server.root, "gh-e2e.git") }).toString()).toBe("a\n");
  } finally {
    setEnv("POLARIS_GITHUB_API_URL", null);
    await new Promise<void>((resolve) => githubApi.close(() => resolve()));
  }
});
