import { afterEach, beforeEach, expect, it, vi } from "vitest";

// When the offline shell's worker registers: after "load" everywhere, and on a project's page also after the
// tree's first rows (its precache must not compete with them). Fresh modules per test: one first load per page.
let register: ReturnType<typeof vi.fn>;
beforeEach(() => {
  vi.resetModules();
  vi.stubEnv("PROD", true);
  register = vi.fn(() => Promise.resolve({}));
  Object.defineProperty(navigator, "serviceWorker", { value: { register }, configurable: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
  window.history.replaceState(null, "", "/");
});

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

it("on a project's page the worker registers only once the tree has shown its first rows", async () => {
  window.history.replaceState(null, "", "/p/abc");
  const { registerServiceWorker } = await import("./registerServiceWorker");
  const { releaseAfterFirstRows } = await import("../../lib/afterFirstRows");
  expect(document.readyState).toBe("complete");
  registerServiceWorker();
  await flush();
  expect(register).not.toHaveBeenCalled();
  releaseAfterFirstRows();
  await flush();
  expect(register).toHaveBeenCalledWith("/sw.js");
});

it("a project's page that shows no rows (the project is gone, the page failed) registers it anyway, after load", async () => {
  vi.useFakeTimers();
  try {
    window.history.replaceState(null, "", "/p/gone");
    const { registerServiceWorker, LATE_REGISTER_MS } = await import("./registerServiceWorker");
    registerServiceWorker();
    await vi.advanceTimersByTimeAsync(LATE_REGISTER_MS - 1);
    expect(register).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_001);
    expect(register).toHaveBeenCalledTimes(1);
    expect(register).toHaveBeenCalledWith("/sw.js");
    // Rows shown later do not register it a second time.
    const { releaseAfterFirstRows } = await import("../../lib/afterFirstRows");
    releaseAfterFirstRows();
    await vi.advanceTimersByTimeAsync(0);
    expect(register).toHaveBeenCalledTimes(1);
  } finally {
    vi.useRealTimers();
  }
});

it("elsewhere it registers once the page has loaded", async () => {
  const { registerServiceWorker } = await import("./registerServiceWorker");
  registerServiceWorker();
  await flush();
  expect(register).toHaveBeenCalledWith("/sw.js");
});
