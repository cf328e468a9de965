import { emptyTreeState } from "../../store/treeSlice";
import { vi } from "vitest";
import { useAppStore } from "../../store";
import type { FileId, TreeNode } from "./model";
import type { FileTreeActions } from "./types";

/** jsdom has no layout: give every element a size so the virtualizer renders a window of rows. */
export function fakeLayout(height = 440, width = 300) {
  const restore: (() => void)[] = [];
  for (const [prop, value] of [
    ["offsetHeight", height],
    ["offsetWidth", width],
    ["clientHeight", height],
  ] as const) {
    const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, prop);
    Object.defineProperty(HTMLElement.prototype, prop, { configurable: true, get: () => value });
    restore.push(() => original && Object.defineProperty(HTMLElement.prototype, prop, original));
  }
  return () => restore.forEach((r) => r());
}

export const id = (s: string) => s as FileId;

export function folder(key: string, name: string, parent?: string): TreeNode {
  return { _id: id(key), name, type: "folder", ...(parent ? { parentId: id(parent) } : {}) };
}
export function file(key: string, name: string, parent?: string, extra: Partial<TreeNode> = {}): TreeNode {
  return { _id: id(key), name, type: "file", ...(parent ? { parentId: id(parent) } : {}), ...extra };
}

export function resetTreeStore() {
  useAppStore.setState({ ...emptyTreeState(null), toasts: [] });
}

export function fakeActions(overrides: Partial<FileTreeActions> = {}) {
  let n = 0;
  const base = {
    createFile: vi.fn(() => Promise.resolve(id(`new${++n}`))),
    createFolder: vi.fn(() => Promise.resolve(id(`newdir${++n}`))),
    rename: vi.fn(() => Promise.resolve(null)),
    move: vi.fn(() => Promise.resolve(null)),
    copy: vi.fn(() => Promise.resolve(id(`copy${++n}`))),
    remove: vi.fn((_id: FileId) => Promise.resolve(null)),
    open: vi.fn(),
    upload: vi.fn((): Promise<FileId | undefined> => Promise.resolve(undefined)),
    downloadZip: vi.fn(() => Promise.resolve(undefined)),
    restore: vi.fn((_id: FileId, _path: string): Promise<string | undefined> => Promise.resolve(undefined)),
  } satisfies FileTreeActions;
  // Overridden members are plain functions; tests only inspect the mocks they did not override.
  return { ...base, ...overrides } as typeof base;
}
