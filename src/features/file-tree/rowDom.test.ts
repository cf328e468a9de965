import { afterEach, describe, expect, it } from "vitest";
import { focusFileTree } from "./rowDom";

function tree(label: string, rows: { name: string; tabbable: boolean }[]): string {
  const items = rows.map((r) => `<div role="treeitem" aria-label="${r.name}" tabindex="${r.tabbable ? 0 : -1}"></div>`).join("");
  return `<div role="tree" aria-label="${label}" tabindex="${rows.length === 0 ? 0 : -1}">${items}</div>`;
}

describe("focusFileTree", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("focuses the Files tree's tabbable row, not the tree element and not the Search panel's results before it", () => {
    document.body.innerHTML =
      tree("Search results", [{ name: "hit", tabbable: true }]) +
      tree("Files", [
        { name: "a.ts", tabbable: false },
        { name: "b.ts", tabbable: true },
      ]);
    focusFileTree();
    expect(document.activeElement?.getAttribute("aria-label")).toBe("b.ts");
  });

  it("focuses the tree itself when it has no rows", () => {
    document.body.innerHTML = tree("Files", []);
    focusFileTree();
    expect(document.activeElement?.getAttribute("aria-label")).toBe("Files");
  });
});
