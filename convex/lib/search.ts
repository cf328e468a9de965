import picomatch from "picomatch";
import { RE2JS } from "re2js";
import { v, type Infer } from "convex/values";
import { appError } from "./errors";

// Search across a project: one matcher for the server's paginated search (model/search.ts), the assistant's
// search_files tool, the SPA's overlay of unsaved edits and Replace. Pure; the server and the SPA import it.
//
// Matching is per line, like grep and ripgrep: a match never spans a line break, `^` and `$` are the line's ends,
// and a trailing "\r" is not part of the line. Empty matches (`x*` between two y's) are not results.
//
// Engines. A regular expression typed by a person runs in re2js, a port of RE2 whose matching time is linear in
// the input whatever the pattern, so no pattern can hang the server (JavaScript's RegExp backtracks: `(a+)+$` on a
// line of a's takes exponential time). re2js is slow at finding each match (~50 µs each, and ~0.3 s/MB for a
// case-insensitive or \b pattern scanned match by match), so a file is first tested whole by its DFA (a few ms per
// MB), and only the lines of a file that passes are searched match by match. A plain-text query is an escaped
// literal: JavaScript's RegExp runs it without any backtracking, in linear time and many times faster, so it uses
// that.

/** The search as a person sets it in the panel (and the assistant in its tool). */
export const searchOptionsFields = {
  query: v.string(),
  regex: v.optional(v.boolean()),
  matchCase: v.optional(v.boolean()),
  wholeWord: v.optional(v.boolean()),
  /** Comma-separated globs; empty means every file. */
  include: v.optional(v.string()),
  /** Comma-separated globs of files to leave out. */
  exclude: v.optional(v.string()),
};
export const searchOptionsValidator = v.object(searchOptionsFields);
export type SearchOptions = Infer<typeof searchOptionsValidator>;

/** A match's character range in a line preview. */
export const rangeValidator = v.object({ from: v.number(), to: v.number() });

/**
 * One line with matches. `line` is 1-based, `column` the 0-based offset of the first match in the line (where the
 * editor puts the cursor). `preview` is the line, or a window of it around the first match when the line is long;
 * `previewStart` is the window's offset in the line and `ranges` the matches inside the window.
 */
export const lineMatchValidator = v.object({
  line: v.number(),
  column: v.number(),
  preview: v.string(),
  previewStart: v.number(),
  ranges: v.array(rangeValidator),
});
export type LineMatch = Infer<typeof lineMatchValidator>;

/** Longest query accepted. */
export const MAX_QUERY_LENGTH = 1000;
/** Longest line preview sent, in characters. */
export const MAX_PREVIEW = 240;
/** Characters kept before the first match when a long line is cut for its preview. */
const PREVIEW_LEAD = 60;
/** Matching lines listed per file; the file says there are more beyond them. */
export const MAX_FILE_LINES = 100;

export interface FileMatches {
  lines: LineMatch[];
  /** Matches in `lines`. */
  matches: number;
  /** True when the file has more matching lines than `lines` holds. */
  more: boolean;
}

export interface CompiledSearch {
  readonly options: SearchOptions;
  /** Whether a file at `path` is searched at all (include and exclude globs). */
  matchesPath(path: string): boolean;
  /** The matching lines of `text`, at most `maxLines` of them. */
  find(text: string, maxLines?: number): FileMatches;
  /**
   * `text` with every match replaced, or with `only.line`'s first match only (1-based; the Search panel's replace
   * one). In regex mode `replacement` may use $1…$9, $<name> and $& (re2js's JavaScript-style replacement);
   * otherwise it is inserted as typed.
   */
  replace(text: string, replacement: string, only?: { line: number }): { text: string; count: number };
}

interface LineEngine {
  /** A cheap test of a whole text; false means no line of it matches. */
  mayMatch(text: string): boolean;
  /** Non-empty match ranges in one line. */
  ranges(line: string): { from: number; to: number }[];
  /** `line` with its first `limit` matches (all when undefined) replaced. */
  replaceLine(line: string, replacement: string, limit?: number): { text: string; count: number };
}

function invalid(message: string): never {
  throw appError("INVALID_ARGUMENT", message);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function literalEngine(options: SearchOptions): LineEngine {
  const source = options.wholeWord ? `\\b${escapeRegExp(options.query)}\\b` : escapeRegExp(options.query);
  const flags = options.matchCase ? "g" : "gi";
  const test = new RegExp(source, flags.replace("g", ""));
  const all = new RegExp(source, flags);
  const ranges = (line: string) => {
    const found: { from: number; to: number }[] = [];
    all.lastIndex = 0;
    for (let m = all.exec(line); m !== null; m = all.exec(line)) found.push({ from: m.index, to: m.index + m[0].length });
    return found;
  };
  return {
    mayMatch: (text) => test.test(text),
    ranges,
    replaceLine(line, replacement, limit) {
      const found = ranges(line).slice(0, limit);
      let out = "";
      let at = 0;
      for (const r of found) {
        out += line.slice(at, r.from) + replacement;
        at = r.to;
      }
      return { text: out + line.slice(at), count: found.length };
    },
  };
}

function regexEngine(options: SearchOptions): LineEngine {
  const source = options.wholeWord ? `\\b(?:${options.query})\\b` : options.query;
  const flags = options.matchCase ? 0 : RE2JS.CASE_INSENSITIVE;
  let perLine: RE2JS;
  let whole: RE2JS;
  try {
    perLine = RE2JS.compile(source, flags);
    whole = RE2JS.compile(source, flags | RE2JS.MULTILINE);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    invalid(`The regular expression is not valid (${reason}). Fix it, or turn off "Use regular expression" to search for the text as typed.`);
  }
  const ranges = (line: string) => {
    const found: { from: number; to: number }[] = [];
    if (!perLine.test(line)) return found;
    for (const m of perLine.matchAll(line)) {
      if (m[0].length > 0) found.push({ from: m.index ?? 0, to: (m.index ?? 0) + m[0].length });
    }
    return found;
  };
  return {
    // With MULTILINE, ^ and $ match at line ends, so every per-line match is also a match of the whole text.
    mayMatch: (text) => whole.test(text),
    ranges,
    replaceLine(line, replacement, limit) {
      const found = ranges(line).slice(0, limit);
      if (found.length === 0) return { text: line, count: 0 };
      // Expand the replacement template per match with re2js (it knows the groups), on the matched text only.
      let out = "";
      let at = 0;
      const matcher = perLine.matcher(line);
      for (const r of found) {
        matcher.find(r.from);
        out += line.slice(at, r.from) + expandTemplate(matcher, replacement);
        at = r.to;
      }
      return { text: out + line.slice(at), count: found.length };
    },
  };
}

/** The replacement for the match `matcher` is on: $& or $0, $1…$99 and $<name>, `$$` for a dollar sign. */
function expandTemplate(matcher: ReturnType<RE2JS["matcher"]>, template: string): string {
  return template.replace(/\$(\$|&|\d{1,2}|<([A-Za-z_][A-Za-z0-9_]*)>)/g, (whole, token: string, name?: string) => {
    if (token === "$") return "$";
    if (token === "&") return matcher.group(0) ?? "";
    if (name !== undefined) {
      try {
        return matcher.group(name) ?? "";
      } catch {
        return whole;
      }
    }
    const group = Number(token);
    return group <= matcher.groupCount() ? (matcher.group(group) ?? "") : whole;
  });
}

/** Globs as VS Code reads them: comma-separated; one without a "/" matches a file or folder name at any depth. */
function globMatcher(globs: string | undefined): ((path: string) => boolean) | null {
  const patterns = (globs ?? "")
    .split(",")
    .map((g) => g.trim().replace(/^\.?\/+/, "").replace(/\/+$/, ""))
    .filter((g) => g.length > 0);
  if (patterns.length === 0) return null;
  const expanded = patterns.flatMap((p) => {
    const rooted = p.includes("/") || p.startsWith("**") ? p : `**/${p}`;
    return [rooted, `${rooted}/**`];
  });
  return picomatch(expanded, { dot: true });
}

/** Checks and compiles a search; throws INVALID_ARGUMENT with what to fix. */
export function compileSearch(options: SearchOptions): CompiledSearch {
  if (options.query.length === 0) invalid("Type something to search for.");
  if (options.query.length > MAX_QUERY_LENGTH) {
    invalid(`The search is ${options.query.length} characters long; the most is ${MAX_QUERY_LENGTH}. Shorten it.`);
  }
  const engine = options.regex ? regexEngine(options) : literalEngine(options);
  const include = globMatcher(options.include);
  const exclude = globMatcher(options.exclude);
  return {
    options,
    matchesPath: (path) => (include === null || include(path)) && (exclude === null || !exclude(path)),
    find(text, maxLines = MAX_FILE_LINES) {
      const result: FileMatches = { lines: [], matches: 0, more: false };
      if (!engine.mayMatch(text)) return result;
      let lineNumber = 0;
      for (let start = 0; start <= text.length; ) {
        const newline = text.indexOf("\n", start);
        const end = newline === -1 ? text.length : newline;
        lineNumber += 1;
        const line = text.charCodeAt(end - 1) === 13 && end > start ? text.slice(start, end - 1) : text.slice(start, end);
        const ranges = engine.ranges(line);
        if (ranges.length > 0) {
          if (result.lines.length === maxLines) {
            result.more = true;
            break;
          }
          result.lines.push(lineMatch(lineNumber, line, ranges));
          result.matches += ranges.length;
        }
        if (newline === -1) break;
        start = newline + 1;
      }
      return result;
    },
    replace(text, replacement, only) {
      if (!engine.mayMatch(text)) return { text, count: 0 };
      let count = 0;
      const lines = text.split("\n").map((raw, index) => {
        if (only !== undefined && index !== only.line - 1) return raw;
        const cr = raw.endsWith("\r");
        const replaced = engine.replaceLine(cr ? raw.slice(0, -1) : raw, replacement, only === undefined ? undefined : 1);
        count += replaced.count;
        return cr ? `${replaced.text}\r` : replaced.text;
      });
      return { text: count === 0 ? text : lines.join("\n"), count };
    },
  };
}

function lineMatch(line: number, text: string, ranges: { from: number; to: number }[]): LineMatch {
  const column = ranges[0].from;
  const previewStart = text.length <= MAX_PREVIEW ? 0 : Math.max(0, Math.min(column - PREVIEW_LEAD, text.length - MAX_PREVIEW));
  const previewEnd = previewStart + MAX_PREVIEW;
  return {
    line,
    column,
    preview: text.slice(previewStart, previewEnd),
    previewStart,
    ranges: ranges
      .filter((r) => r.from < previewEnd)
      .map((r) => ({ from: r.from - previewStart, to: Math.min(r.to, previewEnd) - previewStart })),
  };
}
