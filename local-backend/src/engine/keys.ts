import { CommitTsPlaceholder, type Value } from "convex/values";

// Order-preserving encoding of Convex values into strings: for any values a, b,
// compareValues(a, b) has the sign of comparing encode(a) and encode(b) by UTF-16 code units.
// Every encoding is self-delimiting (no encoding is a proper prefix of another), so the
// concatenation of a tuple's encodings orders tuples lexicographically. No encoding contains
// U+FFFF, so `prefix + MAX_SUFFIX` is greater than every key that starts with `prefix`.
//
// Type tags follow convex/values compare.ts: undefined < null < bigint < number < boolean <
// string < bytes < array < object.

export const MAX_SUFFIX = "\uffff";

const TAG_UNDEFINED = "\x01";
const TAG_NULL = "\x02";
const TAG_BIGINT = "\x03";
const TAG_NUMBER = "\x04";
const TAG_BOOLEAN = "\x05";
const TAG_STRING = "\x06";
const TAG_BYTES = "\x07";
const TAG_ARRAY = "\x08";
const TAG_OBJECT = "\x09";
const END = "\x00";

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HEX_CODES = [..."0123456789abcdef"].map((c) => c.charCodeAt(0));
const numberCodes = new Array<number>(17).fill(0);
numberCodes[0] = TAG_NUMBER.charCodeAt(0);
const MAX_INT64 = 9223372036854775807n;
const INT64_OFFSET = 9223372036854775808n;

export function encodeNumber(n: number): string {
  f64[0] = n;
  const signByte = f64Bytes[LITTLE_ENDIAN ? 7 : 0];
  const negative = (signByte & 0x80) !== 0;
  // IEEE 754 total order: negative numbers have all bits flipped, positive ones only the sign bit.
  for (let i = 0; i < 8; i++) {
    let b = f64Bytes[LITTLE_ENDIAN ? 7 - i : i];
    if (negative) b = 255 - b;
    else if (i === 0) b |= 0x80;
    numberCodes[1 + 2 * i] = HEX_CODES[b >> 4];
    numberCodes[2 + 2 * i] = HEX_CODES[b & 15];
  }
  return String.fromCharCode.apply(null, numberCodes);
}

function encodeBigint(n: bigint): string {
  return TAG_BIGINT + (BigInt.asUintN(64, n) ^ INT64_OFFSET).toString(16).padStart(16, "0");
}

// Strings compare by UTF-8 bytes in Convex (= code point order). UTF-16 code-unit order differs only for
// surrogates versus U+E000..U+FFFF, so those ranges are swapped. Code units 0/1 and the two largest are
// escaped to keep END and MAX_SUFFIX free.
function encodeStringBody(s: string): string {
  let out = "";
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 2 || c >= 0xd800) {
      plain = false;
      break;
    }
  }
  if (plain) return s + END;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xe000) c -= 0x800;
    else if (c >= 0xd800) c += 0x2000;
    if (c < 2) out += "\x01" + String.fromCharCode(c + 1);
    else if (c >= 0xfffe) out += "\ufffe" + String.fromCharCode(c - 0xfffe + 2);
    else out += String.fromCharCode(c);
  }
  return out + END;
}

export function encodeValue(v: Value | undefined): string {
  if (v === undefined) return TAG_UNDEFINED;
  if (v === null) return TAG_NULL;
  switch (typeof v) {
    case "bigint":
      return encodeBigint(v);
    case "number":
      return encodeNumber(v);
    case "boolean":
      return TAG_BOOLEAN + (v ? "1" : "0");
    case "string":
      return TAG_STRING + encodeStringBody(v);
    default:
      break;
  }
  if (v instanceof CommitTsPlaceholder) return encodeBigint(MAX_INT64);
  if (v instanceof ArrayBuffer) {
    const bytes = new Uint8Array(v);
    let out = TAG_BYTES;
    for (const b of bytes) out += String.fromCharCode(b + 2);
    return out + END;
  }
  if (Array.isArray(v)) {
    let out = TAG_ARRAY;
    for (const item of v) out += encodeValue(item);
    return out + END;
  }
  let out = TAG_OBJECT;
  const obj = v as Record<string, Value>;
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue;
    out += "\x01" + encodeStringBody(k) + encodeValue(obj[k]);
  }
  return out + END;
}

/** Reads a (possibly nested, dot-separated) field; a missing field is undefined. */
export function getField(doc: Record<string, Value>, fieldPath: string): Value | undefined {
  if (!fieldPath.includes(".")) return doc[fieldPath];
  let cur: Value | undefined = doc;
  for (const part of fieldPath.split(".")) {
    if (cur === null || cur === undefined || typeof cur !== "object" || Array.isArray(cur) || cur instanceof ArrayBuffer) {
      return undefined;
    }
    cur = (cur as Record<string, Value>)[part];
  }
  return cur;
}

/** First position whose key is >= target (`strict`: > target). */
export function lowerBound(keys: readonly string[], target: string, strict = false): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid];
    if (k < target || (strict && k === target)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Opaque, URL-safe cursor holding an index key (UTF-16 bytes keep every code unit exactly). */
export function keyToCursor(key: string): string {
  return "k" + Buffer.from(key, "utf16le").toString("base64url");
}

export function cursorToKey(cursor: string): string {
  if (!cursor.startsWith("k")) throw new Error(`Invalid pagination cursor "${cursor}": pass null or a continueCursor from this query.`);
  const buf = Buffer.from(cursor.slice(1), "base64url");
  if (buf.length % 2 !== 0) throw new Error(`Invalid pagination cursor "${cursor}": pass null or a continueCursor from this query.`);
  return buf.toString("utf16le");
}
