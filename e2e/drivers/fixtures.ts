import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";

/*
 * The specs' `test`: every browser context it makes (`page`'s and `secondPage`'s) is watched for keys pressed
 * while focus is on the page's body. Focus on the body after an action means the action dropped it (a button
 * that removed itself, a dialog closed without handing focus back, an editor destroyed): the next key a person
 * types goes nowhere, or to a global shortcut they did not mean. A test that presses a key there fails at its
 * end, naming the key and the element that had focus last. `expectFocusNotOnBody` checks the same after a step
 * that presses no key next (a click on Stop). A key the app keeps for the page about to open (src/lib/keyHold.ts,
 * marked by <html data-holding-keys>: signing in, a created project opening) is not lost, and not counted. A ConvexError reported as uncaught (watchUncaughtConvexErrors) fails
 * the test the same way.
 *
 * Invariant: the watcher only observes (capture phase, nothing prevented), so it cannot change what it checks.
 */

export interface KeyOnBody {
  key: string;
  url: string;
  lastFocus: string;
}

const WATCH_KEYS = `(() => {
  const describe = (el) => {
    if (!el || el === document.body) return "body";
    const role = el.getAttribute("role") || el.tagName.toLowerCase();
    const name = el.getAttribute("aria-label") || (el.textContent || "").trim().slice(0, 40);
    return role + ' "' + name + '"';
  };
  let lastFocus = "nothing yet";
  window.addEventListener("focusin", (e) => { lastFocus = describe(e.target); }, true);
  window.addEventListener("keydown", (e) => {
    const active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) return;
    if (document.documentElement.hasAttribute("data-holding-keys")) return;
    window.__polarisKeyOnBody({ key: e.key, url: location.pathname, lastFocus });
  }, true);
})();`;

export async function watchKeysOnBody(context: BrowserContext, seen: KeyOnBody[]): Promise<void> {
  await context.exposeFunction("__polarisKeyOnBody", (info: KeyOnBody) => seen.push(info));
  await context.addInitScript(WATCH_KEYS);
}

/**
 * Collects what a browser context reports as an uncaught ConvexError: a console error of the Convex client or an
 * unhandled rejection. The server's ConvexError answers (CONFLICT, TOO_LARGE, a taken name) are each handled by
 * the app (src/app/convexClient.ts logs them as information), so any such report is a refusal nobody handled.
 */
export function watchUncaughtConvexErrors(context: BrowserContext, seen: string[]): void {
  context.on("console", (message) => {
    if (message.type() === "error" && /Uncaught ConvexError/.test(message.text())) seen.push(message.text());
  });
  context.on("weberror", (error) => {
    const text = String(error.error());
    if (/ConvexError/.test(text)) seen.push(`unhandled: ${text}`);
  });
}

function expectNoKeyOnBody(seen: KeyOnBody[], which: string): void {
  const lines = seen.map((s) => `"${s.key}" on ${s.url} (focus was last on ${s.lastFocus})`);
  expect(lines, `keys pressed in ${which} while focus was on the body`).toEqual([]);
}

/**
 * `test` with a second browser: `secondPage` lives in its own browser context (its own storage, like another
 * window on another machine), closed after the test. Specs about two clients use `page` and `secondPage`.
 */
export const test = base.extend<{ secondPage: Page }>({
  context: async ({ context }, use) => {
    const seen: KeyOnBody[] = [];
    const uncaught: string[] = [];
    await watchKeysOnBody(context, seen);
    watchUncaughtConvexErrors(context, uncaught);
    await use(context);
    expectNoKeyOnBody(seen, "the first browser");
    expect(uncaught, "ConvexErrors reported as uncaught in the first browser").toEqual([]);
  },
  secondPage: async ({ browser }, use) => {
    const context = await browser.newContext();
    const seen: KeyOnBody[] = [];
    const uncaught: string[] = [];
    await watchKeysOnBody(context, seen);
    watchUncaughtConvexErrors(context, uncaught);
    await use(await context.newPage());
    await context.close();
    expectNoKeyOnBody(seen, "the second browser");
    expect(uncaught, "ConvexErrors reported as uncaught in the second browser").toEqual([]);
  },
});

/** Fails unless focus settles on an element other than the body (it may pass through the body on the way). */
export async function expectFocusNotOnBody(page: Page, timeout?: number): Promise<void> {
  await expect
    .poll(
      () => page.evaluate(() => document.activeElement !== null && document.activeElement !== document.body),
      { message: "focus is on the body: the last step dropped it", ...(timeout !== undefined ? { timeout } : {}) },
    )
    .toBe(true);
}

export { expect };
