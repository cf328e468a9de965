/**
 * Pure functions over the file listing, shared by the server (the assistant's list_files) and the SPA
 * (tree, quick open). No Convex imports: the SPA bundles this file.
 *
 * The visibility rule: an entry is shown only when its whole ancestor chain is present and reaches the root.
 * Deleting a folder removes the folder's own entry at once and its descendants later, in batches
 * (convex/model/purge.ts); until then they are in the listing but hidden by this rule, so every reader sees the
 * folder gone in the same transaction as the delete. A chain that loops (impossible by construction: moves refuse
 * cycles) is treated as hidden rather than followed forever.
 */

export interface ListingEntry {
  _id: string;
  /** Undefined for an entry at the project root. */
  parentId?: string;
  name: string;
  type: "file" | "folder";
  /** Present (true) only when the bytes live in storage. */
  isBinary?: boolean;
}

const HIDDEN = 0;
const VISIBLE = 1;
const PENDING = 2;

/** The state of every entry reachable from `entries`: VISIBLE when its ancestors reach the root. O(n). */
function resolveStates<T extends ListingEntry>(byId: Map<string, T>): Map<string, number> {
  const state = new Map<string, number>();
  const chain: string[] = [];
  for (const entry of byId.values()) {
    if (state.has(entry._id)) continue;
    chain.length = 0;
    let cursor: T | undefined = entry;
    let outcome = HIDDEN;
    while (cursor !== undefined) {
      const known = state.get(cursor._id);
      if (known === PENDING) break; // a loop: hidden
      if (known !== undefined) {
        outcome = known;
        break;
      }
      state.set(cursor._id, PENDING);
      chain.push(cursor._id);
      if (cursor.parentId === undefined) {
        outcome = VISIBLE;
        break;
      }
      cursor = byId.get(cursor.parentId);
    }
    for (const id of chain) state.set(id, outcome);
  }
  return state;
}

function indexById<T extends ListingEntry>(entries: Iterable<T>): Map<string, T> {
  const byId = new Map<string, T>();
  for (const entry of entries) byId.set(entry._id, entry);
  return byId;
}

/** The entries that are shown: those whose ancestors are all present up to the root, in input order. */
export function visibleEntries<T extends ListingEntry>(entries: Iterable<T>): T[] {
  const byId = indexById(entries);
  const state = resolveStates(byId);
  return [...byId.values()].filter((entry) => state.get(entry._id) === VISIBLE);
}

/** The project-relative path ("src/app.ts") of every visible entry, keyed by id. */
export function entryPaths<T extends ListingEntry>(entries: Iterable<T>): Map<string, string> {
  const byId = indexById(entries);
  const state = resolveStates(byId);
  const paths = new Map<string, string>();
  const pathOf = (entry: T): string => {
    const known = paths.get(entry._id);
    if (known !== undefined) return known;
    // Iterative: a deep chain must not overflow the stack.
    const chain: T[] = [];
    let cursor: T | undefined = entry;
    let prefix = "";
    while (cursor !== undefined) {
      const cached = paths.get(cursor._id);
      if (cached !== undefined) {
        prefix = cached;
        break;
      }
      chain.push(cursor);
      cursor = cursor.parentId === undefined ? undefined : byId.get(cursor.parentId);
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      prefix = prefix === "" ? chain[i].name : `${prefix}/${chain[i].name}`;
      paths.set(chain[i]._id, prefix);
    }
    return prefix;
  };
  for (const entry of byId.values()) if (state.get(entry._id) === VISIBLE) pathOf(entry);
  return paths;
}
