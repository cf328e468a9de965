import { beforeEach, describe, expect, it } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { useAppStore } from "./index";
import {
  DISMISSED_IMPORT_KEY,
  EXPANDED_IDS_LIMIT,
  EXPANDED_STORAGE_KEY,
  RECENT_PROJECTS_KEY,
  RECENT_PROJECTS_LIMIT,
  TABS_STORAGE_KEY,
  loadDismissedImport,
  loadExpanded,
  saveDismissedImport,
} from "./persistence";

const f = (s: string) => s as Id<"files">;
const state = () => useAppStore.getState();
const tabs = () => state().tabs.map((t) => `${t.fileId}${t.preview ? "*" : ""}`);
const expanded = () => [...state().expanded].sort();

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

describe("tree slice: expanded folders survive a reload", () => {
  /** A reload: the store starts empty and the workspace resets the tree for its project. */
  function reload(projectId: string) {
    useAppStore.setState({ treeProjectId: null, expanded: new Set() });
    state().resetTree(projectId);
  }

  beforeEach(() => {
    localStorage.clear();
    useAppStore.setState({ treeProjectId: null, expanded: new Set() });
  });

  it("restores each project's own expanded folders", () => {
    state().resetTree("p1");
    state().setExpanded("src", true);
    state().expandAll(["lib", "docs"]);
    state().setExpanded("docs", false);
    state().resetTree("p2");
    expect(expanded()).toEqual([]);
    state().setExpanded("other", true);

    reload("p1");
    expect(expanded()).toEqual(["lib", "src"]);
    reload("p2");
    expect(expanded()).toEqual(["other"]);
  });

  it("Collapse All and a row's new id are remembered too", () => {
    state().resetTree("p1");
    state().expandAll(["tmp-1", "a"]);
    state().replaceTreeId("tmp-1", "real-1");
    reload("p1");
    expect(expanded()).toEqual(["a", "real-1"]);
    state().collapseAll();
    reload("p1");
    expect(expanded()).toEqual([]);
  });

  it("keeps the newest ids of the most recently used projects only", () => {
    for (let p = 0; p < RECENT_PROJECTS_LIMIT + 5; p++) {
      state().resetTree(`p${p}`);
      state().setExpanded(`folder-of-p${p}`, true);
    }
    const stored = JSON.parse(localStorage.getItem(EXPANDED_STORAGE_KEY) ?? "{}") as Record<string, unknown>;
    expect(Object.keys(stored)).toHaveLength(RECENT_PROJECTS_LIMIT);
    expect(loadExpanded("p0").size).toBe(0);
    expect([...loadExpanded(`p${RECENT_PROJECTS_LIMIT + 4}`)]).toEqual([`folder-of-p${RECENT_PROJECTS_LIMIT + 4}`]);

    state().resetTree("big");
    state().expandAll(Array.from({ length: EXPANDED_IDS_LIMIT + 10 }, (_, i) => `d${i}`));
    const kept = loadExpanded("big");
    expect(kept.size).toBe(EXPANDED_IDS_LIMIT);
    expect(kept.has(`d${EXPANDED_IDS_LIMIT + 9}`)).toBe(true);
    expect(kept.has("d0")).toBe(false);
  });

  it("reads corrupt or foreign storage as nothing stored", () => {
    localStorage.setItem(EXPANDED_STORAGE_KEY, "{not json");
    reload("p1");
    expect(expanded()).toEqual([]);
    localStorage.setItem(EXPANDED_STORAGE_KEY, JSON.stringify({ p1: { at: 1, ids: ["ok", 3, null] }, p2: "x" }));
    reload("p1");
    expect(expanded()).toEqual(["ok"]);
  });
});

describe("one list of recently used projects", () => {
  const p = (s: string) => s as Id<"projects">;
  const stored = (key: string) => JSON.parse(localStorage.getItem(key) ?? "null") as unknown;

  beforeEach(() => {
    localStorage.clear();
    useAppStore.setState({ treeProjectId: null, expanded: new Set(), tabsProjectId: null, tabs: [], activeFileId: null });
  });

  it("bounds the tabs and the expanded folders together: a project that drops out loses both", () => {
    state().setTabsProject(p("first"));
    state().openFile(f("a"));
    state().resetTree("first");
    state().setExpanded("src", true);
    for (let i = 0; i < RECENT_PROJECTS_LIMIT; i++) {
      state().resetTree(`p${i}`);
      state().setExpanded("dir", true);
    }
    const recent = stored(RECENT_PROJECTS_KEY) as string[];
    expect(recent).toHaveLength(RECENT_PROJECTS_LIMIT);
    expect(recent[0]).toBe(`p${RECENT_PROJECTS_LIMIT - 1}`);
    expect(recent).not.toContain("first");
    expect(stored(TABS_STORAGE_KEY)).toEqual({});
    expect(Object.keys(stored(EXPANDED_STORAGE_KEY) as object)).not.toContain("first");
  });

  it("is rebuilt once from the last-use stamps of records written before it existed", () => {
    localStorage.setItem(
      TABS_STORAGE_KEY,
      JSON.stringify({ old: { tabs: [{ id: "x", preview: false }], active: "x", at: 5 }, older: { tabs: [], active: null, at: 1 } }),
    );
    localStorage.setItem(EXPANDED_STORAGE_KEY, JSON.stringify({ newer: { at: 9, ids: ["d"] } }));
    state().resetTree("newer");
    expect(expanded()).toEqual(["d"]);
    state().setTabsProject(p("old"));
    expect(tabs()).toEqual(["x"]);
    state().resetTree("fresh");
    state().setExpanded("e", true);
    expect(stored(RECENT_PROJECTS_KEY)).toEqual(["fresh", "newer", "old", "older"]);
  });
});

describe("a dismissed import banner stays dismissed across reloads", () => {
  beforeEach(() => localStorage.clear());

  it("remembers the dismissed import per project, and reads bad storage as nothing dismissed", () => {
    expect(loadDismissedImport("p1")).toBeNull();
    saveDismissedImport("p1", 1234);
    saveDismissedImport("p2", 99);
    expect(loadDismissedImport("p1")).toBe(1234);
    expect(loadDismissedImport("p2")).toBe(99);
    saveDismissedImport("p1", 2000);
    expect(loadDismissedImport("p1")).toBe(2000);
    localStorage.setItem(DISMISSED_IMPORT_KEY, JSON.stringify({ p1: { updatedAt: "soon" }, p2: 7 }));
    expect(loadDismissedImport("p1")).toBeNull();
    expect(loadDismissedImport("p2")).toBeNull();
    localStorage.setItem(DISMISSED_IMPORT_KEY, "{not json");
    expect(loadDismissedImport("p1")).toBeNull();
  });

  it("is bounded by the recently used projects like the other per-project records", () => {
    saveDismissedImport("first", 1);
    for (let i = 0; i < RECENT_PROJECTS_LIMIT; i++) saveDismissedImport(`p${i}`, i);
    expect(loadDismissedImport("first")).toBeNull();
    expect(loadDismissedImport(`p${RECENT_PROJECTS_LIMIT - 1}`)).toBe(RECENT_PROJECTS_LIMIT - 1);
    expect(Object.keys(JSON.parse(localStorage.getItem(DISMISSED_IMPORT_KEY) ?? "{}") as object)).toHaveLength(RECENT_PROJECTS_LIMIT);
  });
});
