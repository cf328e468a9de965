import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { useAppStore } from "./index";

const f = (s: string) => s as Id<"files">;
const state = () => useAppStore.getState();
const tabs = () => state().tabs.map((t) => `${t.fileId}${t.preview ? "*" : ""}`);

describe("tabs slice", () => {
  beforeEach(() => {
    localStorage.clear();
    useAppStore.setState({ tabsProjectId: null, tabs: [], activeFileId: null, dirtyFiles: {}, saveStates: {}, pendingEditorFocus: null });
    state().setTabsProject("p1" as Id<"projects">);
  });

  it("opens a new tab after the active one and reuses an open tab", () => {
    state().openFile(f("a"));
    state().openFile(f("b"));
    state().activateTab(f("a"));
    state().openFile(f("c"));
    expect(tabs()).toEqual(["a", "c", "b"]);
    state().openFile(f("b"));
    expect(tabs()).toEqual(["a", "c", "b"]);
    expect(state().activeFileId).toBe("b");
  });

  it("keeps at most one preview tab, replaced in place; an explicit open pins it", () => {
    state().openFile(f("a"));
    state().openFile(f("b"), { preview: true });
    state().openFile(f("c"));
    state().openFile(f("d"), { preview: true });
    expect(tabs()).toEqual(["a", "d*", "c"]);
    state().openFile(f("d"), { preview: true });
    expect(tabs()).toEqual(["a", "d*", "c"]);
    state().openFile(f("d"));
    expect(tabs()).toEqual(["a", "d", "c"]);
  });

  it("closing the active tab activates its right neighbour, else its left one", () => {
    for (const id of ["a", "b", "c"]) state().openFile(f(id));
    state().activateTab(f("b"));
    state().setTabDirty(f("b"), true);
    state().closeTab(f("b"));
    expect(state().activeFileId).toBe("c");
    expect(state().dirtyFiles).toEqual({});
    state().closeTab(f("c"));
    expect(state().activeFileId).toBe("a");
    state().closeTab(f("a"));
    expect(state().activeFileId).toBeNull();
  });

  it("cycles through tabs both ways, wrapping around", () => {
    for (const id of ["a", "b", "c"]) state().openFile(f(id));
    state().cycleTab(1);
    expect(state().activeFileId).toBe("a");
    state().cycleTab(-1);
    state().cycleTab(-1);
    expect(state().activeFileId).toBe("b");
  });

  it("tracks dirty and save state only for open tabs, and starts empty for another project", () => {
    state().openFile(f("a"), { focusEditor: true });
    state().setTabDirty(f("a"), true);
    state().setTabDirty(f("zz"), true);
    state().setSaveState(f("a"), { kind: "error", message: "offline" });
    expect(state().dirtyFiles).toEqual({ a: true });
    expect(state().saveStates).toEqual({ a: { kind: "error", message: "offline" } });
    expect(state().pendingEditorFocus).toBe("a");
    state().setTabsProject("p1" as Id<"projects">);
    expect(tabs()).toEqual(["a"]);
    state().setTabsProject("p2" as Id<"projects">);
    expect(tabs()).toEqual([]);
    expect(state().dirtyFiles).toEqual({});
  });

  it("marks a deleted tab pinned so no preview open replaces its unsaved text", () => {
    state().openFile(f("a"), { preview: true });
    state().markTabDeleted(f("a"));
    state().openFile(f("b"), { preview: true });
    expect(tabs()).toEqual(["a", "b*"]);
    expect(state().tabs[0].deleted).toBe(true);
  });

  it("moves a tab, its place, dirty and save state and the focus request to a file's real id", () => {
    state().openFile(f("a"));
    state().openFile(f("pending_1"), { preview: true, focusEditor: true });
    state().openFile(f("b"));
    state().setTabDirty(f("pending_1"), true);
    state().setSaveState(f("pending_1"), { kind: "saving" });
    state().activateTab(f("pending_1"));
    state().replaceFileId(f("pending_1"), f("real"));
    expect(tabs()).toEqual(["a", "real*", "b"]);
    expect(state().activeFileId).toBe("real");
    expect(state().pendingEditorFocus).toBe("real");
    expect(state().dirtyFiles).toEqual({ real: true });
    expect(state().saveStates).toEqual({ real: { kind: "saving" } });
    const before = state().tabs;
    state().replaceFileId(f("pending_1"), f("other"));
    expect(state().tabs).toBe(before);
  });
});

describe("open tabs kept across reloads", () => {
  const p = (s: string) => s as Id<"projects">;
  const reload = () => useAppStore.setState({ tabsProjectId: null, tabs: [], activeFileId: null, dirtyFiles: {} });

  beforeEach(() => {
    localStorage.clear();
    reload();
  });

  it("restores each project's tabs, previews and active tab, without their dirty state", () => {
    state().setTabsProject(p("p1"));
    state().openFile(f("a"));
    state().openFile(f("b"), { preview: true });
    state().openFile(f("c"));
    state().activateTab(f("b"));
    state().setTabDirty(f("c"), true);
    state().setTabsProject(p("p2"));
    expect(tabs()).toEqual([]);
    state().openFile(f("z"));

    reload();
    state().setTabsProject(p("p1"));
    expect(tabs()).toEqual(["a", "b*", "c"]);
    expect(state().activeFileId).toBe("b");
    expect(state().dirtyFiles).toEqual({});
    expect(state().pendingEditorFocus).toBeNull();
    state().setTabsProject(p("p2"));
    expect(tabs()).toEqual(["z"]);
    state().closeTab(f("z"));
    reload();
    state().setTabsProject(p("p2"));
    expect(tabs()).toEqual([]);
  });

  it("keeps a bounded number of tabs and projects, and reads bad storage as no tabs", () => {
    state().setTabsProject(p("many"));
    for (let i = 0; i < 60; i++) state().openFile(f(`t${i}`));
    for (let i = 0; i < 30; i++) {
      state().setTabsProject(p(`p${i}`));
      state().openFile(f("x"));
    }
    const stored = JSON.parse(localStorage.getItem("polaris.tabs")!) as Record<string, { tabs: unknown[] }>;
    expect(Object.keys(stored)).toHaveLength(20);
    expect(stored.p29.tabs).toHaveLength(1);
    expect(stored.many).toBeUndefined();

    reload();
    state().setTabsProject(p("many"));
    for (let i = 0; i < 60; i++) state().openFile(f(`t${i}`));
    reload();
    state().setTabsProject(p("many"));
    expect(state().tabs).toHaveLength(40);

    for (const bad of ["{not json", "[1,2]", JSON.stringify({ q: { tabs: [null, { id: 3 }, { id: "ok" }, { id: "ok" }], active: "nope" } })]) {
      localStorage.setItem("polaris.tabs", bad);
      reload();
      state().setTabsProject(p("q"));
      expect(tabs()).toEqual(bad.startsWith("{\"q") ? ["ok"] : []);
      expect(state().activeFileId).toBe(bad.startsWith("{\"q") ? "ok" : null);
    }
  });

  it("prunes tabs whose files are gone, keeping those with unsaved text and picking a new active tab", () => {
    state().setTabsProject(p("p1"));
    for (const id of ["a", "gone1", "b", "gone2"]) state().openFile(f(id));
    state().setTabDirty(f("gone2"), true);
    state().activateTab(f("gone1"));
    state().pruneTabs((id) => id === "a" || id === "b");
    expect(tabs()).toEqual(["a", "b", "gone2"]);
    expect(state().activeFileId).toBe("b");
    const before = state().tabs;
    state().pruneTabs(() => true);
    expect(state().tabs).toBe(before);
  });
});

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

  it("is honoured while focus stays where it was once the opening action settled", async () => {
    state().openFile(f("a"), { focusEditor: true });
    await nextTask();
    expect(state().pendingEditorFocus).toBe("a");
    expect(state().claimEditorFocus(f("b"))).toBe(false);
    expect(state().claimEditorFocus(f("a"))).toBe(true);
    expect(state().pendingEditorFocus).toBeNull();
    expect(state().claimEditorFocus(f("a"))).toBe(false);
  });

  it("allows focus moves made by the opening action itself (a dialog handing focus back)", async () => {
    chat.focus();
    state().openFile(f("a"), { focusEditor: true });
    tree.focus();
    await nextTask();
    expect(state().claimEditorFocus(f("a"))).toBe(true);
  });

  it("ends at the next focus change, even one that comes back", async () => {
    state().openFile(f("a"), { focusEditor: true });
    await nextTask();
    chat.focus();
    expect(state().pendingEditorFocus).toBeNull();
    tree.focus();
    expect(state().claimEditorFocus(f("a"))).toBe(false);
  });

  it("is refused while focus is in a dialog", () => {
    document.body.insertAdjacentHTML("beforeend", "<div role='dialog'><input aria-label='Search files'></div>");
    state().openFile(f("a"), { focusEditor: true });
    document.querySelector<HTMLInputElement>("[role=dialog] input")!.focus();
    expect(state().claimEditorFocus(f("a"))).toBe(false);
  });

  it("a new request starts over, and closing a tab can ask for the next tab's editor", async () => {
    state().openFile(f("a"), { focusEditor: true });
    state().openFile(f("b"));
    await nextTask();
    chat.focus();
    state().openFile(f("a"), { focusEditor: true });
    await nextTask();
    expect(state().claimEditorFocus(f("a"))).toBe(true);

    state().closeTab(f("a"), { focusEditor: true });
    expect(state().pendingEditorFocus).toBe("b");
    state().closeTab(f("b"), { focusEditor: true });
    expect(state().pendingEditorFocus).toBeNull();
  });
});

describe("tree slice", () => {
  it("moves expansion, selection, focus, inline edit and clipboard from a temporary id to the real one", () => {
    useAppStore.setState({ treeProjectId: null });
    state().resetTree("p1");
    state().setExpanded("pending_1", true);
    state().setExpanded("d", true);
    state().setSelection(["pending_1", "x"], "pending_1", "pending_1");
    state().setTreeEdit({ kind: "new", type: "file", parentKey: "pending_1" });
    state().setClipboard({ mode: "cut", ids: ["pending_1"] });
    state().replaceTreeId("pending_1", "real");
    expect([...state().expanded].sort()).toEqual(["d", "real"]);
    expect([...state().selected].sort()).toEqual(["real", "x"]);
    expect(state().focusedId).toBe("real");
    expect(state().anchorId).toBe("real");
    expect(state().treeEdit).toEqual({ kind: "new", type: "file", parentKey: "real" });
    expect(state().clipboard).toEqual({ mode: "cut", ids: ["real"] });
  });
});
