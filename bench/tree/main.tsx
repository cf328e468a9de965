// Benchmark page: renders Polaris's FileTree and react-arborist (the reference) on the same data in the same
// page and measures them with the same clock and the same wait. Built by bench/tree/run.mjs with esbuild; driven
// by Playwright.
//
// Like for like:
// - every figure is the time from the action until the DOM shows the same effect for both trees (rows mounted,
//   the list's height changed, DOM focus on the next row with aria-selected="true"), then a forced style and
//   layout pass. The wait checks after the microtask in which React commits, then after every task (a
//   MessageChannel, which the browser never clamps the way it clamps nested setTimeout);
// - both trees are warm (each renders once before anything is measured), the measures alternate between them,
//   and garbage is collected before each measured action (outside the timing);
// - react-arborist gets its data nested and sorted, prepared outside the timing; Polaris's figures include
//   grouping and naturally sorting the flat listing the server sends;
// - on arrow keys Polaris's selection follows focus (WAI-ARIA's recommended single-select behaviour, which the
//   app has); react-arborist is configured the same (`selectionFollowsFocus`). Its default mode (focus moves,
//   the selection stays) does less work; it is measured too, against the same Polaris figures.
import { createRef, type RefObject } from "react";
import { createRoot, type Root } from "react-dom/client";
import { flushSync } from "react-dom";
import { Tree, type TreeApi } from "react-arborist";
import { percentile } from "../stats";
import { FileTree } from "../../src/features/file-tree/FileTree";
import type { FileId, TreeNode } from "../../src/features/file-tree/model";
import type { FileTreeActions } from "../../src/features/file-tree/types";
import { useAppStore } from "../../src/store";

type Kind = "polaris" | "arborist";

interface Nested {
  id: string;
  name: string;
  children?: Nested[];
}

interface Dataset {
  flat: TreeNode[];
  nested: Nested[];
  folders: string[];
}

const LARGE = "large";

/** n nodes: one folder holding half of them, the rest spread over 100 folders; names need natural sort. */
function dataset(n: number): Dataset {
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
    list.sort(
      (a, b) => (a.children ? 0 : 1) - (b.children ? 0 : 1) || a.name.localeCompare(b.name, undefined, { numeric: true }),
    );
    for (const x of list) if (x.children) sortNested(x.children);
  };
  sortNested(nested);
  return { flat, nested, folders };
}

const noop = () => Promise.resolve(null);
const actions: FileTreeActions = {
  createFile: () => Promise.resolve("x" as FileId),
  createFolder: () => Promise.resolve("x" as FileId),
  rename: noop,
  move: noop,
  copy: () => Promise.resolve("x" as FileId),
  remove: noop,
  restore: () => Promise.resolve(undefined),
  open: () => {},
  upload: () => Promise.resolve(undefined),
  downloadZip: noop,
};

const host = document.getElementById("host")!;
let root: Root | null = null;

function unmount() {
  root?.unmount();
  root = null;
  host.innerHTML = "";
  useAppStore.setState({ expanded: new Set(), selected: new Set(), focusedId: null, anchorId: null });
}

const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
/** The next task, unclamped. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

/** Resolves once `done()` holds (see the header for when it looks), after forcing style and layout. */
async function untilShown(done: () => boolean, timeoutMs = 20_000) {
  const start = performance.now();
  for (;;) {
    if (done()) break;
    await Promise.resolve();
    if (done()) break;
    if (performance.now() - start > timeoutMs) throw new Error("benchmark step did not finish");
    await nextTask();
  }
  void document.body.offsetHeight;
}

/** Lets leftovers of the previous step (scroll handlers, effects, a frame) finish, outside any timing. */
async function quiet() {
  await new Promise((resolve) => requestAnimationFrame(resolve));
  await nextTask();
  (window as unknown as { gc?: () => void }).gc?.();
  await nextTask();
}

const rowCount = () => host.querySelectorAll('[role="treeitem"]').length;

/** Mounts one tree on `data`, synchronously. `open`: the folders shown expanded. */
function mount(
  kind: Kind,
  data: Dataset,
  open: "all" | string[],
  api?: RefObject<TreeApi<Nested> | null>,
  selectionFollowsFocus = true,
) {
  root = createRoot(host);
  if (kind === "polaris") {
    useAppStore.setState({ expanded: new Set(open === "all" ? data.folders : open) });
    flushSync(() => root!.render(<FileTree files={data.flat} actions={actions} />));
    return;
  }
  const initialOpenState = open === "all" ? undefined : Object.fromEntries(open.map((id) => [id, true]));
  flushSync(() =>
    root!.render(
      <Tree
        ref={api}
        data={data.nested}
        openByDefault={open === "all"}
        initialOpenState={initialOpenState}
        selectionFollowsFocus={selectionFollowsFocus}
        width={300}
        height={600}
        rowHeight={22}
        disableDrag
        disableDrop
      >
        {({ node, style }) => <div style={style}>{node.data.name}</div>}
      </Tree>,
    ),
  );
}

async function firstRender(kind: Kind, data: Dataset): Promise<number> {
  unmount();
  await quiet();
  const t0 = performance.now();
  mount(kind, data, "all");
  await untilShown(() => rowCount() > 10);
  return performance.now() - t0;
}

/** The list element whose height is the whole tree's. */
function listHeight(kind: Kind): number {
  const inner = host.querySelector<HTMLElement>(kind === "polaris" ? '[role="tree"]' : '[role="tree"] > div > div');
  return inner ? parseFloat(inner.style.height) : 0;
}

async function toggleSeries(kind: Kind, data: Dataset, runs: number) {
  unmount();
  const api = createRef<TreeApi<Nested>>();
  // Every folder but "large" collapsed: "large" (half of all nodes) is the only big folder that toggles.
  mount(kind, data, [LARGE], api);
  await quiet();
  const isOpen = () => (kind === "polaris" ? useAppStore.getState().expanded.has(LARGE) : api.current!.isOpen(LARGE));
  const expand: number[] = [];
  const collapse: number[] = [];
  for (let i = 0; i < runs; i++) {
    for (const open of [false, true]) {
      const before = listHeight(kind);
      await quiet();
      const t0 = performance.now();
      if (kind === "polaris") useAppStore.getState().setExpanded(LARGE, open);
      else api.current!.toggle(LARGE);
      await untilShown(() => isOpen() === open && listHeight(kind) !== before);
      (open ? expand : collapse).push(performance.now() - t0);
    }
  }
  return { expand, collapse };
}

/** `selects`: the selection follows focus (always in Polaris); without it, only focus is waited for. */
async function arrowSeries(kind: Kind, data: Dataset, runs: number, selects = true) {
  unmount();
  const api = createRef<TreeApi<Nested>>();
  mount(kind, data, [LARGE], api, selects);
  await quiet();
  if (kind === "polaris") {
    host.querySelector<HTMLElement>('[role="treeitem"]')!.click();
  } else {
    api.current!.focus(api.current!.visibleNodes[0].id);
    host.querySelector<HTMLElement>('[role="tree"]')!.focus();
  }
  const focusedRow = () => {
    const el = document.activeElement;
    return el && host.contains(el) && el.getAttribute("role") === "treeitem" ? el : null;
  };
  await untilShown(() => focusedRow() !== null);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await quiet();
    const before = focusedRow()!;
    const t0 = performance.now();
    before.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", code: "ArrowDown", bubbles: true }));
    await untilShown(() => {
      const now = focusedRow();
      return now !== null && now !== before && (!selects || now.getAttribute("aria-selected") === "true");
    });
    times.push(performance.now() - t0);
  }
  // Both trees did the same thing: focus and selection on row `runs` (0-based).
  const at = kind === "polaris" ? Number(focusedRow()?.getAttribute("data-index")) : api.current!.focusedNode?.rowIndex;
  if (at !== runs) throw new Error(`${kind}: focus ended on row ${String(at)}, not ${runs}`);
  return times;
}

const KINDS: readonly Kind[] = ["polaris", "arborist"];

/** `measure` for both trees, `times` times each, alternating which goes first; the median of each. */
async function alternating(times: number, measure: (kind: Kind) => Promise<number>) {
  const samples: Record<Kind, number[]> = { polaris: [], arborist: [] };
  for (let i = 0; i < times; i++) {
    for (const kind of i % 2 === 0 ? KINDS : [...KINDS].reverse()) samples[kind].push(await measure(kind));
  }
  return { polaris: percentile(samples.polaris, 0.5), arborist: percentile(samples.arborist, 0.5) };
}

async function run() {
  const small = dataset(10_000);
  const large = dataset(100_000);
  const results: Record<Kind, Record<string, number>> = { polaris: {}, arborist: {} };
  const record = (key: string, values: Record<Kind, number>) => {
    for (const kind of KINDS) results[kind][key] = values[kind];
  };

  for (const kind of KINDS) await firstRender(kind, small); // warm-up, not measured
  record("render10k", await alternating(5, (kind) => firstRender(kind, small)));
  record("render100k", await alternating(3, (kind) => firstRender(kind, large)));

  for (const kind of KINDS) {
    const toggles = await toggleSeries(kind, large, 15);
    const both = [...toggles.expand, ...toggles.collapse];
    results[kind].toggleP50 = percentile(both, 0.5);
    results[kind].toggleP95 = percentile(both, 0.95);
    results[kind].expandP50 = percentile(toggles.expand, 0.5);
    results[kind].collapseP50 = percentile(toggles.collapse, 0.5);
    const arrows = await arrowSeries(kind, large, 60);
    results[kind].arrowP50 = percentile(arrows, 0.5);
    results[kind].arrowP95 = percentile(arrows, 0.95);
  }
  const focusOnly = await arrowSeries("arborist", large, 60, false);
  results.arborist.arrowFocusOnlyP50 = percentile(focusOnly, 0.5);
  results.arborist.arrowFocusOnlyP95 = percentile(focusOnly, 0.95);
  results.polaris.arrowFocusOnlyP50 = results.polaris.arrowP50;
  results.polaris.arrowFocusOnlyP95 = results.polaris.arrowP95;
  unmount();
  return results;
}

(window as unknown as { __bench: { run: typeof run } }).__bench = { run };
