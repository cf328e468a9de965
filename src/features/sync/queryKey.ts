import { convexToJson, type Value } from "convex/values";
import { getFunctionName, type FunctionReference } from "convex/server";

const canonical = new Map<string, string>();
/** Names of function references already seen (getFunctionName goes through the api proxy each time). */
const refNames = new WeakMap<object, string>();

/** `module:function`, the way the Convex client names a function (".js" and a missing name normalised). */
export function canonicalPath(pathOrRef: string | FunctionReference<any, any>): string {
  let path: string;
  if (typeof pathOrRef === "string") path = pathOrRef;
  else {
    const known = refNames.get(pathOrRef);
    if (known !== undefined) return known;
    path = getFunctionName(pathOrRef);
  }
  let known = canonical.get(path);
  if (known === undefined) {
    known = canonicalize(path);
    // Function names come from the code, so this stays as small as the API.
    if (canonical.size < 1000) canonical.set(path, known);
  }
  if (typeof pathOrRef !== "string") refNames.set(pathOrRef, known);
  return known;
}

function canonicalize(path: string): string {
  const pieces = path.split(":");
  let moduleName = pieces.length === 1 ? pieces[0] : pieces.slice(0, -1).join(":");
  const functionName = pieces.length === 1 ? "default" : pieces[pieces.length - 1];
  if (moduleName.endsWith(".js")) moduleName = moduleName.slice(0, -3);
  return `${moduleName}:${functionName}`;
}

/**
 * Tokens made recently, by the args object and path: the offline overlay writes the same cached bucket (the same
 * args object) once per pending write, thousands of times per recomputation. Query args are never changed once
 * made (they are the key of a subscription).
 *
 * A Map bounded at TOKEN_CACHE_LIMIT (emptied when full), not a WeakMap: most args are fresh objects made for
 * one read (`{ fileId }` in an optimistic update, a watcher's target), and a WeakMap keeps growing with them
 * until a full collection; while 5,000 writes replayed, one `set` that grew its table took 240-290 ms, the
 * longest tasks of the replay (bench/offline with BENCH_PROFILE_LARGE). Bounded, a fresh object costs one
 * small-table insert, and the objects read again and again (the buckets) are still found.
 */
export const TOKEN_CACHE_LIMIT = 2048;
const tokens = new Map<object, { path: string; token: string }>();
/** How many tokens were made, not found (for tests). */
export const tokenStats = { made: 0, cached: () => tokens.size };

/** Stable key of one query subscription, the same shape the Convex client uses internally. */
export function queryToken(path: string, args: Record<string, unknown>): string {
  const known = tokens.get(args);
  if (known !== undefined && known.path === path) return known.token;
  const token = makeToken(path, args);
  tokenStats.made++;
  if (tokens.size >= TOKEN_CACHE_LIMIT) tokens.clear();
  tokens.set(args, { path, token });
  return token;
}

function makeToken(path: string, args: Record<string, unknown>): string {
  const udfPath = canonicalPath(path);
  // Most query args are ids, names and small numbers, which convexToJson leaves as they are; skipping it keeps
  // the offline overlay (it computes a token for every read and write of every pending entry) cheap.
  // The text is built piece by piece, exactly as JSON.stringify would write `{ udfPath, args: sorted }`, without
  // the sorted copy.
  if (Object.getPrototypeOf(args) === Object.prototype) {
    const keys = Object.keys(args);
    if (keys.every((k) => plainJson(args[k]) && !k.startsWith("$"))) {
      // Sorted by code unit, as convexToJson sorts object fields.
      if (keys.length > 1) keys.sort((a, b) => (a === b ? 0 : a < b ? -1 : 1));
      let text = `{"udfPath":${JSON.stringify(udfPath)},"args":{`;
      for (let i = 0; i < keys.length; i++) {
        text += `${i > 0 ? "," : ""}${JSON.stringify(keys[i])}:${JSON.stringify(args[keys[i]])}`;
      }
      return `${text}}}`;
    }
  }
  return JSON.stringify({ udfPath, args: convexToJson(args as Record<string, Value>) });
}

/** A value convexToJson leaves as it is: a string, or a finite number other than -0 (those it encodes). */
function plainJson(value: unknown): boolean {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value) && !Object.is(value, -0));
}
