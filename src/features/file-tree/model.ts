import type { Id } from "../../../convex/_generated/dataModel";
import { filePath } from "../../../convex/model/filePath";

export type FileId = Id<"files">;

/** The metadata the tree needs from one listing entry (extra fields are ignored). */
export interface TreeNode {
  _id: FileId;
  parentId?: FileId;
  name: string;
  type: "file" | "folder";
  size?: number;
  isBinary?: boolean;
}

/** Key of the project root in parent-keyed maps (ids are never empty). */
export const ROOT = "";
export const DRAFT_ID = "\u0000draft";

export const parentKeyOf = (node: { parentId?: string }): string => node.parentId ?? ROOT;

// A fixed locale keeps the order the same for every user (and equal to `fastCompare` below).
const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

/** Names made only of these characters are compared by `fastCompare`; every other name goes to the collator. */
const FAST_NAME = /^[A-Za-z0-9 ._-]*$/;

const isDigit = (c: number) => c >= 48 && c <= 57;
/** Primary weights of the fast alphabet in CLDR root order: space < _ < - < . < digits < letters (case-blind). */
function rank(c: number): number {
  if (c === 32) return 1;
  if (c === 95) return 2;
  if (c === 45) return 3;
  if (c === 46) return 4;
  if (c >= 65 && c <= 90) return c + 32 + 100;
  return c + 100;
}

/**
 * The collator's answer (numeric, base sensitivity) for two names in FAST_NAME, computed without ICU: 20-50x
 * faster, which is what lets a 100k-file folder sort in tens of milliseconds. model.test.ts checks that it
 * agrees with the collator on many random names.
 */
export function fastCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      while (i < a.length && a.charCodeAt(i) === 48) i++;
      while (j < b.length && b.charCodeAt(j) === 48) j++;
      let ei = i;
      let ej = j;
      while (ei < a.length && isDigit(a.charCodeAt(ei))) ei++;
      while (ej < b.length && isDigit(b.charCodeAt(ej))) ej++;
      if (ei - i !== ej - j) return ei - i - (ej - j);
      for (; i < ei; i++, j++) {
        const d = a.charCodeAt(i) - b.charCodeAt(j);
        if (d !== 0) return d;
      }
      continue;
    }
    const ra = isDigit(ca) ? 50 : rank(ca);
    const rb = isDigit(cb) ? 50 : rank(cb);
    if (ra !== rb) return ra - rb;
    i++;
    j++;
  }
  return a.length - i - (b.length - j);
}

/** Natural, case-blind name order (the collator's), without tiebreak. */
export function compareNames(a: string, b: string): number {
  return FAST_NAME.test(a) && FAST_NAME.test(b) ? fastCompare(a, b) : collator.compare(a, b);
}

function tiebreak(a: TreeNode, b: TreeNode): number {
  return (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
}

/** Folders first, then files; each in natural order (`file2` < `file10`), case-sensitive duplicates stable. */
export function compareNodes(a: TreeNode, b: TreeNode): number {
  if (a.type !== b.type) return a.type === "folder" ? -1 : 1;
  return compareNames(a.name, b.name) || tiebreak(a, b);
}

/** Sorts with compareNodes, testing each name against FAST_NAME once instead of on every comparison. */
function sortNodes(nodes: readonly TreeNode[]): TreeNode[] {
  const keyed = nodes.map((node) => ({ node, folder: node.type === "folder", fast: FAST_NAME.test(node.name) }));
  keyed.sort((x, y) => {
    if (x.folder !== y.folder) return x.folder ? -1 : 1;
    const a = x.node.name;
    const b = y.node.name;
    return (x.fast && y.fast ? fastCompare(a, b) : collator.compare(a, b)) || tiebreak(x.node, y.node);
  });
  return keyed.map((k) => k.node);
}

/** Lookup of a node by id (a Map, or the layered map of an incrementally updated index). */
export interface NodeLookup {
  get(id: string): TreeNode | undefined;
  has(id: string): boolean;
}

export interface TreeIndex {
  readonly byId: NodeLookup;
  readonly size: number;
  /** Children of a folder (ROOT for the root) in display order. Sorted lazily, once per folder version. */
  children(parentKey: string): readonly TreeNode[];
  /** The same children in no particular order, without sorting: for counting and name checks. */
  unsortedChildren(parentKey: string): readonly TreeNode[];
}

const EMPTY: readonly TreeNode[] = [];

/**
 * Work counter of the index (nodes placed, compared or copied in JS), read by model.test.ts to prove that a
 * change of k entries costs O(k log n) index work, not work proportional to the project.
 */
export const indexWork = { count: 0 };

/**
 * A map read through a small overlay of changes (`null`: removed) onto a base shared with older versions, so
 * a new version costs the size of its overlay, not of the map. The overlay is folded into a fresh base once it
 * outgrows ~4·√n, which keeps lookups O(1) and the amortised cost per change O(√n) at worst. Written here
 * rather than taken from a persistent-collections library: none is a dependency, and two operations suffice.
 */
class Layered<V> {
  constructor(
    private readonly base: ReadonlyMap<string, V>,
    private readonly over: ReadonlyMap<string, V | null>,
  ) {}

  get(key: string): V | undefined {
    const value = this.over.get(key);
    return value === undefined ? this.base.get(key) : (value ?? undefined);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** A new version with `changes` applied; this one stays as it was. */
  with(changes: ReadonlyMap<string, V | null>): Layered<V> {
    const limit = 64 + 4 * Math.sqrt(this.base.size);
    if (this.over.size + changes.size <= limit) {
      const over = new Map(this.over);
      for (const [key, value] of changes) over.set(key, value);
      indexWork.count += this.over.size + changes.size;
      return new Layered<V>(this.base, over);
    }
    const base = new Map(this.base);
    for (const [key, value] of this.over) if (value === null) base.delete(key);
    else base.set(key, value);
    for (const [key, value] of changes) if (value === null) base.delete(key);
    else base.set(key, value);
    indexWork.count += base.size + this.over.size + changes.size;
    return new Layered<V>(base, new Map<string, V | null>());
  }
}

/** Sorted children by group array: a folder whose children did not change keeps its array, so its order too. */
const sortedOf = new WeakMap<readonly TreeNode[], readonly TreeNode[]>();

/** How a folder's children changed since the previous version (the group it had then, sorted or not). */
interface GroupEdit {
  prior: readonly TreeNode[];
  removed: TreeNode[];
  added: TreeNode[];
}

/** The state an index keeps so that the next one can be derived from it. */
interface IndexState {
  files: readonly TreeNode[];
  byId: Layered<TreeNode>;
  groups: Layered<readonly TreeNode[]>;
}

const states = new WeakMap<TreeIndex, IndexState>();

function makeIndex(state: IndexState, size: number, edits: ReadonlyMap<string, GroupEdit>): TreeIndex {
  const index: TreeIndex = {
    byId: state.byId,
    size,
    children(parentKey) {
      const group = state.groups.get(parentKey);
      if (!group) return EMPTY;
      const cached = sortedOf.get(group);
      if (cached) return cached;
      const edit = edits.get(parentKey);
      const prev = edit && sortedOf.get(edit.prior);
      const result = prev ? patchSorted(prev, edit) : sortNodes(group);
      if (!prev) indexWork.count += group.length * Math.ceil(Math.log2(group.length + 1));
      sortedOf.set(group, result);
      return result;
    },
    unsortedChildren(parentKey) {
      return state.groups.get(parentKey) ?? EMPTY;
    },
  };
  states.set(index, state);
  return index;
}

/** Fields equal one by one: a listing entry re-sent unchanged (its bucket changed) keeps its old object. */
function sameEntry(a: TreeNode, b: TreeNode): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const key of ka) if ((a as unknown as Record<string, unknown>)[key] !== (b as unknown as Record<string, unknown>)[key]) return false;
  return true;
}

function fullBuild(files: readonly TreeNode[]): TreeIndex {
  const byId = new Map<string, TreeNode>();
  const groups = new Map<string, TreeNode[]>();
  for (const node of files) {
    byId.set(node._id, node);
    const key = parentKeyOf(node);
    const group = groups.get(key);
    if (group) group.push(node);
    else groups.set(key, [node]);
  }
  indexWork.count += files.length;
  return makeIndex(
    { files, byId: new Layered<TreeNode>(byId, new Map<string, TreeNode | null>()), groups: new Layered<readonly TreeNode[]>(groups, new Map<string, readonly TreeNode[] | null>()) },
    byId.size,
    new Map(),
  );
}

/**
 * Builds the children-by-parent index of a listing. Given the previous index, it is derived from it: the
 * listing is compared with the previous one (by identity, then field by field for entries re-sent unchanged),
 * and only the changed entries' folders get new child arrays; every other folder keeps its arrays and its
 * sorted order. A changed folder's order is patched by binary search (removals, then insertions), so a change of
 * k entries costs O(k log n) comparisons. Sorting is lazy: only folders that are shown get sorted.
 */
export function buildIndex(files: readonly TreeNode[], previous?: TreeIndex): TreeIndex {
  const state = previous && states.get(previous);
  if (!state || !previous) return fullBuild(files);
  const prevFiles = state.files;
  const changes = new Map<string, TreeNode | null>();
  let present = 0;
  for (let i = 0; i < files.length; i++) {
    const node = files[i];
    if (node === prevFiles[i]) {
      present++;
      continue;
    }
    const old = state.byId.get(node._id);
    if (old) present++;
    if (old === node || (old && sameEntry(old, node))) continue;
    indexWork.count++;
    changes.set(node._id, node);
    if (changes.size * 4 > files.length + 64) return fullBuild(files);
  }
  if (present !== previous.size || files.length !== previous.size + countAdded(changes, state)) {
    // Something left the listing (or an id repeats): find what, by id.
    const ids = new Set<string>();
    for (const node of files) ids.add(node._id);
    for (const old of prevFiles) if (!ids.has(old._id)) changes.set(old._id, null);
    if (ids.size !== files.length) return fullBuild(files);
  }
  if (changes.size === 0) return makeIndex({ ...state, files }, previous.size, new Map());

  const edits = new Map<string, GroupEdit>();
  const editOf = (key: string) => {
    let edit = edits.get(key);
    if (!edit) {
      edit = { prior: state.groups.get(key) ?? EMPTY, removed: [], added: [] };
      edits.set(key, edit);
    }
    return edit;
  };
  let size = previous.size;
  for (const [id, node] of changes) {
    const old = state.byId.get(id);
    if (old) {
      editOf(parentKeyOf(old)).removed.push(old);
      size--;
    }
    if (node) {
      editOf(parentKeyOf(node)).added.push(node);
      size++;
    }
  }
  const groupChanges = new Map<string, readonly TreeNode[] | null>();
  for (const [key, edit] of edits) {
    const sorted = sortedOf.get(edit.prior);
    let group: readonly TreeNode[];
    if (sorted) {
      // The new order is the group itself: patched in O(k log n) comparisons.
      group = patchSorted(sorted, edit);
      sortedOf.set(group, group);
    } else {
      const removed = new Set(edit.removed);
      group = edit.prior.filter((n) => !removed.has(n)).concat(edit.added);
      indexWork.count += edit.prior.length;
    }
    groupChanges.set(key, group.length > 0 ? group : null);
  }
  // Only the latest version's edits can help sort: a folder not sorted since is sorted afresh when shown.
  return makeIndex(
    { files, byId: state.byId.with(changes), groups: state.groups.with(groupChanges) },
    size,
    edits,
  );
}

/** How many of the changes are ids the previous version did not have. */
function countAdded(changes: ReadonlyMap<string, TreeNode | null>, state: IndexState): number {
  let added = 0;
  for (const [id, node] of changes) if (node && !state.byId.has(id)) added++;
  return added;
}

/** Position of `node` in `sorted` by compareNodes (where it is, or where it would go). */
function lowerBound(sorted: readonly TreeNode[], node: TreeNode): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    indexWork.count++;
    if (compareNodes(sorted[mid], node) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A sorted folder with an edit applied: each removed node found and each added one placed by binary search. */
function patchSorted(sorted: readonly TreeNode[], edit: GroupEdit): TreeNode[] {
  const out = sorted.slice();
  for (const old of edit.removed) {
    const at = lowerBound(out, old);
    if (out[at] === old) out.splice(at, 1);
    else {
      // Not where its order says (it cannot happen for a sorted array): fall back to a scan.
      const i = out.indexOf(old);
      if (i >= 0) out.splice(i, 1);
    }
  }
  for (const node of edit.added) out.splice(lowerBound(out, node), 0, node);
  return out;
}

export interface Row {
  /** The node's id, or DRAFT_ID for the inline "new file/folder" row. */
  id: string;
  node: TreeNode | undefined;
  draftType?: "file" | "folder";
  depth: number;
  posinset: number;
  setsize: number;
  parentKey: string;
}

/** Folders deeper than this are not opened: a guard against a cycle that only a broken optimistic update could create. */
export const MAX_OPEN_DEPTH = 512;

export interface Draft {
  parentKey: string;
  type: "file" | "folder";
}

/**
 * The visible rows: a depth-first walk of the index through expanded folders. The reference for visibleRows.ts,
 * which the view uses: it computes the same rows on demand.
 */
export function flattenVisible(index: TreeIndex, expanded: ReadonlySet<string>, draft?: Draft | null): Row[] {
  const rows: Row[] = [];
  const visit = (parentKey: string, depth: number) => {
    const kids = index.children(parentKey);
    const withDraft = draft != null && draft.parentKey === parentKey;
    const setsize = kids.length + (withDraft ? 1 : 0);
    let pos = 1;
    if (withDraft) {
      rows.push({ id: DRAFT_ID, node: undefined, draftType: draft.type, depth, posinset: pos++, setsize, parentKey });
    }
    for (const node of kids) {
      rows.push({ id: node._id, node, depth, posinset: pos++, setsize, parentKey });
      if (node.type === "folder" && depth < MAX_OPEN_DEPTH && expanded.has(node._id)) visit(node._id, depth + 1);
    }
  };
  visit(ROOT, 1);
  return rows;
}

/** True when `id` is `ancestorId` or lies inside it. */
export function isWithin(index: TreeIndex, id: string, ancestorId: string): boolean {
  let current: TreeNode | undefined = index.byId.get(id);
  for (let guard = 0; current && guard < 1024; guard++) {
    if (current._id === ancestorId) return true;
    current = current.parentId ? index.byId.get(current.parentId) : undefined;
  }
  return false;
}

/** `/`-joined path from the root, e.g. `src/app/main.ts` (convex/model/filePath.ts); "" for an unknown id. */
export function pathOf(index: TreeIndex, id: string): string {
  const node = index.byId.get(id);
  return node ? filePath(node, (parentId) => index.byId.get(parentId)) : "";
}

/**
 * Paths for the labels of writes ("Edit src/app.ts"), read from the newest listing: the id index is built on the
 * first lookup after the listing changed, not on every change. Undefined for an id the listing lacks.
 */
export function pathLookup(): (files: readonly TreeNode[] | undefined, id: string) => string | undefined {
  let source: readonly TreeNode[] | undefined;
  let byId = new Map<string, TreeNode>();
  return (files, id) => {
    if (files !== source) {
      source = files;
      byId = new Map((files ?? []).map((f) => [f._id as string, f]));
    }
    const node = byId.get(id);
    return node ? filePath(node, (parentId) => byId.get(parentId)) : undefined;
  };
}

export interface FilePath {
  id: FileId;
  path: string;
  name: string;
}

/** Every file reachable from the root with its path, computed in one pass (no sorting). */
export function allFilePaths(files: readonly TreeNode[]): FilePath[] {
  const groups = new Map<string, TreeNode[]>();
  for (const node of files) {
    const key = parentKeyOf(node);
    const group = groups.get(key);
    if (group) group.push(node);
    else groups.set(key, [node]);
  }
  const out: FilePath[] = [];
  const walk = (key: string, prefix: string, depth: number) => {
    for (const node of groups.get(key) ?? EMPTY) {
      const path = prefix + node.name;
      if (node.type === "file") out.push({ id: node._id, path, name: node.name });
      else if (depth < 512) walk(node._id, path + "/", depth + 1);
    }
  };
  walk(ROOT, "", 0);
  return out;
}

/** Nodes of a subtree, the root first, parents before children. */
export function subtree(index: TreeIndex, id: string): TreeNode[] {
  const root = index.byId.get(id);
  if (!root) return [];
  const out: TreeNode[] = [root];
  for (let i = 0; i < out.length && out.length < 100_000; i++) {
    if (out[i].type === "folder") out.push(...index.children(out[i]._id));
  }
  return out;
}

/** Drops ids that lie inside another id of the list (acting on a folder already covers its contents). */
export function topLevelOnly(index: TreeIndex, ids: readonly string[]): string[] {
  const set = new Set(ids);
  return ids.filter((id) => {
    let current = index.byId.get(id);
    current = current?.parentId ? index.byId.get(current.parentId) : undefined;
    for (let guard = 0; current && guard < 1024; guard++) {
      if (set.has(current._id)) return false;
      current = current.parentId ? index.byId.get(current.parentId) : undefined;
    }
    return true;
  });
}
