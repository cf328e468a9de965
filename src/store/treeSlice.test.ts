import { describe, expect, it } from "vitest";
import { useAppStore } from "./index";

const state = () => useAppStore.getState();

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

  it("moves a folder being created, and one created inside it, to the real id; the record ends under either id", () => {
    state().addCreatingFolder({ id: "pending_1", name: "src", parentKey: "" });
    state().addCreatingFolder({ id: "pending_2", name: "lib", parentKey: "pending_1" });
    state().replaceTreeId("pending_1", "real");
    expect(state().creatingFolders).toEqual([
      { id: "real", name: "src", parentKey: "" },
      { id: "pending_2", name: "lib", parentKey: "real" },
    ]);
    state().endCreatingFolder(["pending_1", "real"]);
    expect(state().creatingFolders).toEqual([{ id: "pending_2", name: "lib", parentKey: "real" }]);
  });
});
