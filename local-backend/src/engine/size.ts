import type { JSONValue } from "convex/values";

// Convex's size of a document (convex/values getConvexSize) and its nesting depth, taken from its JSON form when the
// JSON is plain, so that measuring a written or first-read document does not decode it into a copy: on the insert
// path that decoding was a share of every write's CPU, and reading a 100,000-file listing for the first time after
// a start decoded every entry (kept in memory afterwards) only to count its bytes against the read limit.

/** Bytes of a string in UTF-8 as Convex's getConvexSize counts them (convex/values size.js, the same rule). */
function utf8Length(s: string): number {
  if (s.length > 500) return Buffer.byteLength(s, "utf8");
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 128) bytes += 1;
    else if (code < 2048) bytes += 2;
    else if (code >= 55296 && code <= 56319) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Size and nesting depth of a document still in its JSON form, as `getConvexSize` and `nestingDepth` give them for
 * `jsonToConvex(json)`; null when the JSON is not plain: an object key Convex decodes specially or refuses (a
 * leading "$", as in $integer, $bytes, $float; over 1,024 characters; outside printable ASCII). A plain document
 * decodes to an equal copy, so it needs no decoding to be measured; the rest is decoded, which gives Convex's
 * verdict and message. Written here because Convex exports no size of a JSON value; it is its rule, applied to the
 * JSON shape (every number of plain JSON decodes to a float64: 9 bytes).
 */
export function plainJsonStats(json: JSONValue): { size: number; depth: number } | null {
  const stats = { size: 0, depth: 0 };
  return addPlain(json, 0, stats) ? stats : null;
}

function addPlain(v: JSONValue, depth: number, stats: { size: number; depth: number }): boolean {
  if (v === null || typeof v === "boolean") {
    stats.size += 1;
    return true;
  }
  if (typeof v === "number") {
    stats.size += 9;
    return true;
  }
  if (typeof v === "string") {
    stats.size += 2 + utf8Length(v);
    return true;
  }
  if (typeof v !== "object") return false;
  if (depth + 1 > stats.depth) stats.depth = depth + 1;
  stats.size += 2;
  if (Array.isArray(v)) {
    for (const x of v) if (!addPlain(x, depth + 1, stats)) return false;
    return true;
  }
  for (const k in v) {
    if (k.length > 1024 || k.charCodeAt(0) === 36) return false;
    for (let i = 0; i < k.length; i++) {
      const c = k.charCodeAt(i);
      if (c < 32 || c >= 127) return false;
    }
    stats.size += k.length + 1;
    if (!addPlain(v[k], depth + 1, stats)) return false;
  }
  return true;
}

/** Convex's caps on the shape of any value (a document, a function's arguments or result). */
export const MAX_ARRAY_ELEMENTS = 8192;
export const MAX_OBJECT_FIELDS = 1024;
export const MAX_NESTING_DEPTH = 64;

/**
 * Convex's error for the first array longer than 8,192 elements, object with more than 1,024 fields, or container
 * nested deeper than 64 levels in `json` (a value in its JSON form; `depth` is the level `json` is at), or null. An
 * object with a "$" key is an encoded $integer, $bytes or $float (a field name may not start with "$"): a leaf.
 */
export function shapeError(json: JSONValue, depth = 1): string | null {
  if (json === null || typeof json !== "object") return null;
  if (depth > MAX_NESTING_DEPTH) return `Value is too deeply nested (depth ${depth} > maximum ${MAX_NESTING_DEPTH})`;
  if (Array.isArray(json)) {
    if (json.length > MAX_ARRAY_ELEMENTS) return `Array length is too long (${json.length} > maximum length ${MAX_ARRAY_ELEMENTS})`;
    for (const x of json) {
      const e = shapeError(x, depth + 1);
      if (e) return e;
    }
    return null;
  }
  let fields = 0;
  for (const k in json) {
    if (fields === 0 && k.charCodeAt(0) === 36) return null;
    fields++;
    const e = shapeError(json[k], depth + 1);
    if (e) return e;
  }
  return fields > MAX_OBJECT_FIELDS ? `Object has too many fields (${fields} > maximum number ${MAX_OBJECT_FIELDS})` : null;
}
