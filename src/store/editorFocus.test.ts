import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { claimEditorFocus, useAppStore } from "./index";
import { emptyTabs } from "./tabsSlice";

const f = (s: string) => s as Id<"files">;
const state = () => useAppStore.getState();

describe("editor focus requests", () => {
  const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
  let tree: HTMLButtonElement;
  let chat: HTMLTextAreaElement;

  beforeEach(() => {
    localStorage.clear();
    useAppStore.setState({ tabsProjectId: null, ...emptyTabs });
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
    expect(claimEditorFocus(f("b"))).toBeNull();
    expect(claimEditorFocus(f("a"))).toEqual({ focus: true, text: "" });
    expect(state().pendingEditorFocus).toBeNull();
    expect(claimEditorFocus(f("a"))).toBeNull();
  });

  it("allows focus moves made by the opening action itself (a dialog handing focus back)", async () => {
    chat.focus();
    state().openFile(f("a"), { focusEditor: true });
    tree.focus();
    await nextTask();
    expect(claimEditorFocus(f("a"))).toEqual({ focus: true, text: "" });
  });

  it("ends at the next focus change, even one that comes back", async () => {
    state().openFile(f("a"), { focusEditor: true });
    await nextTask();
    chat.focus();
    expect(state().pendingEditorFocus).toBeNull();
    tree.focus();
    expect(claimEditorFocus(f("a"))).toBeNull();
  });

  it("is refused while focus is in a dialog", () => {
    document.body.insertAdjacentHTML("beforeend", "<div role='dialog'><input aria-label='Search files'></div>");
    state().openFile(f("a"), { focusEditor: true });
    document.querySelector<HTMLInputElement>("[role=dialog] input")!.focus();
    expect(claimEditorFocus(f("a"))).toBeNull();
  });

  it("a new request starts over, and closing a tab can ask for the next tab's editor", async () => {
    state().openFile(f("a"), { focusEditor: true });
    state().openFile(f("b"));
    await nextTask();
    chat.focus();
    state().openFile(f("a"), { focusEditor: true });
    await nextTask();
    expect(claimEditorFocus(f("a"))).toEqual({ focus: true, text: "" });

    state().closeTab(f("a"), { focusEditor: true });
    expect(state().pendingEditorFocus).toBe("b");
    state().closeTab(f("b"), { focusEditor: true });
    expect(state().pendingEditorFocus).toBeNull();
  });

  it("holds keys typed while it waits and hands them to the claim; the baseline never sees them", () => {
    const seen: string[] = [];
    tree.addEventListener("keydown", (e) => seen.push(e.key));
    state().openFile(f("a"), { focusEditor: true });
    // No timer has run: the first key itself ends the asking action's task.
    for (const key of ["h", "i", "x", "Backspace", "Enter", "!"]) {
      tree.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
    }
    tree.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true, cancelable: true }));
    tree.dispatchEvent(new KeyboardEvent("keydown", { key: "s", ctrlKey: true, bubbles: true, cancelable: true }));
    expect(seen).toEqual(["ArrowDown", "s"]);
    expect(claimEditorFocus(f("a"))).toEqual({ focus: true, text: "hi\n!" });
    // The request is over: keys reach the tree again.
    tree.dispatchEvent(new KeyboardEvent("keydown", { key: "j", bubbles: true, cancelable: true }));
    expect(seen).toEqual(["ArrowDown", "s", "j"]);
  });

  it("keeps what it held for the file when focus moves away, given without focus; holds nothing typed in a dialog", async () => {
    state().openFile(f("a"), { focusEditor: true });
    await nextTask();
    tree.dispatchEvent(new KeyboardEvent("keydown", { key: "q", bubbles: true, cancelable: true }));
    chat.focus();
    const key = new KeyboardEvent("keydown", { key: "w", bubbles: true, cancelable: true });
    chat.dispatchEvent(key);
    expect(key.defaultPrevented).toBe(false);
    expect(state().typedAhead).toEqual({ a: "q" });
    expect(claimEditorFocus(f("a"))).toEqual({ focus: false, text: "q" });
    expect(claimEditorFocus(f("a"))).toBeNull();

    document.body.insertAdjacentHTML("beforeend", "<div role='dialog'><input aria-label='Search files'></div>");
    const search = document.querySelector<HTMLInputElement>("[role=dialog] input")!;
    state().openFile(f("a"), { focusEditor: true });
    search.focus();
    const typed = new KeyboardEvent("keydown", { key: "z", bubbles: true, cancelable: true });
    search.dispatchEvent(typed);
    expect(typed.defaultPrevented).toBe(false);
  });
  it("a request reserved before the file exists keeps its held keys for the file that fulfils it", async () => {
    const request = state().reserveEditorFocus();
    for (const key of ["o", "k", "Enter"]) {
      tree.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
    }
    await nextTask();
    state().openFile(f("new"), { focusRequest: request });
    expect(state().editorFocusRequest).toBe(request);
    expect(state().pendingEditorFocus).toBe("new");
    expect(claimEditorFocus(f("new"))).toEqual({ focus: true, text: "ok\n" });

    // A reservation that ended (focus moved away) is not revived by the late open; what it held is the file's.
    const late = state().reserveEditorFocus();
    await nextTask();
    tree.dispatchEvent(new KeyboardEvent("keydown", { key: "x", bubbles: true, cancelable: true }));
    chat.focus();
    state().openFile(f("other"), { focusRequest: late });
    expect(state().activeFileId).toBe("other");
    expect(state().pendingEditorFocus).toBeNull();
    expect(claimEditorFocus(f("other"))).toEqual({ focus: false, text: "x" });
  });

  it("a request ended where focus already is (Ctrl/Cmd+Shift+E on the tree) keeps its text, which follows the file's id", async () => {
    state().openFile(f("temp"), { focusEditor: true });
    await nextTask();
    for (const key of ["h", "i"]) tree.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
    state().endEditorFocusRequest(state().editorFocusRequest);
    state().replaceFileId(f("temp"), f("real"));
    expect(claimEditorFocus(f("temp"))).toBeNull();
    expect(claimEditorFocus(f("real"))).toEqual({ focus: false, text: "hi" });

    // Closing the file's tab before its editor showed drops it with the tab.
    state().openFile(f("b"), { focusEditor: true });
    await nextTask();
    tree.dispatchEvent(new KeyboardEvent("keydown", { key: "z", bubbles: true, cancelable: true }));
    chat.focus();
    state().closeTab(f("b"));
    expect(state().typedAhead).toEqual({});
  });
});
