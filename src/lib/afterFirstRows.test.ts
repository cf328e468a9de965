import { act, renderHook } from "@testing-library/react";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type * as AfterFirstRows from "./afterFirstRows";

// Module state (one first load per page): each test loads a fresh copy.
let mod: typeof AfterFirstRows;
beforeEach(async () => {
  vi.resetModules();
  mod = await import("./afterFirstRows");
});

/** Whether the promise has settled, after the microtasks already queued. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await Promise.resolve();
  await Promise.resolve();
  return done;
}

describe("afterFirstRows", () => {
  it("waits for the tree's first rows, then resolves for every caller, later ones included", async () => {
    const early = mod.afterFirstRows();
    expect(await settled(early)).toBe(false);
    mod.releaseAfterFirstRows();
    expect(await settled(early)).toBe(true);
    expect(await settled(mod.afterFirstRows())).toBe(true);
  });

  it("a key or pointer press before the rows releases it: a person acting does not wait", async () => {
    const waiting = mod.afterFirstRows();
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
    expect(await settled(waiting)).toBe(true);

    vi.resetModules();
    mod = await import("./afterFirstRows");
    const pressed = mod.afterFirstRows();
    window.dispatchEvent(new Event("pointerdown"));
    expect(await settled(pressed)).toBe(true);
  });

  it("useAfterFirstRows says false until the rows are shown, then true, and true at once for a later component", async () => {
    const before = renderHook(() => mod.useAfterFirstRows());
    expect(before.result.current).toBe(false);
    await act(() => {
      mod.releaseAfterFirstRows();
      return Promise.resolve();
    });
    expect(before.result.current).toBe(true);
    expect(renderHook(() => mod.useAfterFirstRows()).result.current).toBe(true);
  });
});
