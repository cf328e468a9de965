// Benchmark page: renders Polaris's FileTree and react-arborist (the reference) on the same data in the same
// page and measures them with the same clock. Built by bench/tree/run.mjs with esbuild; driven by Playwright.
import { createRef } from "react";
import { createRoot, type Root } from "react-dom/client";
import { flushSync } from "react-dom";
import { Tree, type TreeApi } from "react-arborist";
import { FileTree } from "../../src/features/file-tree/FileTree";
import type { FileId, TreeNode } from "../../src/features/file-tree/model";
import type { FileTreeActions } from "../../src/features/file-tree/types";
import { useAppStore } from "../../src/store";

interface Nested {
  id: string;
  name: string;
  children?: Nested[];
}

const LARGE = "large";

/** n nodes: one folder holding half of them, the rest spread over 100 folders; names need natural sort. */
function dataset(n: number) {
  const flat: TreeNode[] = [];
  const nested: Nested[] = [];
  const folders: string[] = [];
  const addFolder = (id: string, name: string, files: number) => {
    flat.push({ _id: id as FileId, name, type: "folder" });
    folders.push(id);
    const children: Nested[] = [];
    for (let i = 0; i < files; i++) {
      const fid = `${id}-${i}`;
      const name = `file${(i * 7919) % files}.ts`;
      flat.push({ _id: fid as FileId, parentId: id as FileId, name, type: "file" });
      children.push({ id: fid, name });
    }
    nested.push({ id, name, children });
  };
  addFolder(LARGE, "large", Math.floor(n / 2) - 1);
  const perFolder = Math.floor(n / 2 / 100) - 1;
  for (let f = 0; f < 100; f++) addFolder(`dir${f}`, `dir${f}`, perFolder);
  const sortNested = (list: Nested[]) => {
    list.sort((a, b) =>
      (a.children ? 0 : 1) - (b.children ? 0 : 1) || a.name.localeCompare(b.name, undefined, { numeric: true }),
    );
    for (const x of list) if (x.children) sortNested(x.children);
  };
  sortNested(nested);
  return { flat, nested, folders, size: flat.length };
}

const noop = () => Promise.resolve(null);
const actions: FileTreeActions = {
  createFile: () => Promise.resolve("x" as FileId),
  createFolder: () => Promise.resolve("x" as FileId),
  rename: noop,
  move: noop,
  copy: () => Promise.resolve("x" as FileId),
  remove: noop,
  open: () => {},
  upload: noop,
};

const host = document.getElementById("host")!;
let root: Root | null = null;

function unmount() {
  root?.unmount();
  root = null;
  host.innerHTML = "";
  useAppStore.setState({ expanded: new Set(), selected: new Set(), focusedId: null, anchorId: null });
}

/** Resolves once `done()` holds, then forces style and layout so the figure includes the browser's work. */
async function until(done: () => boolean, timeoutMs = 20_000) {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > timeoutMs) throw new Error("benchmark step did not finish");
    await new Promise((r) => setTimeout(r, 0));
  }
  void document.body.offsetHeight;
}

const rowCount = () => host.querySelectorAll('[role="treeitem"]').length;

async function firstRender(kind: "polaris" | "arborist", n: number) {
  const data = dataset(n);
  unmount();
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  root = createRoot(host);
  if (kind === "polaris") {
    useAppStore.setState({ expanded: new Set(data.folders) });
    flushSync(() => root!.render(<FileTree files={data.flat} actions={actions} />));
  } else {
    flushSync(() =>
      root!.render(
        <Tree data={data.nested} openByDefault width={300} height={600} rowHeight={22} disableDrag disableDrop>
          {({ node, style }) => <div style={style}>{node.data.name}</div>}
        </Tree>,
      ),
    );
  }
  await until(() => rowCount() > 10);
  return { ms: performance.now() - t0, data };
}

function pct(values: number[], p: number) {
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function toggleSeries(kind: "polaris" | "arborist", n: number, runs: number) {
  const { data } = await firstRender(kind, n);
  const api = createRef<TreeApi<Nested>>();
  if (kind === "arborist") {
    // Re-render with a ref (the first render above is the measured one).
    flushSync(() =>
      root!.render(
        <Tree ref={api} data={data.nested} openByDefault width={300} height={600} rowHeight={22} disableDrag disableDrop>
          {({ node, style }) => <div style={style}>{node.data.name}</div>}
        </Tree>,
      ),
    );
  }
  // Every folder but "large" collapsed: "large" (half of all nodes) is the only big folder that toggles.
  if (kind === "polaris") useAppStore.setState({ expanded: new Set([LARGE]) });
  else for (const id of data.folders) if (id !== LARGE) api.current!.close(id);
  await until(() => true);
  const isOpen = () =>
    kind === "polaris" ? useAppStore.getState().expanded.has(LARGE) : api.current!.isOpen(LARGE);
  const treeHeight = () => {
    const inner = host.querySelector<HTMLElement>(kind === "polaris" ? '[role="tree"]' : '[role="tree"] > div > div');
    return inner ? parseFloat(inner.style.height) : 0;
  };
  const expand: number[] = [];
  const collapse: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const open of [false, true]) {
      const before = treeHeight();
      const t0 = performance.now();
      if (kind === "polaris") useAppStore.getState().setExpanded(LARGE, open);
      else api.current!.toggle(LARGE);
      await until(() => isOpen() === open && treeHeight() !== before);
      (open ? expand : collapse).push(performance.now() - t0);
    }
  }
  return { expand, collapse, api };
}

async function arrowSeries(kind: "polaris" | "arborist", n: number, runs: number) {
  const { api } = await toggleSeries(kind, n, 1);
  const focused = () =>
    kind === "polaris" ? document.activeElement?.getAttribute("data-id") ?? null : api.current!.focusedNode?.id ?? null;
  if (kind === "polaris") {
    const first = host.querySelector<HTMLElement>('[role="treeitem"]')!;
    first.click();
    first.focus();
  } else {
    api.current!.focus(api.current!.visibleNodes[0].id);
    host.querySelector<HTMLElement>('[role="tree"]')!.focus();
  }
  await until(() => focused() !== null);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const before = focused();
    const target =
      kind === "polaris" ? (document.activeElement as HTMLElement) : host.querySelector<HTMLElement>('[role="tree"]')!;
    const t0 = performance.now();
    target.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", code: "ArrowDown", bubbles: true }));
    await until(() => focused() !== before);
    times.push(performance.now() - t0);
  }
  return times;
}

async function run() {
  const results: Record<string, Record<string, number>> = {};
  for (const kind of ["polaris", "arborist"] as const) {
    const r: Record<string, number> = {};
    r.render10k = (await firstRender(kind, 10_000)).ms;
    r.render100k = (await firstRender(kind, 100_000)).ms;
    const toggles = await toggleSeries(kind, 100_000, 15);
    const both = [...toggles.expand, ...toggles.collapse];
    r.toggleP50 = pct(both, 50);
    r.toggleP95 = pct(both, 95);
    r.expandP50 = pct(toggles.expand, 50);
    r.collapseP50 = pct(toggles.collapse, 50);
    const arrows = await arrowSeries(kind, 100_000, 40);
    r.arrowP50 = pct(arrows, 50);
    r.arrowP95 = pct(arrows, 95);
    unmount();
    results[kind] = r;
  }
  return results;
}

(window as unknown as { __bench: { run: typeof run } }).__bench = { run };
