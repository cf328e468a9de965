import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { claimEditorFocus, useAppStore } from "./index";

const f = (s: string) => s as Id<"files">;
const state = () => useAppStore.getState();

describe("editor focus requests", () => {
  const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
  let tree: HTMLButtonElement;
  let chat: HTMLTextAreaElement;

  beforeEach(() => {
    localStorage.clear();
    useAppStore.setState({ tabsProjectId: null, tabs: [], activeFileId: null, dirtyFiles: {}, saveStates: {}, pendingEditorFocus: null });
    document.body.innerHTML = "<button>tree item</button><textarea aria-label='Message'></textarea>";
    tree = document.querySelector("button")!;
    chat = document.querySelector("textarea")!;
    tree.focus();
  });
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("is honoured while focus stays where it was once the opening action finished", async () => {
    state().openFile(f("a"), { focusEditor: true });
    await nextTask();
    expect(state().pendingEditorFocus).toBe("a");
    expect(claimEditorFocus(f("b"))).toBe(false);
    expect(claimEditorFocus(f("a"))).toBe(true);
    expect(state().pendingEditorFocus).toBeNull();
    expect(claimEditorFocus(f("a"))).toBe(false);
  });

  it("allows focus moves made by the opening action itself (a dialog handing focus back)", async () => {
    chat.focus();
    state().openFile(f("a"), { focusEditor: true });
    tree.focus();
    await nextTask();
    expect(claimEditorFocus(f("a"))).toBe(true);
  });

  it("ends at the next focus change, even one that comes back", async () => {
    state().openFile(f("a"), { focusEditor: true });
    await nextTask();
    chat.focus();
    expect(state().pendingEditorFocus).toBeNull();
    tree.focus();
    expect(claimEditorFocus(f("a"))).toBe(false);
  });

  it("is refused while focus is in a dialog", () => {
    document.body.insertAdjacentHTML("beforeend", "<div role='dialog'><input aria-label='Search files'></div>");
    state().openFile(f("a"), { focusEditor: true });
    document.querySelector<HTMLInputElement>("[role=dialog] input")!.focus();
    expect(claimEditorFocus(f("a"))).toBe(false);
  });

  it("a new request starts over, and closing a tab can ask for the next tab's editor", async () => {
    state().openFile(f("a"), { focusEditor: true });
    state().openFile(f("b"));
    await nextTask();
    chat.focus();
    state().openFile(f("a"), { focusEditor: true });
    await nextTask();
    expect(claimEditorFocus(f("a"))).toBe(true);

    state().closeTab(f("a"), { focusEditor: true });
    expect(state().pendingEditorFocus).toBe("b");
    state().closeTab(f("b"), { focusEditor: true });
    expect(state().pendingEditorFocus).toBeNull();
  });
});
