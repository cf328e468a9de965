import { afterEach, describe, expect, it } from "vitest";
import { dropHeldKeys, holdKeysForTerminal, takeHeldKeys } from "./heldKeys";

function press(target: HTMLElement, key: string, init: KeyboardEventInit = {}): boolean {
  return target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
}

afterEach(() => dropHeldKeys());

describe("keys held for the terminal", () => {
  it("keeps what is typed from the focused element and gives it, once, to the terminal", () => {
    const row = document.createElement("div");
    document.body.append(row);
    const seen: string[] = [];
    row.addEventListener("keydown", (e) => seen.push(e.key));
    holdKeysForTerminal();
    for (const key of ["l", "s", "x", "Backspace", " ", "-", "a", "Enter"]) press(row, key);
    expect(seen).toEqual([]);
    expect(takeHeldKeys()).toBe("ls -a\r");
    // The hold is over: keys reach the page again, and nothing is given twice.
    press(row, "q");
    expect(seen).toEqual(["q"]);
    expect(takeHeldKeys()).toBe("");
    row.remove();
  });

  it("a shortcut, a focus-moving key or a pointer press ends the hold and drops what was typed", () => {
    const row = document.createElement("div");
    document.body.append(row);
    const seen: string[] = [];
    row.addEventListener("keydown", (e) => seen.push(e.key));
    for (const end of [() => press(row, "p", { ctrlKey: true }), () => press(row, "Tab"), () => row.dispatchEvent(new Event("pointerdown", { bubbles: true }))]) {
      holdKeysForTerminal();
      press(row, "a");
      end();
      press(row, "b");
      expect(takeHeldKeys()).toBe("");
    }
    expect(seen).toEqual(["p", "b", "Tab", "b", "b"]);
    row.remove();
  });
});
