import { randomFillSync } from "node:crypto";
import { crc32 } from "node:zlib";

// Document ids: base32 (lowercase, no padding) of 14 random bytes, the table number (u16 big-endian)
// and a 16-bit checksum of the preceding bytes. The checksum makes a mistyped or foreign string fail to
// decode instead of naming another table; the table number lets `db.get(id)` and `v.id(table)` work
// without a lookup.
// Random bytes are drawn from the CSPRNG in blocks (one call per POOL_IDS ids, not one per id), and decoded table
// numbers are cached by id string (decoding is a pure function of it; the cache is emptied when it grows large).

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
/** Each ASCII character's 5-bit value, -1 for one not in the alphabet. */
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const RANDOM_BYTES = 14;
const ID_BYTES = RANDOM_BYTES + 4;
export const ID_LENGTH = Math.ceil((ID_BYTES * 8) / 5);

const ALPHABET_CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));

/** Base32 of `bytes` into `codes` (character codes, one per 5 bits); returns how many it wrote. */
function base32Codes(bytes: Uint8Array, codes: number[]): number {
  let n = 0;
  let bits = 0;
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) {
    acc = (acc << 8) | bytes[i];
    bits += 8;
    while (bits >= 5) {
      codes[n++] = ALPHABET_CODES[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) codes[n++] = ALPHABET_CODES[(acc << (5 - bits)) & 31];
  return n;
}

/**
 * Base32 in the id alphabet (lowercase, no padding), the spelling every id is written in. Made in one piece
 * (String.fromCharCode), not by appending a character at a time: an id kept in a document and its index keys
 * is then one flat string, not a chain of ~30 partial strings for the collector to trace.
 */
export function base32(bytes: Uint8Array): string {
  const codes = new Array<number>(Math.ceil((bytes.length * 8) / 5));
  base32Codes(bytes, codes);
  return String.fromCharCode.apply(null, codes);
}

const POOL_IDS = 256;
const pool = new Uint8Array(RANDOM_BYTES * POOL_IDS);
let poolOffset = pool.length;
/** newId's scratch space (ids are made one at a time, synchronously): the id's bytes, the checked part, its characters. */
const idBytes = new Uint8Array(ID_BYTES);
const idChecked = idBytes.subarray(0, RANDOM_BYTES + 2);
const idCodes = new Array<number>(ID_LENGTH).fill(0);

/**
 * Decoded ids, in two generations: when the newer one holds MAX_CACHED ids it becomes the older one and the
 * oldest is dropped, and an id found in the older one moves back to the newer. A working set up to MAX_CACHED ids
 * is never evicted wholesale: reading a 100,000-file listing touches ~300,000 ids (each entry's id, file id and
 * parent id), and a single map cleared at 100,000 decoded nearly every one of them again on every read.
 */
const MAX_CACHED = 400_000;
let tableNumbers = new Map<string, number | null>();
let olderTableNumbers = new Map<string, number | null>();

function remember(id: string, tableNumber: number | null) {
  if (tableNumbers.size >= MAX_CACHED) {
    olderTableNumbers = tableNumbers;
    tableNumbers = new Map();
  }
  tableNumbers.set(id, tableNumber);
}

export function newId(tableNumber: number): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = idBytes;
  for (let i = 0; i < RANDOM_BYTES; i++) bytes[i] = pool[poolOffset + i];
  poolOffset += RANDOM_BYTES;
  bytes[RANDOM_BYTES] = (tableNumber >>> 8) & 255;
  bytes[RANDOM_BYTES + 1] = tableNumber & 255;
  const sum = crc32(idChecked);
  bytes[RANDOM_BYTES + 2] = (sum >>> 8) & 255;
  bytes[RANDOM_BYTES + 3] = sum & 255;
  base32Codes(bytes, idCodes);
  return String.fromCharCode.apply(null, idCodes);
}

/** The table number an id encodes, or null when the string is not an id minted by this backend. */
export function idTableNumber(id: string): number | null {
  if (typeof id !== "string" || id.length !== ID_LENGTH) return null;
  const cached = tableNumbers.get(id);
  if (cached !== undefined) return cached;
  const older = olderTableNumbers.get(id);
  const tableNumber = older !== undefined ? older : decodeTableNumber(id);
  remember(id, tableNumber);
  return tableNumber;
}

/**
 * Decodes an ID_LENGTH-character string (the caller checked the length). Only the canonical spelling decodes: the
 * bit left over after the ID_BYTES bytes (ID_LENGTH * 5 = ID_BYTES * 8 + 1) must be 0, as base32 writes it, so a
 * string that encodes the same bytes differently is not an id. Reading the first decode of every id of a
 * 100,000-file listing, this was a third of the listing's first read, with a Map lookup per character and a
 * re-encoding to compare.
 */
function decodeTableNumber(id: string): number | null {
  const bytes = new Uint8Array(ID_BYTES);
  let bits = 0;
  let acc = 0;
  let j = 0;
  for (let i = 0; i < id.length; i++) {
    const code = id.charCodeAt(i);
    const v = code < 128 ? DECODE[code] : -1;
    if (v < 0) return null;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bytes[j++] = (acc >>> (bits - 8)) & 255;
      bits -= 8;
    }
    acc &= (1 << bits) - 1;
  }
  if (acc !== 0) return null;
  const sum = crc32(bytes.subarray(0, RANDOM_BYTES + 2));
  if (bytes[RANDOM_BYTES + 2] !== ((sum >>> 8) & 255) || bytes[RANDOM_BYTES + 3] !== (sum & 255)) return null;
  return (bytes[RANDOM_BYTES] << 8) | bytes[RANDOM_BYTES + 1];
}
