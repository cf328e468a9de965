import { useConvex } from "convex/react";
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent, type RefObject } from "react";
import { api } from "../../../convex/_generated/api";
import type { Id } from "../../../convex/_generated/dataModel";
import { compileSearch, type SearchOptions } from "../../../convex/lib/search";
import { Dialog } from "../../lib/Dialog";
import { errorMessage } from "../../lib/errors";
import { useFocusHandoff } from "../../lib/useFocusHandoff";
import { notify } from "../../lib/notify";
import { useAppStore } from "../../store";
import { useOutbox, useSyncStatus, useWrite } from "../sync";
import { applyReplace, planReplace, undoReplace, type ReplacePlan } from "./replace";
import { SearchPanelFrame, SearchQueryField } from "./SearchPanelShell";
import { SearchResults, type Row } from "./SearchResults";
import { isSearchKey } from "./shortcuts";
import { MAX_RESULTS, useProjectSearch } from "./useProjectSearch";

/** Ctrl/Cmd+Shift+1 in the results: replace the match (a line row) or every match in the file (a file row), as in VS Code. */
export function isReplaceOneKey(e: { ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean; code: string }) {
  return (e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.code === "Digit1";
}

/** Ctrl/Cmd+Alt+Enter anywhere in the panel: Replace all, as in VS Code. */
export function isReplaceAllKey(e: { ctrlKey: boolean; metaKey: boolean; altKey: boolean; key: string }) {
  return (e.ctrlKey || e.metaKey) && e.altKey && e.key === "Enter";
}

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : word.endsWith("ch") ? "es" : "s"}`;

/** Why the results Replace all works on may not be all of the project's matches: the search was cut off. */
export type CutOff = "limited" | "stopped" | null;

/**
 * The Replace all confirmation's question. After a search that was cut off (at MAX_RESULTS, or by Stop) it says
 * that only the files found are changed, so no one takes it for a replace across the whole project.
 */
export function replaceAllQuestion(plan: Pick<ReplacePlan, "matches" | "files">, replacement: string, cutOff: CutOff): string {
  const files = plural(plan.files.length, "file");
  const ask = `Replace ${plural(plan.matches, "match")} in ${files} with “${replacement}”? You can undo it with Undo replace until this page is reloaded.`;
  if (cutOff === null) return ask;
  const why = cutOff === "limited" ? `The search stopped at ${MAX_RESULTS.toLocaleString("en-US")} matches` : "The search was stopped before it finished";
  return `${why}: only the ${files} found so far will be changed; files it did not reach keep their matches (narrow the search and run it again for them). ${ask}`;
}

/**
 * The Search panel: query, match case / whole word / regular expression, include and exclude globs, results
 * grouped by file, replace one, replace in file and Replace all. Keyboard: ArrowDown from a field goes to the
 * results; in the results the arrows move, Left/Right fold a file, Enter opens the file at the match with focus in
 * the editor, Ctrl+Shift+1 replaces the match (or the file's matches on a file row) and focus goes on to the next
 * one, Escape goes back to the query. Ctrl+Alt+Enter asks to replace all. Escape in a field closes the panel.
 */
export function SearchPanel({
  projectId,
  onClose,
  query,
  onQueryChange,
}: {
  projectId: Id<"projects">;
  onClose: () => void;
  /** The query, held by LazySearchPanel: what was typed into its stand-in while this code loaded goes on here. */
  query: string;
  onQueryChange: (query: string) => void;
}) {
  const [replacement, setReplacement] = useState("");
  const [matchCase, setMatchCase] = useState(false);
  const [wholeWord, setWholeWord] = useState(false);
  const [regex, setRegex] = useState(false);
  const [include, setInclude] = useState("");
  const [exclude, setExclude] = useState("");
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [active, setActive] = useState(0);
  const [confirm, setConfirm] = useState<(ReplacePlan & { cutOff: CutOff }) | null>(null);
  const [busy, setBusy] = useState(false);
  const queryRef = useRef<HTMLInputElement>(null);
  const treeRef = useRef<HTMLUListElement>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  /** A replace started in the results: when its row goes, focus goes on to the row now in its place. */
  const refocusTree = useRef(false);
  const convex = useConvex();
  const outbox = useOutbox();
  const online = useSyncStatus().phase !== "offline";
  const updateContent = useWrite(api.files.updateContent);
  const openFile = useAppStore((s) => s.openFile);
  const requestReveal = useAppStore((s) => s.requestReveal);
  const steps = useAppStore((s) => s.replaceSteps[projectId]);
  const latestStep = steps?.at(-1);
  const pushReplaceStep = useAppStore((s) => s.pushReplaceStep);
  const popReplaceStep = useAppStore((s) => s.popReplaceStep);

  const options: SearchOptions | null = useMemo(
    () => (query === "" ? null : { query, matchCase, wholeWord, regex, include, exclude }),
    [query, matchCase, wholeWord, regex, include, exclude],
  );
  const result = useProjectSearch(projectId, options);

  // Ctrl/Cmd+Shift+F again while the panel is open puts focus back in the query, its text selected.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (!isSearchKey(e)) return;
      e.preventDefault();
      queryRef.current?.focus();
      queryRef.current?.select();
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, []);

  const rows: Row[] = useMemo(
    () =>
      result.files.flatMap((file, i): Row[] => [
        { kind: "file", file, pos: i + 1, size: result.files.length },
        ...(collapsed.has(file.fileId) ? [] : file.lines.map((match, j): Row => ({ kind: "line", file, match, pos: j + 1, size: file.lines.length }))),
      ]),
    [result.files, collapsed],
  );
  const activeIndex = Math.min(active, Math.max(0, rows.length - 1));
  const totalMatches = result.files.reduce((n, f) => n + f.matches, 0);

  // A replaced match's row leaves the results when the search runs again, and its focus with it (to the body):
  // focus goes on to the row now at the same place, the next match, or to the query when none is left.
  useLayoutEffect(() => {
    if (!refocusTree.current) return;
    const focused = document.activeElement;
    if (focused !== null && focused !== document.body) return;
    refocusTree.current = false;
    const row = treeRef.current?.querySelector<HTMLElement>(`[data-row="${activeIndex}"]`);
    (row ?? queryRef.current)?.focus();
  }, [rows, activeIndex]);

  /** Makes row `index` the active one, scrolled into view and focused once rendered (SearchResults). */
  const [focusRequest, setFocusRequest] = useState(0);
  const focusRow = (index: number) => {
    setActive(index);
    setFocusRequest((n) => n + 1);
  };

  const open = (row: Row) => {
    const match = row.kind === "line" ? row.match : row.file.lines[0];
    openFile(row.file.fileId, { focusEditor: true });
    if (match) {
      const first = match.ranges[0];
      requestReveal({
        fileId: row.file.fileId,
        line: match.line,
        column: match.column,
        length: first ? first.to - first.from : 0,
      });
    }
  };

  const onFieldKey = (e: KeyboardEvent<HTMLInputElement>) => {
    // Alt+C, Alt+W, Alt+R toggle the options from any field, as in VS Code.
    const toggle = e.altKey && !e.ctrlKey && !e.metaKey ? { c: setMatchCase, w: setWholeWord, r: setRegex }[e.code.slice(3).toLowerCase()] : undefined;
    if (toggle) {
      e.preventDefault();
      toggle((on) => !on);
    } else if (isReplaceAllKey(e)) {
      e.preventDefault();
      if (canReplaceAll) void startReplace();
    } else if (e.key === "Escape") {
      e.preventDefault();
      onClose();
    } else if (e.key === "ArrowDown" && rows.length > 0) {
      e.preventDefault();
      focusRow(activeIndex);
    } else if (e.key === "Enter" && e.currentTarget === queryRef.current && rows.length > 0) {
      e.preventDefault();
      open(rows[0]);
    }
  };

  const onTreeKey = (e: KeyboardEvent<HTMLUListElement>) => {
    const row = rows[activeIndex];
    if (!row) return;
    if (isReplaceOneKey(e) || isReplaceAllKey(e)) {
      e.preventDefault();
      if (isReplaceAllKey(e)) {
        if (canReplaceAll) void startReplace();
      } else void replaceNow(row);
      return;
    }
    const fold = (fileId: string, shut: boolean) =>
      setCollapsed((c) => {
        const next = new Set(c);
        if (shut) next.add(fileId);
        else next.delete(fileId);
        return next;
      });
    switch (e.key) {
      case "ArrowDown":
        focusRow(Math.min(rows.length - 1, activeIndex + 1));
        break;
      case "ArrowUp":
        if (activeIndex === 0) queryRef.current?.focus();
        else focusRow(activeIndex - 1);
        break;
      case "Home":
        focusRow(0);
        break;
      case "End":
        focusRow(rows.length - 1);
        break;
      case "ArrowLeft":
        if (row.kind === "line") focusRow(rows.findIndex((r) => r.kind === "file" && r.file.fileId === row.file.fileId));
        else fold(row.file.fileId, true);
        break;
      case "ArrowRight":
        if (row.kind === "file") fold(row.file.fileId, false);
        break;
      case "Enter":
        open(row);
        break;
      case "Escape":
        queryRef.current?.focus();
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  // A search still streaming its first run has not found every file yet; the same query running again after a
  // save (a change to the project reruns it) still shows a whole run's files, which Replace all can work on.
  const canReplaceAll = !busy && result.files.length > 0 && (result.status !== "searching" || result.complete);

  /** Replace one (a line row: its first match) or replace in file (a file row), at once: Undo replace takes it back. */
  const replaceNow = async (row: Row) => {
    if (options === null || busy) return;
    refocusTree.current = true;
    setBusy(true);
    try {
      const only = row.kind === "line" ? { line: row.match.line } : undefined;
      const plan = await planReplace(convex, outbox, compileSearch(options), [row.file], replacement, online, only);
      if (plan.files.length === 0) {
        notify(`Nothing to replace: ${row.file.path} no longer has this match.`);
        return;
      }
      await applyReplace(updateContent, plan);
      pushReplaceStep(projectId, plan);
      notify(`Replaced ${plural(plan.matches, "match")} in ${row.file.path}.`, "success");
    } catch (error) {
      notify(errorMessage(error), "error");
    } finally {
      setBusy(false);
    }
  };

  const startReplace = async () => {
    if (options === null || result.files.length === 0) return;
    setBusy(true);
    try {
      const plan = await planReplace(convex, outbox, compileSearch(options), result.files, replacement, online);
      if (plan.files.length === 0) notify("Nothing to replace: the files no longer contain the search text.");
      else setConfirm({ ...plan, cutOff: result.limited ? "limited" : result.status === "stopped" ? "stopped" : null });
    } catch (error) {
      notify(errorMessage(error), "error");
    } finally {
      setBusy(false);
    }
  };

  const doReplace = async (plan: ReplacePlan) => {
    setConfirm(null);
    setBusy(true);
    try {
      await applyReplace(updateContent, plan);
      pushReplaceStep(projectId, plan);
      notify(`Replaced ${plural(plan.matches, "match")} in ${plural(plan.files.length, "file")}.`, "success");
    } catch (error) {
      notify(errorMessage(error), "error");
    } finally {
      setBusy(false);
    }
  };

  /** Takes back the newest replace step; the one before is next. A refusal leaves the step on the stack. */
  const doUndo = async (step: ReplacePlan) => {
    // The button goes away with the last step it undoes: focus goes on in the query.
    queryRef.current?.focus();
    setBusy(true);
    try {
      const outcome = await undoReplace(convex, outbox, updateContent, step, online);
      if (outcome.kind === "refused") {
        notify(`Undo replace refused: ${outcome.path} cannot be put back, as ${outcome.reason}. Nothing was undone.`, "error");
        return;
      }
      popReplaceStep(projectId, step);
      notify(`Undid the replace in ${plural(outcome.restored, "file")}.`, "success");
    } catch (error) {
      notify(errorMessage(error), "error");
    } finally {
      setBusy(false);
    }
  };

  const summary =
    result.status === "idle"
      ? "Type to search the project's files."
      : result.status === "error"
        ? result.error
        : [
            `${plural(totalMatches, "match")} in ${plural(result.files.length, "file")}`,
            result.status === "searching" ? `searching… (${plural(result.searched, "file")} so far)` : null,
            result.status === "stopped" ? "stopped" : null,
            result.limited ? `stopped at ${MAX_RESULTS.toLocaleString("en-US")} matches: narrow the search` : null,
            result.offline ? "offline: only files with unsaved edits were searched" : null,
            result.skipped > 0 ? `${plural(result.skipped, "binary or large file")} not searched` : null,
          ]
            .filter((part) => part !== null)
            .join(" · ");

  return (
    <SearchPanelFrame onClose={onClose}>
      <div className="search-fields">
        <SearchQueryField
          query={query}
          inputRef={queryRef}
          onChange={(value) => {
            onQueryChange(value);
            setActive(0);
          }}
          onKeyDown={onFieldKey}
        >
          <Toggle label="Match case" keys="Alt+C" text="Aa" on={matchCase} set={setMatchCase} />
          <Toggle label="Match whole word" keys="Alt+W" text="ab" on={wholeWord} set={setWholeWord} />
          <Toggle label="Use regular expression" keys="Alt+R" text=".*" on={regex} set={setRegex} />
        </SearchQueryField>
        <div className="search-query">
          <input
            type="text"
            aria-label="Replace"
            placeholder="Replace"
            value={replacement}
            onChange={(e) => setReplacement(e.target.value)}
            onKeyDown={onFieldKey}
            spellCheck={false}
          />
          {/* aria-disabled, not disabled: focus comes back here when the confirmation closes, and must stay. */}
          <button
            type="button"
            className="btn btn-small"
            aria-keyshortcuts="Control+Alt+Enter"
            title="Replace all (Ctrl+Alt+Enter)"
            aria-disabled={!canReplaceAll}
            onClick={() => {
              if (canReplaceAll) void startReplace();
            }}
          >
            Replace all
          </button>
        </div>
        <input type="text" aria-label="Files to include" placeholder="Files to include (e.g. src, *.ts)" value={include} onChange={(e) => setInclude(e.target.value)} onKeyDown={onFieldKey} />
        <input type="text" aria-label="Files to exclude" placeholder="Files to exclude" value={exclude} onChange={(e) => setExclude(e.target.value)} onKeyDown={onFieldKey} />
      </div>
      <div className="search-status">
        <p role={result.status === "error" ? "alert" : "status"}>{summary}</p>
        {result.status === "searching" && <StopButton onStop={result.stop} queryRef={queryRef} />}
        {latestStep && (
          <button
            type="button"
            className="btn btn-ghost btn-small"
            disabled={busy}
            title={`Undo the latest replace (${plural(latestStep.matches, "match")} in ${plural(latestStep.files.length, "file")}); ${plural((steps?.length ?? 1) - 1, "earlier step")} left after it. Kept in this tab only: reloading the page forgets these steps`}
            onClick={() => void doUndo(latestStep)}
          >
            Undo replace
          </button>
        )}
      </div>
      {result.skippedPaths.length > 0 && <SkippedFiles paths={result.skippedPaths} total={result.skipped} />}
      <SearchResults
        rows={rows}
        activeIndex={activeIndex}
        collapsed={collapsed}
        busy={busy}
        treeRef={treeRef}
        focusRequest={focusRequest}
        onKeyDown={onTreeKey}
        onBlur={(e) => {
          // Focus moved on elsewhere by the person (not lost with a removed row): no refocus after a replace.
          if (e.relatedTarget !== null && !e.currentTarget.contains(e.relatedTarget)) refocusTree.current = false;
        }}
        onOpen={(index) => {
          setActive(index);
          open(rows[index]);
        }}
        onReplace={(index) => {
          setActive(index);
          void replaceNow(rows[index]);
        }}
      />
      {confirm && (
        <Dialog
          title="Replace all"
          role="alertdialog"
          initialFocusRef={confirmRef}
          description={replaceAllQuestion(confirm, replacement, confirm.cutOff)}
          onClose={() => setConfirm(null)}
        >
          {confirm.unreadable.length > 0 && <p>Not changed (deleted or stored files): {confirm.unreadable.join(", ")}</p>}
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={() => setConfirm(null)}>
              Cancel
            </button>
            <button ref={confirmRef} type="button" className="btn btn-primary" onClick={() => void doReplace(confirm)}>
              Replace
            </button>
          </div>
        </Dialog>
      )}
    </SearchPanelFrame>
  );
}

/**
 * Stop, shown while a search runs. It leaves when the search ends (stopped or finished): if it had focus, focus goes
 * on in the query, not to the page's body.
 */
function StopButton({ onStop, queryRef }: { onStop: () => void; queryRef: RefObject<HTMLInputElement | null> }) {
  const ref = useRef<HTMLButtonElement>(null);
  useFocusHandoff(ref, () => queryRef.current);
  return (
    <button ref={ref} type="button" className="btn btn-ghost btn-small" onClick={onStop}>
      Stop
    </button>
  );
}

function Toggle({ label, keys, text, on, set }: { label: string; keys: string; text: string; on: boolean; set: (on: boolean) => void }) {
  return (
    <button
      type="button"
      className="search-toggle"
      aria-label={label}
      aria-keyshortcuts={keys}
      title={`${label} (${keys})`}
      aria-pressed={on}
      onClick={() => set(!on)}
    >
      {text}
    </button>
  );
}

/**
 * The files the search let through its globs but could not search (binaries, text over the 1 MiB inline limit), by
 * name: the first few the search met, then how many more.
 */
function SkippedFiles({ paths, total }: { paths: readonly string[]; total: number }) {
  return (
    <details className="search-skipped">
      <summary>Not searched (binary or over 1 MiB): {plural(total, "file")}</summary>
      <ul aria-label="Files not searched">
        {paths.map((path) => (
          <li key={path}>{path}</li>
        ))}
      </ul>
      {total > paths.length && <p>and {plural(total - paths.length, "more file")}</p>}
    </details>
  );
}
