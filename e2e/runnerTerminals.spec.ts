import type { Page, WebSocketRoute } from "@playwright/test";
import { existsSync } from "node:fs";
import path from "node:path";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { createProject, serverFor, signIn, UI } from "./drivers";
import { expect, test } from "./drivers/fixtures";
import { RUNNER_URL, Run, workingCopy } from "./drivers/run";
import { RUNNER_WS_PATH, type ServerMessage } from "../runner/src/protocol";

// The terminal panel against the real runner `npm start` starts (bubblewrap-fenced pseudo-terminals): several
// terminals and their cap, copy and paste, scrollback, the browser's own reconnect after a dropped socket, and
// another user's attach refused.

/** Signs in, makes a project and opens it with focus on its tree; returns the project's id. */
async function openProject(page: Page, name: string): Promise<Id<"projects">> {
  await signIn(page);
  await createProject(page, name);
  const server = await serverFor(page);
  const projectId = (await server.query(api.projects.list, {})).find((p) => p.name === name)!._id;
  await server.mutation(api.files.createFile, { projectId, name: "notes.txt", content: "notes" });
  await UI.projectLink(page, name).click();
  const row = page.getByRole("treeitem", { name: "notes.txt", exact: true });
  await row.click();
  await expect(row).toBeFocused();
  return projectId;
}

/** Types a command line into the focused terminal and presses Enter. */
async function command(page: Page, line: string): Promise<void> {
  await expect(Run.terminalInput(page)).toBeFocused();
  await page.keyboard.type(line);
  await page.keyboard.press("Enter");
}

test("several terminals per project, each its own shell; the 9th is refused with why, and typing stays in the terminal", async ({ page }) => {
  await openProject(page, "Many terminals");
  await page.keyboard.press("Control+Backquote");
  await expect(Run.tab(page, "Terminal 1")).toHaveAttribute("aria-selected", "true");
  // Quotes split the marker, so the echoed command line itself never matches what the output is checked for.
  await command(page, 'echo "first-""shell"');
  await expect(Run.terminalText(page)).toContainText("first-shell");

  for (let n = 2; n <= 8; n++) {
    await Run.newTerminal(page).click();
    // Each new terminal is shown and takes focus: typing goes to it at once.
    await expect(Run.tab(page, `Terminal ${n}`)).toHaveAttribute("aria-selected", "true");
    await expect(Run.terminalInput(page)).toBeFocused();
  }
  await expect(Run.tabs(page)).toHaveCount(8);
  await command(page, 'echo "eighth-""shell"');
  await expect(Run.terminalText(page)).toContainText("eighth-shell");

  // The 9th: refused, in words, and the person is back in the terminal they were in, typing there.
  await Run.newTerminal(page).click();
  await expect(Run.panel(page).getByRole("alert")).toContainText("This project has 8 terminals open, the most it may have. Close one first.");
  await expect(Run.terminalInput(page)).toBeFocused();
  await expect(Run.tabs(page)).toHaveCount(8);
  await command(page, 'echo "still-""eighth"');
  await expect(Run.terminalText(page)).toContainText("still-eighth");
  // OK dismisses the message and hands focus back to the terminal.
  await Run.panel(page).getByRole("button", { name: "OK" }).click();
  await expect(Run.panel(page).getByRole("alert")).toHaveCount(0);
  await expect(Run.terminalInput(page)).toBeFocused();

  // Each terminal is its own shell: the first shows its own output, not the eighth's.
  await Run.tab(page, "Terminal 1").click();
  await expect(Run.terminalInput(page)).toBeFocused();
  await expect(Run.terminalText(page)).toContainText("first-shell");
  await expect(Run.terminalText(page)).not.toContainText("eighth-shell");

  // Closing one makes room for another.
  await page.getByRole("button", { name: "Close Terminal 8" }).click();
  await expect(Run.tabs(page)).toHaveCount(7);
  await Run.newTerminal(page).click();
  await expect(Run.tab(page, "Terminal 9")).toHaveAttribute("aria-selected", "true");
  await expect(Run.terminalInput(page)).toBeFocused();
  await expect(Run.tabs(page)).toHaveCount(8);
});

test("copy a terminal's selection to the clipboard, and paste the clipboard into the shell", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await openProject(page, "Clipboard");
  await page.keyboard.press("Control+Backquote");
  await command(page, 'echo "copy-me-""please"');
  // Double-click selects the word (xterm's selection), Ctrl+Shift+C copies it.
  const printed = Run.terminalText(page).locator("div", { hasText: /^copy-me-please\s*$/ });
  // At the word's place on screen: xterm's screen layer takes the mouse, not the rows' text under it.
  const box = (await printed.getByText("copy-me-please").boundingBox())!;
  await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
  await page.keyboard.press("Control+Shift+C");
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe("copy-me-please");
  await expect(Run.terminalInput(page)).toBeFocused();

  // Paste: Ctrl+Shift+V brings the clipboard's text into the shell as typed input (not ^V).
  await page.evaluate(() => navigator.clipboard.writeText('echo "pasted-""into-shell"'));
  await page.keyboard.press("Control+Shift+V");
  await page.keyboard.press("Enter");
  await expect(Run.terminalText(page)).toContainText("pasted-into-shell");
  // And Ctrl+V, as in VS Code's terminal.
  await page.evaluate(() => navigator.clipboard.writeText('echo "ctrl-v-""pasted"'));
  await page.keyboard.press("Control+V");
  await page.keyboard.press("Enter");
  await expect(Run.terminalText(page)).toContainText("ctrl-v-pasted");
});

/** The terminal's visible row that holds exactly `text` (xterm renders a div per row). */
function shownRow(page: Page, text: string) {
  return Run.terminalText(page).locator(":scope > div").filter({ hasText: new RegExp(`^${text}\\s*$`) });
}

test("a terminal opened in another tab of the project is listed here but takes neither this tab's selection nor its focus", async ({
  page,
  context,
}) => {
  await openProject(page, "Two tabs");
  await page.keyboard.press("Control+Backquote");
  await expect(Run.tab(page, "Terminal 1")).toHaveAttribute("aria-selected", "true");
  await command(page, 'echo "first-""tab"');
  await expect(Run.terminalText(page)).toContainText("first-tab");

  // A second tab of the same project (same user) shows the same shell, and opens its own.
  const other = await context.newPage();
  await other.goto(page.url());
  await other.getByRole("treeitem", { name: "notes.txt", exact: true }).click();
  await other.keyboard.press("Control+Backquote");
  await expect(Run.tab(other, "Terminal 1")).toHaveAttribute("aria-selected", "true");
  await Run.newTerminal(other).click();
  await expect(Run.tab(other, "Terminal 2")).toHaveAttribute("aria-selected", "true");
  await expect(Run.terminalInput(other)).toBeFocused();

  // The first tab lists it, and goes on where it was: typing reaches its own shell, which stays selected.
  await expect(Run.tabs(page)).toHaveCount(2);
  await command(page, 'echo "still-first-""tab"');
  await expect(Run.terminalText(page)).toContainText("still-first-tab");
  await expect(Run.tab(page, "Terminal 1")).toHaveAttribute("aria-selected", "true");
  await expect(Run.tab(page, "Terminal 2")).toHaveAttribute("aria-selected", "false");
  // The second tab's shell got none of it.
  await expect(Run.terminalText(other)).not.toContainText("still-first-tab");
  await other.close();
});

test("scrollback: output scrolled out of view is still there, also after switching terminals", async ({ page }) => {
  await openProject(page, "Scrollback");
  await page.keyboard.press("Control+Backquote");
  await command(page, 'for i in $(seq 1 1500); do echo "row-$i"; done; echo "all-""printed"');
  await expect(Run.terminalText(page)).toContainText("all-printed");
  // The first rows scrolled out of view: the visible rows end the output.
  await expect(shownRow(page, "row-1")).toHaveCount(0);

  // Shift+PageUp scrolls the terminal a page back (xterm's binding), as in most terminals.
  const scrollToTop = async () => {
    await expect(Run.terminalInput(page)).toBeFocused();
    await expect(async () => {
      for (let i = 0; i < 30; i++) await page.keyboard.press("Shift+PageUp");
      await expect(shownRow(page, "row-1")).toHaveCount(1, { timeout: 500 });
    }).toPass({ timeout: 30_000 });
  };
  await scrollToTop();
  await expect(shownRow(page, "row-2")).toHaveCount(1);

  // Another terminal and back: the view is made anew from the kept output, the scrollback with it.
  await Run.newTerminal(page).click();
  await expect(Run.tab(page, "Terminal 2")).toHaveAttribute("aria-selected", "true");
  await Run.tab(page, "Terminal 1").click();
  await expect(Run.terminalText(page)).toContainText("all-printed");
  await expect(shownRow(page, "row-1")).toHaveCount(0);
  await scrollToTop();
});

test("a dropped runner socket reconnects by itself to the same shell and shows what it printed meanwhile", async ({ page }) => {
  // The page's socket to the runner passes through the test, which can cut it and refuse new ones for a while.
  let blocked = false;
  const live: Array<{ page: WebSocketRoute; runner: WebSocketRoute }> = [];
  await page.routeWebSocket(
    (url) => url.pathname === "/polaris/runner",
    (ws) => {
      if (blocked) {
        void ws.close({ code: 4001, reason: "cut by the test" });
        return;
      }
      live.push({ page: ws, runner: ws.connectToServer() });
    },
  );
  const projectId = await openProject(page, "Reconnect");
  const server = await serverFor(page);
  await page.keyboard.press("Control+Backquote");
  // The shell waits for a file that only appears while the socket is down, then prints and leaves a mark on disk.
  await command(page, 'export KEPT="same-""shell"; until [ -f go.txt ]; do sleep 0.1; done; echo "while-""away: $(cat go.txt)" | tee away.txt');
  await expect(Run.status(page)).toHaveText("Not running");

  blocked = true;
  for (const socket of live.splice(0)) {
    await socket.runner.close();
    await socket.page.close();
  }
  await expect(Run.status(page)).toHaveText("Runner offline");
  await server.mutation(api.files.createFile, { projectId, name: "go.txt", content: "made-in-polaris" });
  // The shell ran on while no socket was attached: it printed, and its mark reached the disk.
  await expect.poll(() => existsSync(path.join(workingCopy(projectId), "away.txt")), { timeout: 20_000 }).toBe(true);
  await expect(Run.terminalText(page)).not.toContainText("while-away");

  blocked = false;
  // The page reconnects by itself (no reload, no click) and the runner replays the output it missed.
  await expect(Run.status(page)).toHaveText("Not running", { timeout: 20_000 });
  await expect(Run.terminalText(page)).toContainText("while-away: made-in-polaris");
  expect(live).toHaveLength(1);
  // The same shell, still focused: its variable is there.
  await command(page, 'echo "kept: $KEPT"');
  await expect(Run.terminalText(page)).toContainText("kept: same-shell");
});

/**
 * What the runner answers a hello for `projectId` sent from `page` (its origin, its signed-in user's token, or no
 * token), and the code the runner closed the socket with.
 */
async function helloFrom(page: Page, projectId: string, token: "own" | "none"): Promise<{ messages: ServerMessage[]; code: number }> {
  const url = `${RUNNER_URL.replace(/^http/, "ws")}${RUNNER_WS_PATH}`;
  return page.evaluate(
    ({ url, projectId, token }) => {
      const session = JSON.parse(localStorage.getItem("polaris.localSession") ?? "{}") as { token?: string };
      const ws = new WebSocket(url);
      const messages: ServerMessage[] = [];
      return new Promise<{ messages: ServerMessage[]; code: number }>((resolve) => {
        ws.onopen = () => ws.send(JSON.stringify({ t: "hello", projectId, token: token === "own" ? (session.token ?? "") : "" }));
        ws.onmessage = (event) => messages.push(JSON.parse(String(event.data)) as ServerMessage);
        ws.onclose = (event) => resolve({ messages, code: event.code });
      });
    },
    { url, projectId, token },
  );
}

test("another user cannot attach to a project's terminals: the runner refuses them, and a socket with no token, in words", async ({ page, secondPage }) => {
  const projectId = await openProject(page, "Private terminals");
  await page.keyboard.press("Control+Backquote");
  await command(page, 'echo "owner-""only"');
  await expect(Run.terminalText(page)).toContainText("owner-only");

  // The second user opens the owner's project address: not theirs, so not found.
  await signIn(secondPage);
  await secondPage.goto(`/p/${projectId}`);
  await expect(secondPage.getByRole("heading", { name: "Project not found", level: 1 })).toBeVisible();

  // Asked directly with the second user's own token, from their page: refused, with why, and the socket closed.
  expect(await helloFrom(secondPage, projectId, "own")).toEqual({
    messages: [{ t: "error", code: "FORBIDDEN", message: "This project does not exist or belongs to another account: the runner will not open it." }],
    code: 4000,
  });
  expect(await helloFrom(secondPage, projectId, "none")).toEqual({
    messages: [{ t: "error", code: "UNAUTHENTICATED", message: "Sign in to Polaris to use terminals and Run." }],
    code: 4000,
  });

  // The owner's terminal goes on as before.
  await Run.terminalInput(page).focus();
  await command(page, 'echo "still-""mine"');
  await expect(Run.terminalText(page)).toContainText("still-mine");
});
