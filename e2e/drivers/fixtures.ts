import { test as base, type Page } from "@playwright/test";

/**
 * `test` with a second browser: `secondPage` lives in its own browser context (its own storage, like another
 * window on another machine), closed after the test. Specs about two clients use `page` and `secondPage`.
 */
export const test = base.extend<{ secondPage: Page }>({
  secondPage: async ({ browser }, use) => {
    const context = await browser.newContext();
    await use(await context.newPage());
    await context.close();
  },
});

export { expect } from "@playwright/test";
