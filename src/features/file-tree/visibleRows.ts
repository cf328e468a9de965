import { DRAFT_ID, MAX_OPEN_DEPTH, ROOT, parentKeyOf, type Draft, type Row, type TreeIndex, type TreeNode } from "./model";

/*
 * The visible rows of the tree, computed on demand. `flattenVisible` (model.ts) builds every row, sorting every
 * open folder first; here the row count comes from counting the open folders' children (no sorting, no row
 * objects), and `at`, `indexOf` and `slice` sort only the folders they pass through. So the first screen of a
 * 100,000-node tree costs a count and a few small sorts, and only the rows shown become objects.
 *
 * Invariants: the rows are exactly flattenVisible's, in its order (model.test.ts checks it on random trees);
 * `at(i)` returns the same object for the same i as long as this instance lives (the rows' memoisation relies on
 * it). An instance is immutable: the index, the expanded set and the draft it was made from never change.
 */
export interface VisibleRows {
  readonly length: number;
  /** The row at visible position `i`; undefined outside 0..length-1. */
  at(i: number): Row | undefined;
  /** The visible position of the row `id` (DRAFT_ID: the draft row); -1 when it is not visible. */
  indexOf(id: string | null): number;
  /** The rows at positions from..to-1 (clamped), in order. New objects: for reading, not for rendering. */
  slice(from: number, to: number): Row[];
}

/** The rows directly inside one open folder (or the root), with the offset of each within the folder's block. */
interface Block {
  key: string;
  /** Depth of the rows directly inside (1 for the root's). */
  depth: number;
  /** The draft first when it is in this folder (undefined), then the children in display order. */
  entries: readonly (TreeNode | undefined)[];
  /** starts[j]: offset of entry j's row from the block's first row; starts[entries.length]: the block's size. */
  starts: Int32Array;
  /** Entry position by id, built on first use. */
  positions: Map<string, number> | null;
}

export function visibleRows(index: TreeIndex, expanded: ReadonlySet<string>, draft?: Draft | null): VisibleRows {
  const sizes = new Map<string, number>();
  const blocks = new Map<string, Block>();
  const made = new Map<number, Row>();

  /** A folder at `depth` shows its children. */
  const opens = (node: TreeNode, depth: number) =>
    node.type === "folder" && depth < MAX_OPEN_DEPTH && expanded.has(node._id);

  /** How many rows the open folder `key` shows below its own row (its children at `depth`, recursively). */
  const sizeOf = (key: string, depth: number): number => {
    let size = sizes.get(key);
    if (size !== undefined) return size;
    const kids = index.unsortedChildren(key);
    size = kids.length + (draft?.parentKey === key ? 1 : 0);
    for (const node of kids) if (opens(node, depth)) size += sizeOf(node._id, depth + 1);
    sizes.set(key, size);
    return size;
  };

  const blockOf = (key: string, depth: number): Block => {
    const known = blocks.get(key);
    if (known) return known;
    const kids = index.children(key);
    const entries: (TreeNode | undefined)[] = draft?.parentKey === key ? [undefined, ...kids] : kids.slice();
    const starts = new Int32Array(entries.length + 1);
    let offset = 0;
    for (let j = 0; j < entries.length; j++) {
      starts[j] = offset;
      const node = entries[j];
      offset += 1 + (node && opens(node, depth) ? sizeOf(node._id, depth + 1) : 0);
    }
    starts[entries.length] = offset;
    const block: Block = { key, depth, entries, starts, positions: null };
    blocks.set(key, block);
    return block;
  };

  const rowOf = (block: Block, j: number): Row => {
    const node = block.entries[j];
    const common = { depth: block.depth, posinset: j + 1, setsize: block.entries.length, parentKey: block.key };
    return node
      ? { id: node._id, node, ...common }
      : { id: DRAFT_ID, node: undefined, draftType: draft?.type ?? "file", ...common };
  };

  /** The entry of `block` whose rows hold offset `rel`: the last j with starts[j] <= rel. */
  const entryAt = (block: Block, rel: number): number => {
    let lo = 0;
    let hi = block.entries.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (block.starts[mid] <= rel) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };

  const positionIn = (block: Block, id: string): number => {
    if (!block.positions) {
      block.positions = new Map();
      block.entries.forEach((node, j) => block.positions!.set(node ? node._id : DRAFT_ID, j));
    }
    return block.positions.get(id) ?? -1;
  };

  /** Where the block of folder `key` starts and its rows' depth; null when its contents are not visible. */
  const blockStart = (key: string, guard: number): { at: number; depth: number } | null => {
    if (key === ROOT) return { at: 0, depth: 1 };
    const folder = index.byId.get(key);
    if (!folder || guard > MAX_OPEN_DEPTH) return null;
    const parentKey = parentKeyOf(folder);
    const parent = blockStart(parentKey, guard + 1);
    if (!parent || !opens(folder, parent.depth)) return null;
    const block = blockOf(parentKey, parent.depth);
    const j = positionIn(block, key);
    return j < 0 ? null : { at: parent.at + block.starts[j] + 1, depth: parent.depth + 1 };
  };

  const length = sizeOf(ROOT, 1);

  const slice = (from: number, to: number): Row[] => {
    const out: Row[] = [];
    const end = Math.min(to, length);
    const walk = (block: Block, base: number) => {
      for (let j = entryAt(block, Math.max(0, from - base)); j < block.entries.length; j++) {
        const at = base + block.starts[j];
        if (at >= end) return;
        if (at >= from) out.push(rowOf(block, j));
        const node = block.entries[j];
        if (node && opens(node, block.depth) && base + block.starts[j + 1] > from) {
          walk(blockOf(node._id, block.depth + 1), at + 1);
        }
      }
    };
    if (from < end) walk(blockOf(ROOT, 1), 0);
    return out;
  };

  return {
    length,
    at(i) {
      if (!(i >= 0 && i < length)) return undefined;
      const cached = made.get(i);
      if (cached) return cached;
      let block = blockOf(ROOT, 1);
      let rel = i;
      for (;;) {
        const j = entryAt(block, rel);
        const offset = rel - block.starts[j];
        if (offset === 0) {
          const row = rowOf(block, j);
          made.set(i, row);
          return row;
        }
        block = blockOf(block.entries[j]!._id, block.depth + 1);
        rel = offset - 1;
      }
    },
    indexOf(id) {
      if (id === null) return -1;
      const key = id === DRAFT_ID ? draft?.parentKey : index.byId.has(id) ? parentKeyOf(index.byId.get(id)!) : undefined;
      if (key === undefined) return -1;
      const start = blockStart(key, 0);
      if (!start) return -1;
      const block = blockOf(key, start.depth);
      const j = positionIn(block, id);
      return j < 0 ? -1 : start.at + block.starts[j];
    },
    slice,
  };
}
