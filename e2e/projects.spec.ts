import { expect, test } from "./drivers/fixtures";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { createProject, Keyboard, renameProject, serverFor, signIn, UI, uniqueUser } from "./drivers";

test("create, rename and delete a project with the keyboard; a reload shows what the server kept", async ({ page }) => {
  await signIn(page);
  await expect(page.getByText(/No projects yet/)).toBeVisible();

  // Validation appears in place and nothing is created.
  await UI.newProjectField(page).press("Enter");
  await expect(page.getByRole("alert")).toHaveText(/The project name is empty/);

  await createProject(page, "Apollo");
  await createProject(page, "Borealis");
  await expect(UI.projectList(page).getByRole("listitem")).toHaveCount(2);
  // Newest first.
  await expect(UI.projectList(page).getByRole("listitem").first()).toContainText("Borealis");

  await renameProject(page, "Apollo", "Apollo 11");
  await expect(UI.projectLink(page, "Apollo 11")).toBeFocused();

  await page.reload();
  await expect(UI.projectLink(page, "Apollo 11")).toBeVisible();
  await expect(UI.projectLink(page, "Apollo")).toHaveCount(0);
  // A rename counts as an edit: the renamed project is now the newest.
  await expect(UI.projectList(page).getByRole("listitem").first()).toContainText("Apollo 11");

  // Delete: Escape keeps the project, confirming removes it.
  await Keyboard.pressOn(UI.projectLink(page, "Borealis"), "Delete");
  await expect(UI.deleteDialog(page)).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(UI.deleteDialog(page)).toHaveCount(0);
  await expect(UI.projectLink(page, "Borealis")).toBeFocused();

  await page.keyboard.press("Delete");
  const dialog = UI.deleteDialog(page);
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("button", { name: "Delete project" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(UI.projectLink(page, "Borealis")).toHaveCount(0);

  await page.reload();
  await expect(UI.projectLink(page, "Apollo 11")).toBeVisible();
  await expect(UI.projectList(page).getByRole("listitem")).toHaveCount(1);
});

test("a created project opens itself with focus in its tree, and keys typed before the server answered land in it", async ({
  page,
}) => {
  // The sync socket passes through the test, which holds the server's answers while `holding` is on: the keys
  // below are typed while the project has no id yet, whatever the machine's speed.
  let holding = false;
  const held: string[] = [];
  let release: () => void = () => {};
  await page.routeWebSocket(/\/api\/[^/]+\/sync$/, (ws) => {
    const backend = ws.connectToServer();
    ws.onMessage((message) => backend.send(message));
    backend.onMessage((message) => (holding ? held.push(String(message)) : ws.send(message)));
    release = () => {
      holding = false;
      for (const message of held.splice(0)) ws.send(message);
    };
  });
  await signIn(page);
  const field = UI.newProjectField(page);
  await field.fill("Straight in");
  holding = true;
  await field.press("Enter");
  // At once: a new file by its shortcut, its name and Enter (in the workspace, what a person does first).
  await page.keyboard.press("ControlOrMeta+Alt+N");
  await page.keyboard.type("main.ts");
  await page.keyboard.press("Enter");
  // Still on the dashboard (the answer is held), and its name field took none of it.
  await expect(page).toHaveURL(/\/$/);
  await expect(field).toHaveValue("");

  release();
  await expect(page).toHaveURL(/\/p\/[^/]+$/);
  await expect(UI.workspaceHeading(page, "Straight in")).toBeVisible();
  const created = UI.fileTree(page).getByRole("treeitem", { name: "main.ts" });
  await expect(created).toBeVisible();
  const projectId = page.url().split("/").pop() as Id<"projects">;
  const server = await serverFor(page);
  await expect
    .poll(async () => (await server.query(api.files.listingTop, { projectId }))?.entries.map((e) => e.entry.name))
    .toEqual(["main.ts"]);
});

test("a second browser of the same user sees a rename and a delete live", async ({ page: a, secondPage: b }) => {
  const name = uniqueUser("live");
  await signIn(a, name);
  await createProject(a, "Shared");
  await signIn(b, name);
  await expect(UI.projectLink(b, "Shared")).toBeVisible();

  await renameProject(a, "Shared", "Shared and renamed");
  await expect(UI.projectLink(b, "Shared and renamed")).toBeVisible();
  await expect(UI.projectLink(b, "Shared")).toHaveCount(0);

  await UI.projectList(a).getByRole("button", { name: "Delete Shared and renamed" }).click();
  await UI.deleteDialog(a).getByRole("button", { name: "Delete project" }).click();
  await expect(UI.projectLink(b, "Shared and renamed")).toHaveCount(0);
  await expect(b.getByText(/No projects yet/)).toBeVisible();
});

test("users see only their own projects", async ({ page: a, secondPage: b }) => {
  await signIn(a);
  await createProject(a, "Private plans");
  const url = await UI.projectLink(a, "Private plans").getAttribute("href");
  expect(url).toMatch(/^\/p\//);

  await signIn(b);
  await expect(b.getByText(/No projects yet/)).toBeVisible();
  await b.goto(url!);
  await expect(b.getByRole("heading", { name: "Project not found" })).toBeVisible();
});

test("the workspace opens a project, keeps its settings, and survives a reload", async ({ page }) => {
  await signIn(page);
  await createProject(page, "Workbench");
  await UI.projectLink(page, "Workbench").click();
  await expect(page).toHaveURL(/\/p\/[^/]+$/);
  await expect(page.getByRole("heading", { name: "Workbench", level: 1 })).toBeVisible();
  await expect(page.getByRole("separator")).toHaveCount(2);

  const settings = page.getByRole("button", { name: "Settings" });
  await settings.click();
  const dialog = page.getByRole("dialog", { name: "Settings for Workbench" });
  await expect(dialog.getByRole("textbox", { name: "Install command" })).toBeFocused();
  await page.keyboard.type("pnpm install");
  await dialog.getByRole("textbox", { name: "Dev command" }).fill("pnpm dev");
  await page.keyboard.press("Enter");
  await expect(dialog).toHaveCount(0);
  await expect(settings).toBeFocused();

  await page.reload();
  await expect(page.getByRole("heading", { name: "Workbench", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Settings" }).click();
  const reopened = page.getByRole("dialog", { name: "Settings for Workbench" });
  await expect(reopened.getByRole("textbox", { name: "Install command" })).toHaveValue("pnpm install");
  await expect(reopened.getByRole("textbox", { name: "Dev command" })).toHaveValue("pnpm dev");
  await page.keyboard.press("Escape");
  await expect(reopened).toHaveCount(0);

  await page.getByRole("link", { name: "← Projects" }).click();
  await expect(UI.dashboardHeading(page)).toBeVisible();

  // Not-found pages keep the header and put focus on their heading; Tab goes on to the way back.
  await page.goto("/p/not-a-project");
  await expect(page.getByRole("heading", { name: "Project not found" })).toBeFocused();
  await expect(page.getByRole("banner").getByRole("button", { name: "Sign out" })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "← Back to your projects" })).toBeFocused();
  await page.goto("/no/such/page");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await expect(UI.dashboardHeading(page)).toBeVisible();
});

test("signing out returns to the sign-in page at /, so the next user starts on their dashboard", async ({ page }) => {
  const name = await signIn(page);
  await expect(page.getByText(name)).toBeVisible();
  await createProject(page, "Left open");
  await UI.projectLink(page, "Left open").click();
  await expect(page).toHaveURL(/\/p\/[^/]+$/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("textbox", { name: "Your name" })).toBeVisible();
  await expect(page).toHaveURL(/\/$/);
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Your name" })).toBeVisible();

  const field = page.getByRole("textbox", { name: "Your name" });
  await field.fill(uniqueUser("next"));
  await field.press("Enter");
  await expect(UI.dashboardHeading(page)).toBeVisible();
  await expect(page.getByText(/No projects yet/)).toBeVisible();
});

test("what is typed right after signing in lands where it was meant: a project, its file and its text; a failed sign-in comes back with why", async ({ page }) => {
  await page.goto("/");
  // Typed as a person does, with no wait anywhere, from the moment the page has loaded (before the sign-in form is
  // up): the name and its Enter, the project's name and Enter (its page opens once the server names it), a file and
  // its first line.
  const name = uniqueUser("quick");
  await page.keyboard.type(`${name}\nQuick start\n`);
  await page.keyboard.press("ControlOrMeta+Alt+N");
  await page.keyboard.type("index.ts\nexport const x = 1;");
  await expect(UI.workspaceHeading(page, "Quick start")).toBeVisible();
  await expect(page.getByTitle(`Signed in as ${name}`)).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Editor: index.ts" })).toHaveText("export const x = 1;");
  await expect(UI.fileTree(page).getByRole("treeitem")).toHaveText(["index.ts"]);
  const server = await serverFor(page);
  expect((await server.query(api.projects.list, {})).map((p) => p.name)).toEqual(["Quick start"]);

  // The backend cannot be reached at sign-in: the form comes back with the name, the reason and what to do.
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.route(/\/polaris\/auth\/sign-in$/, (route) => route.abort("connectionrefused"));
  await page.keyboard.type("Nobody\n");
  const field = page.getByRole("textbox", { name: "Your name" });
  await expect(page.getByRole("alert")).toHaveText(/Cannot reach the Polaris backend at .*Start it with `npm start`/);
  await expect(field).toHaveValue("Nobody");
  await expect(field).toBeFocused();
  await page.unroute(/\/polaris\/auth\/sign-in$/);
  await field.press("Enter");
  await expect(UI.dashboardHeading(page)).toBeVisible();
  await expect(page.getByText(/No projects yet/)).toBeVisible();
});

test("an expired or rejected stored token is renewed with the stored name", async ({ page }) => {
  const name = await signIn(page);
  await createProject(page, "Still mine");
  await page.evaluate(() => {
    const key = "polaris.localSession";
    const session = JSON.parse(localStorage.getItem(key)!) as { expiresAt: number; token: string };
    localStorage.setItem(key, JSON.stringify({ ...session, token: "not-a-valid-token", expiresAt: Date.now() + 3_600_000 }));
  });
  await page.reload();
  // The user's offline cache shows the project at once (the cache is keyed by the name's subject, not read from
  // the stored token), and the refused token is renewed behind it.
  await expect(UI.projectLink(page, "Still mine")).toBeVisible();
  await expect(page.getByText(name)).toBeVisible();
  await expect.poll(() => page.evaluate(() => localStorage.getItem("polaris.localSession"))).not.toContain("not-a-valid-token");
  // Writes go through with the renewed token.
  await createProject(page, "After renewal");
  await expect(UI.projectLink(page, "After renewal")).toBeVisible();
  await expect(page.getByRole("button", { name: "Online" })).toBeVisible();
});

test("a stored token the backend refuses before the page has rendered is renewed, and the page connects", async ({ page }) => {
  // The bad interleaving of the early start (src/app/earlyStart.ts) forced: the refused token's AuthError reaches
  // the client, which stops its socket to renew the token, before the auth provider has mounted. The page's first
  // render waits for the workspace's code (at a project's address), which the test holds until the client has
  // closed its socket in answer to the AuthError.
  await signIn(page);
  await createProject(page, "Refused early", { stay: true });
  await page.evaluate(() => {
    const key = "polaris.localSession";
    const session = JSON.parse(localStorage.getItem(key)!) as { expiresAt: number; token: string };
    localStorage.setItem(key, JSON.stringify({ ...session, token: "not-a-valid-token", expiresAt: Date.now() + 3_600_000 }));
  });
  let clientClosed: () => void = () => {};
  const closedByClient = new Promise<void>((resolve) => (clientClosed = resolve));
  const authErrors: string[] = [];
  await page.routeWebSocket(/\/api\/[^/]+\/sync$/, (ws) => {
    const backend = ws.connectToServer();
    ws.onMessage((message) => backend.send(message));
    backend.onMessage((message) => {
      if (String(message).includes('"AuthError"')) authErrors.push(String(message));
      ws.send(message);
    });
    // The backend closes its end after an AuthError; the page's end stays open until the client closes it itself.
    backend.onClose(() => {});
    ws.onClose((code, reason) => {
      if (authErrors.length > 0) clientClosed();
      void ws.close({ code, reason });
    });
  });
  await page.route(/\/src\/app\/WorkspacePage\.tsx/, async (route) => {
    await closedByClient;
    await route.continue();
  });
  await page.reload();
  await expect(UI.workspaceHeading(page, "Refused early")).toBeVisible();
  await expect(UI.fileTree(page)).toBeVisible();
  expect(authErrors).toHaveLength(1);
  const stored = await page.evaluate(() => localStorage.getItem("polaris.localSession"));
  expect(stored).not.toContain("not-a-valid-token");
});
