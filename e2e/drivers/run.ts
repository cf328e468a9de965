import type { Page } from "@playwright/test";
import path from "node:path";

// The run panel and Run controls in the user's terms, shared by the runner specs.

export const Run = {
  button: (page: Page) => page.getByRole("group", { name: "Run" }).getByRole("button", { name: /Run|Stop/ }),
  status: (page: Page) => page.getByRole("group", { name: "Run" }).getByRole("status"),
  panel: (page: Page) => page.getByRole("region", { name: "Terminal" }),
  /** The shown terminal's visible rows (xterm's DOM renderer). */
  terminalText: (page: Page) => page.locator(".terminal-view .xterm-rows"),
  /** The shown terminal's keyboard input (xterm's helper textarea): focused when typing goes to the terminal. */
  terminalInput: (page: Page) => page.locator(".terminal-view textarea.xterm-helper-textarea"),
  tabs: (page: Page) => page.getByRole("tablist", { name: "Terminals" }).getByRole("tab"),
  tab: (page: Page, title: string) => page.getByRole("tablist", { name: "Terminals" }).getByRole("tab", { name: title, exact: true }),
  newTerminal: (page: Page) => page.getByRole("button", { name: "New terminal" }),
  preview: (page: Page) => page.frameLocator('iframe[title="Preview"]'),
};

/** The runner `npm start` starts for the e2e run (playwright.config.ts). */
export const RUNNER_URL = process.env.POLARIS_E2E_RUNNER_URL ?? "http://127.0.0.1:3295";

/** The project's working copy on that runner (playwright.config.ts: --runner-dir <data dir>-runner). */
export function workingCopy(projectId: string): string {
  return path.join(`${process.env.POLARIS_E2E_DATA_DIR}-runner`, "projects", projectId);
}
