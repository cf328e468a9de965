import { useConvex } from "convex/react";
import { useEffect, useMemo, useRef, useState } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { compileSearch, type CompiledSearch, type LineMatch, type SearchOptions } from "../../../convex/lib/search";
import { errorMessage } from "../../lib/errors";
import { pathLookup } from "../file-tree/model";
import { useProvidedListing } from "../file-tree/ProjectListingProvider";
import { readSyncedQuery, useOutbox, useSyncedQuery, useSyncStatus, type Outbox } from "../sync";

// The Search panel's results: the server's paginated search (convex/search.ts `page`, one page after another, never
// a subscription, so a project of any size is read in pieces that fit Convex's limits), with the outbox's pending
// edits laid over it: a file with a save not yet confirmed is searched here, in its newest text, instead of on
// the server (whose copy is older). Offline, only those files can be searched, and the state says so.
//
// Live: a change to the project (its row's updatedAt moves on every save) or to the pending edits runs the search
// again; the results shown stay until the new run has finished, so the list does not flicker. A new query clears
// them at once and streams the new results in as pages arrive.

/** The search stops after this many matches (as VS Code does at 20,000): the panel asks for a narrower search. */
export const MAX_RESULTS = 10_000;
/** Paths of files not searched (binaries, text over the inline limit) the panel names; it counts the rest. */
export const MAX_SKIPPED_PATHS = 50;
const DEBOUNCE_MS = 200;

export interface FileResult {
  fileId: Id<"files">;
  path: string;
  lines: LineMatch[];
  matches: number;
  more: boolean;
  /** Found in a pending (unsaved) edit, not on the server. */
  unsaved: boolean;
}

export interface SearchState {
  status: "idle" | "searching" | "done" | "stopped" | "error";
  files: FileResult[];
  /** Text files searched so far. */
  searched: number;
  /** Binary or stored files the globs let through but that were not searched. */
  skipped: number;
  /** The first MAX_SKIPPED_PATHS of the files not searched, by path. */
  skippedPaths: string[];
  /** The search stopped at MAX_RESULTS. */
  limited: boolean;
  /** Offline: only files with pending edits were searched. */
  offline: boolean;
  /**
   * The files shown are a whole run's (finished, stopped, or cut at MAX_RESULTS), even while the same query runs
   * again after a change to the project: Replace all can work on them (it reads each file's newest text anyway).
   */
  complete: boolean;
  error?: string;
}

const IDLE: SearchState = { status: "idle", files: [], searched: 0, skipped: 0, skippedPaths: [], limited: false, offline: false, complete: false };

/** Files with content writes in the outbox, with their newest (optimistic) text. */
async function pendingTexts(
  convex: ReturnType<typeof useConvex>,
  outbox: Outbox,
): Promise<Map<Id<"files">, string>> {
  const ids = new Set<Id<"files">>();
  for (const entry of outbox.getEntries()) {
    const fileId = entry.args.fileId;
    if (entry.path === "files:updateContent" && typeof fileId === "string") ids.add(fileId as Id<"files">);
  }
  const texts = new Map<Id<"files">, string>();
  for (const fileId of ids) {
    const file = await readSyncedQuery(convex, outbox, api.files.get, { fileId }, false).catch(() => undefined);
    if (file?.content !== undefined) texts.set(fileId, file.content);
  }
  return texts;
}

/** Searches the project for `options` (null: no search); `stop()` cancels the run in progress. */
export function useProjectSearch(projectId: Id<"projects">, options: SearchOptions | null): SearchState & { stop: () => void } {
  const convex = useConvex();
  const outbox = useOutbox();
  const online = useSyncStatus().phase !== "offline";
  const project = useSyncedQuery(api.projects.get, { projectId });
  const listing = useProvidedListing();
  const [pathIn] = useState(pathLookup);
  const listingRef = useRef(listing.entries);
  listingRef.current = listing.entries;
  const [state, setState] = useState<SearchState>(IDLE);
  const [pendingVersion, setPendingVersion] = useState(0);
  const run = useRef(0);
  const shownKey = useRef<string | null>(null);

  // Pending edits come and go: search again (debounced below) when the set of entries changes.
  useEffect(() => {
    let last = outbox.getEntries();
    return outbox.subscribe(() => {
      const now = outbox.getEntries();
      if (now !== last) {
        last = now;
        setPendingVersion((v) => v + 1);
      }
    });
  }, [outbox]);

  const key = options === null ? null : JSON.stringify(options);
  const compiled = useMemo((): CompiledSearch | { error: string } | null => {
    if (key === null) return null;
    try {
      return compileSearch(JSON.parse(key) as SearchOptions);
    } catch (error) {
      return { error: errorMessage(error) };
    }
  }, [key]);
  const updatedAt = project?.updatedAt;

  useEffect(() => {
    const number = ++run.current;
    if (compiled === null) {
      shownKey.current = null;
      setState(IDLE);
      return;
    }
    if ("error" in compiled) {
      shownKey.current = null;
      setState({ ...IDLE, status: "error", error: compiled.error });
      return;
    }
    // A new query shows its results as they stream in; the same query run again (the project changed) keeps
    // the previous results until the new ones are complete.
    const fresh = shownKey.current !== key;
    if (fresh) setState({ ...IDLE, status: "searching", offline: !online });
    else setState((s) => ({ ...s, status: "searching" }));
    const timer = setTimeout(() => {
      void (async () => {
        const current = () => run.current === number;
        const pending = await pendingTexts(convex, outbox);
        if (!current()) return;
        const overlay: FileResult[] = [];
        for (const [fileId, text] of pending) {
          const path = pathIn(listingRef.current, fileId);
          if (path === undefined || !compiled.matchesPath(path)) continue;
          const found = compiled.find(text);
          if (found.lines.length > 0) overlay.push({ fileId, path, ...found, unsaved: true });
        }
        const acc: SearchState = { ...IDLE, status: "searching", files: [...overlay], searched: pending.size, offline: !online };
        let total = overlay.reduce((n, f) => n + f.matches, 0);
        const publish = (status: SearchState["status"]) => {
          if (!current()) return;
          if (fresh || status !== "searching") {
            // Only a finished run's results stand for the query: a run started again before it finished (the
            // project row arriving, a save) streams its pages in like the first, instead of showing none until
            // the end.
            if (status !== "searching") shownKey.current = key;
            const files = [...acc.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
            setState({ ...acc, files, status, complete: status !== "searching" });
          }
        };
        if (!online) return publish("done");
        publish("searching");
        try {
          let cursor: number | null = null;
          do {
            const page: typeof api.search.page._returnType = await convex.query(api.search.page, { projectId, ...compiled.options, cursor });
            if (!current()) return;
            acc.searched += page.searched;
            acc.skipped += page.skipped;
            acc.skippedPaths = [...acc.skippedPaths, ...page.skippedPaths].slice(0, MAX_SKIPPED_PATHS);
            for (const file of page.files) {
              if (pending.has(file.fileId)) continue;
              acc.files.push({ ...file, unsaved: false });
              total += file.matches;
            }
            cursor = page.cursor;
            if (total >= MAX_RESULTS && cursor !== null) {
              acc.limited = true;
              break;
            }
            publish("searching");
          } while (cursor !== null);
          publish("done");
        } catch (error) {
          if (!current()) return;
          shownKey.current = null;
          setState({ ...acc, status: "error", error: errorMessage(error) });
        }
      })();
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      // The run's pages are no longer wanted (a new run starts, or the panel closed).
      run.current += 1;
    };
  }, [compiled, key, convex, outbox, online, projectId, pathIn, updatedAt, pendingVersion]);

  const stop = () => {
    run.current += 1;
    // What is shown is all the stopped search found: a run again (the project changed) keeps it until it is done.
    if (state.status === "searching") shownKey.current = key;
    setState((s) => (s.status === "searching" ? { ...s, status: "stopped", complete: true } : s));
  };
  return { ...state, stop };
}
