import { beforeEach, describe, expect, it } from "vitest";
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
