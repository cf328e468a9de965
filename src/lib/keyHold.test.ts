import { afterEach, describe, expect, it, vi } from "vitest";
import { HOLD_MS, holdKeys } from "./keyHold";

// Keys pressed while a hold is on reach nothing; on release they reach the element focused then, in order,
// shortcuts included. Driven with dispatched key events on the focused element, as the browser sends them.

function press(key: string, init: KeyboardEventInit = {}) {
  const target = document.activeElement ?? document.body;
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
  target.dispatchEvent(new KeyboardEvent("keyup", { key, bubbles: true, cancelable: true, ...init }));
}

/** An element that takes focus and records the key presses it receives. */
function recorder(): { el: HTMLElement; keys: string[] } {
  const el = document.createElement("div");
  el.tabIndex = 0;
  const keys: string[] = [];
  el.addEventListener("keydown", (e) => keys.push(`${e.ctrlKey ? "Ctrl+" : ""}${e.altKey ? "Alt+" : ""}${e.key}`));
  document.body.append(el);
  return { el, keys };
}

/**
 * A one-line field in a form, in the page. jsdom has no editing commands: the `insertText` returned stands in for
 * the browser's, typing at the focused field's end (removed after each test).
 */
function formWithField() {
  const form = document.createElement("form");
  const field = document.createElement("input");
  form.append(field);
  document.body.append(form);
  const insertText = vi.fn((command: string, _ui?: boolean, value?: string) => {
    if (command !== "insertText" || document.activeElement !== field) return false;
    field.value += value ?? "";
    return true;
  });
  Object.defineProperty(document, "execCommand", { value: insertText, configurable: true });
  return { form, field, insertText };
}

afterEach(() => {
  document.body.replaceChildren();
  Reflect.deleteProperty(document, "execCommand");
  vi.useRealTimers();
});

describe("holdKeys", () => {
  it("keeps what is typed from the focused element and gives it, in order, to the element that takes focus next", async () => {
    const before = recorder();
    const after = recorder();
    before.el.focus();
    const hold = holdKeys();
    press("n", { ctrlKey: true, altKey: true });
    press("a");
    press("Enter");
    // A lone modifier is not a key of its own (it reaches the page, and nothing there acts on it).
    press("Shift");
    expect(before.keys).toEqual(["Shift"]);
    const given = hold.releaseOnNextFocus();
    // Still held until something takes focus: a key now is kept after the others.
    press("b");
    expect(before.keys).toEqual(["Shift"]);
    after.el.focus();
    await given;
    expect(after.keys).toEqual(["Ctrl+Alt+n", "a", "Enter", "b"]);
    expect(before.keys).toEqual(["Shift"]);
    expect(hold.active).toBe(false);
    // The hold is over: keys go where they go.
    press("c");
    expect(after.keys.at(-1)).toBe("c");
  });

  it("a pointer press ends it: the kept keys go to where focus is, and the hold is no longer active", async () => {
    const here = recorder();
    here.el.focus();
    const hold = holdKeys();
    press("x");
    window.dispatchEvent(new Event("pointerdown"));
    expect(hold.active).toBe(false);
    await hold.release();
    expect(here.keys).toEqual(["x"]);
  });

  it("Tab ends it: the kept keys go to where focus is at once, then the Tab itself passes (and moves focus)", async () => {
    const here = recorder();
    here.el.focus();
    const hold = holdKeys();
    press("y");
    expect(here.keys).toEqual([]);
    const tab = new KeyboardEvent("keydown", { key: "Tab", bubbles: true, cancelable: true });
    here.el.dispatchEvent(tab);
    expect(hold.active).toBe(false);
    expect(tab.defaultPrevented).toBe(false);
    expect(here.keys).toEqual(["y", "Tab"]);
    await hold.release();
    press("z");
    expect(here.keys).toEqual(["y", "Tab", "z"]);
  });

  it("ends by itself after HOLD_MS, giving the keys to where focus is", async () => {
    vi.useFakeTimers();
    const here = recorder();
    here.el.focus();
    const hold = holdKeys();
    press("z");
    void hold.releaseOnNextFocus();
    await vi.advanceTimersByTimeAsync(HOLD_MS - 1);
    expect(hold.active).toBe(true);
    expect(here.keys).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(hold.active).toBe(false);
    await vi.runAllTimersAsync();
    expect(here.keys).toEqual(["z"]);
  });
});

describe("holdKeys into a text field", () => {
  it("types the kept characters into the field focused at release, and its Enter submits nothing", async () => {
    const { form, field, insertText } = formWithField();
    const submitted = vi.fn((e: Event) => e.preventDefault());
    form.addEventListener("submit", submitted);
    field.focus();
    const hold = holdKeys();
    press("a");
    press("b");
    press("Enter");
    expect(field.value).toBe("");
    await hold.release();
    expect(field.value).toBe("ab");
    expect(submitted).not.toHaveBeenCalled();
    expect(insertText.mock.calls.map((call) => call[0])).toEqual(["insertText", "insertText"]);
  });

  it("with `submits` (keys typed right after signing in), the kept Enter submits the field's form once; <html> is marked while it holds", async () => {
    const { form, field } = formWithField();
    const submitted = vi.fn((e: Event) => e.preventDefault());
    form.addEventListener("submit", submitted);
    const hold = holdKeys({ submits: true });
    expect(document.documentElement.hasAttribute("data-holding-keys")).toBe(true);
    press("Enter");
    expect(submitted).not.toHaveBeenCalled();
    const given = hold.releaseOnNextFocus();
    field.focus();
    await given;
    expect(submitted).toHaveBeenCalledTimes(1);
    expect(document.documentElement.hasAttribute("data-holding-keys")).toBe(false);
  });

  it("a hold started by a given key (the Enter that creates a project) takes over the keys typed after it", async () => {
    const { form, field } = formWithField();
    let opening: ReturnType<typeof holdKeys> | undefined;
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      opening = holdKeys();
    });
    const signingIn = holdKeys({ submits: true });
    for (const key of ["a", "Enter", "b", "c"]) press(key);
    const given = signingIn.releaseOnNextFocus();
    field.focus();
    await given;
    expect(field.value).toBe("a");
    expect(signingIn.active).toBe(false);
    expect(opening?.active).toBe(true);
    // What followed the Enter waits for the new page, and only there.
    press("d");
    expect(field.value).toBe("a");
    const next = recorder();
    const released = opening!.releaseOnNextFocus();
    next.el.focus();
    await released;
    expect(next.keys).toEqual(["b", "c", "d"]);
    expect(document.documentElement.hasAttribute("data-holding-keys")).toBe(false);
  });
});
