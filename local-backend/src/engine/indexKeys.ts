import { lowerBound } from "./keys.js";

// One index's entries: (key, document id) pairs sorted by key, in chunks of at most MAX_CHUNK pairs, so a write
// moves at most one chunk's elements. (One sorted array moved O(n) elements per write: with the files table's 7
// indexes that was about a megabyte of memmove per insert at 25,000 files, growing with the project.) Written by
// hand because no ordered-map package is among the dependencies, and this one-level B-tree is all the engine needs.
// Invariants:
// - Keys are unique (each ends with its document's id) and strictly increase within a chunk and across chunks.
// - Every chunk is non-empty, except the single chunk of an empty index.
// - A position {c, i} is chunk c, offset i; "end" is {c: chunks, i: 0} and "before the start" is {c: -1, i: 0}.
//   A write may move entries between positions, so a reader that keeps a position across writes checks that the
//   key there is still the one it read (QueryStream does) and seeks again otherwise.

const MAX_CHUNK = 512;

export interface Pos {
  c: number;
  i: number;
}

export class IndexKeys {
  private keyChunks: string[][] = [[]];
  private idChunks: string[][] = [[]];
  size = 0;

  /** Builds from `keys` already sorted (strictly increasing) and their ids in the same order. */
  static fromSorted(keys: string[], ids: string[]): IndexKeys {
    const index = new IndexKeys();
    if (keys.length === 0) return index;
    const half = MAX_CHUNK >>> 1;
    index.keyChunks = [];
    index.idChunks = [];
    for (let start = 0; start < keys.length; start += half) {
      index.keyChunks.push(keys.slice(start, start + half));
      index.idChunks.push(ids.slice(start, start + half));
    }
    index.size = keys.length;
    return index;
  }

  /** The chunk that holds (or would hold) the first key >= target (> target when strict); the last if none. */
  private chunkFor(target: string, strict: boolean): number {
    const chunks = this.keyChunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const chunk = chunks[mid];
      const last = chunk[chunk.length - 1];
      if (last < target || (strict && last === target)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(key: string, id: string) {
    const c = this.chunkFor(key, false);
    const keys = this.keyChunks[c];
    const ids = this.idChunks[c];
    const at = lowerBound(keys, key);
    keys.splice(at, 0, key);
    ids.splice(at, 0, id);
    this.size++;
    if (keys.length > MAX_CHUNK) {
      const half = keys.length >>> 1;
      this.keyChunks.splice(c + 1, 0, keys.splice(half));
      this.idChunks.splice(c + 1, 0, ids.splice(half));
    }
  }

  remove(key: string) {
    const c = this.chunkFor(key, false);
    const keys = this.keyChunks[c];
    const at = lowerBound(keys, key);
    if (keys[at] !== key) return;
    keys.splice(at, 1);
    this.idChunks[c].splice(at, 1);
    this.size--;
    if (keys.length === 0 && this.keyChunks.length > 1) {
      this.keyChunks.splice(c, 1);
      this.idChunks.splice(c, 1);
    }
  }

  /** Moves `pos` to the first entry whose key is >= target (> target when strict), or to the end. */
  seek(pos: Pos, target: string, strict = false) {
    const c = this.chunkFor(target, strict);
    pos.c = c;
    pos.i = lowerBound(this.keyChunks[c], target, strict);
    this.forward(pos);
  }

  /** Moves `pos` one entry forward (dir 1, up to the end) or back (dir -1, down to before the start). */
  step(pos: Pos, dir: 1 | -1) {
    if (dir === 1) {
      pos.i++;
      this.forward(pos);
      return;
    }
    const chunks = this.keyChunks;
    if (pos.c >= chunks.length) {
      pos.c = chunks.length - 1;
      pos.i = chunks[pos.c].length - 1;
    } else {
      pos.i--;
    }
    while (pos.c >= 0 && pos.i < 0) {
      pos.c--;
      pos.i = pos.c >= 0 ? chunks[pos.c].length - 1 : 0;
    }
  }

  private forward(pos: Pos) {
    const chunks = this.keyChunks;
    while (pos.c < chunks.length && pos.i >= chunks[pos.c].length) {
      pos.c++;
      pos.i = 0;
    }
  }

  /** The key at `pos`, or undefined at either end. */
  keyAt(pos: Pos): string | undefined {
    return pos.c >= 0 && pos.c < this.keyChunks.length ? this.keyChunks[pos.c][pos.i] : undefined;
  }

  idAt(pos: Pos): string {
    return this.idChunks[pos.c][pos.i];
  }

  /** Every id in key order (tests and rebuilds). */
  *ids(): Generator<string> {
    for (const chunk of this.idChunks) yield* chunk;
  }
}
