import { beforeEach, describe, expect, it } from "vitest";
import { useAppStore } from "./index";
import { EXPANDED_IDS_LIMIT, EXPANDED_PROJECTS_LIMIT, EXPANDED_STORAGE_KEY, loadExpanded } from "./treeSlice";

const state = () => useAppStore.getState();
const expanded = () => [...state().expanded].sort();
/** A reload: the store starts empty and the workspace resets the tree for its project. */
function reload(projectId: string) {
  useAppStore.setState({ treeProjectId: null, expanded: new Set() });
  state().resetTree(projectId);
}

describe("tree slice: expanded folders survive a reload", () => {
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
    for (let p = 0; p < EXPANDED_PROJECTS_LIMIT + 5; p++) {
      state().resetTree(`p${p}`);
      state().setExpanded(`folder-of-p${p}`, true);
    }
    const stored = JSON.parse(localStorage.getItem(EXPANDED_STORAGE_KEY) ?? "{}") as Record<string, unknown>;
    expect(Object.keys(stored)).toHaveLength(EXPANDED_PROJECTS_LIMIT);
    expect(loadExpanded("p0").size).toBe(0);
    expect([...loadExpanded(`p${EXPANDED_PROJECTS_LIMIT + 4}`)]).toEqual([`folder-of-p${EXPANDED_PROJECTS_LIMIT + 4}`]);

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
