import type { Range, ReadSetImpl, WriteSetImpl } from "./transaction.js";
import type { ReadIndex, ReadSet, WriteSet } from "./types.js";

// The read sets of subscribed queries, found from a commit's keys: what a commit costs the sync server grows with
// what it wrote, not with how many queries are subscribed (before, every commit was checked against every read set
// of every connection). Invariants:
// - Each range of a registered read set is kept once, under its (table, index) and, when its lo and hi share a
//   prefix of at least 8 characters, under the first L characters of lo, L the longest of PREFIX_LENGTHS
//   not longer than that shared prefix: every key in [lo, hi) starts with those L characters (keys compare as
//   strings), so a key can only be in ranges filed under its own first L characters. Other ranges (a scan of a
//   whole index, a range on a short value) are in the (table, index)'s wide list, compared with every key.
// - `hits` answers exactly what `entryHits` over every registered read set would (readIndex.test.ts checks it
//   against that on random ranges), each owner once.

const PREFIX_LENGTHS = [64, 48, 40, 32, 24, 16, 8];

interface Filed<T> {
  owner: T;
  range: Range;
}

/** Where one range is filed: its set, and for a prefix set, the map holding it under `prefix`. */
interface Place<T> {
  set: Set<Filed<T>>;
  item: Filed<T>;
  byKey?: Map<string, Set<Filed<T>>>;
  prefix?: string;
}

interface Slot<T> {
  /** Prefix length -> prefix -> ranges filed under it. */
  byPrefix: Map<number, Map<string, Set<Filed<T>>>>;
  wide: Set<Filed<T>>;
}

function sharedPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

export class ReadIndexImpl<T> implements ReadIndex<T> {
  /** Table -> index -> its slot (a commit's write asks its entry for the keys of these indexes only). */
  private readonly slots = new Map<string, Map<string, Slot<T>>>();
  /** Per owner, where each of its ranges is filed (to take them out again). */
  private readonly filed = new Map<T, Place<T>[]>();
  comparisons = 0;

  set(owner: T, reads: ReadSet | null): void {
    this.delete(owner);
    if (reads === null) return;
    const places: Place<T>[] = [];
    for (const [slotKey, ranges] of (reads as ReadSetImpl).ranges) {
      const cut = slotKey.indexOf("\0");
      const table = slotKey.slice(0, cut);
      const index = slotKey.slice(cut + 1);
      let ofTable = this.slots.get(table);
      if (!ofTable) this.slots.set(table, (ofTable = new Map<string, Slot<T>>()));
      let slot = ofTable.get(index);
      if (!slot) ofTable.set(index, (slot = { byPrefix: new Map(), wide: new Set() }));
      for (const range of ranges) {
        const item = { owner, range };
        const shared = sharedPrefix(range.lo, range.hi);
        const length = PREFIX_LENGTHS.find((l) => l <= shared);
        if (length === undefined) {
          slot.wide.add(item);
          places.push({ set: slot.wide, item });
          continue;
        }
        let byKey = slot.byPrefix.get(length);
        if (!byKey) slot.byPrefix.set(length, (byKey = new Map<string, Set<Filed<T>>>()));
        const prefix = range.lo.slice(0, length);
        let set = byKey.get(prefix);
        if (!set) byKey.set(prefix, (set = new Set()));
        set.add(item);
        places.push({ set, item, byKey, prefix });
      }
    }
    this.filed.set(owner, places);
  }

  delete(owner: T): void {
    const places = this.filed.get(owner);
    if (!places) return;
    this.filed.delete(owner);
    for (const { set, item, byKey, prefix } of places) {
      set.delete(item);
      // An emptied prefix goes (a project's files opened one after another would otherwise pile up).
      if (set.size === 0 && byKey !== undefined && byKey.get(prefix!) === set) byKey.delete(prefix!);
    }
  }

  get size(): number {
    return this.filed.size;
  }

  hits(writes: WriteSet): Set<T> {
    const found = new Set<T>();
    for (const entry of (writes as WriteSetImpl).entries) {
      const ofTable = this.slots.get(entry.table);
      if (!ofTable) continue;
      for (const [index, slot] of ofTable) {
        for (const key of entry.keysIn(index)) {
          for (const [length, byKey] of slot.byPrefix) {
            if (key.length < length) continue;
            const set = byKey.get(key.slice(0, length));
            if (set) this.collect(set, key, found);
          }
          if (slot.wide.size > 0) this.collect(slot.wide, key, found);
        }
      }
    }
    return found;
  }

  private collect(set: Set<Filed<T>>, key: string, found: Set<T>) {
    for (const { owner, range } of set) {
      if (found.has(owner)) continue;
      this.comparisons++;
      if (key >= range.lo && key < range.hi) found.add(owner);
    }
  }
}
