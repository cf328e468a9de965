import { describe, expect, it } from "vitest";
import { filePath, MAX_PATH_DEPTH, type PathNode } from "./filePath";

const lookup = (nodes: Record<string, PathNode>) => (id: string) => nodes[id];

describe("filePath", () => {
  it("joins the ancestors' names from the root down", () => {
    const nodes: Record<string, PathNode> = { s: { name: "src" }, a: { name: "app", parentId: "s" }, m: { name: "main.ts", parentId: "a" } };
    expect(filePath(nodes.m, lookup(nodes))).toBe("src/app/main.ts");
    expect(filePath(nodes.s, lookup(nodes))).toBe("src");
  });

  it("starts at the highest known ancestor when a parent is missing", () => {
    const nodes: Record<string, PathNode> = { a: { name: "app", parentId: "gone" }, m: { name: "main.ts", parentId: "a" } };
    expect(filePath(nodes.m, lookup(nodes))).toBe("app/main.ts");
  });

  it("stops after MAX_PATH_DEPTH ancestors instead of looping on a cycle", () => {
    const nodes: Record<string, PathNode> = { x: { name: "x", parentId: "y" }, y: { name: "y", parentId: "x" } };
    expect(filePath(nodes.x, lookup(nodes)).split("/")).toHaveLength(MAX_PATH_DEPTH + 1);
  });
});
