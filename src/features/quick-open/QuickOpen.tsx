import { useEffect, useId, useMemo, useRef, useState } from "react";
import { Dialog } from "../../lib/Dialog";
import type { FileId, TreeNode } from "../file-tree/model";
import { QUICK_OPEN_LIMIT as LIMIT, type Match, matchPaths, quickOpenPaths, type Sorter } from "./match";
import "./quickOpen.css";

// fuzzysort loads with the first Go to File (or once the tree has shown its first rows: prefetchQuickOpen), not
// before the first tree row.
let sorter: Sorter | null = null;
let sorterLoad: Promise<Sorter> | null = null;
function loadSorter(): Promise<Sorter> {
  sorterLoad ??= import("fuzzysort").then((m) => (sorter = m.default));
  return sorterLoad;
}

/** Starts loading Go to File's matcher (once; a failure is retried when the dialog opens). */
export function prefetchQuickOpen(): void {
  loadSorter().catch(() => {
    sorterLoad = null;
  });
}

/** The matcher, null until it has loaded; the dialog re-renders when it has. */
function useSorter(): Sorter | null {
  const [loaded, setLoaded] = useState(sorter);
  useEffect(() => {
    if (loaded) return;
    let live = true;
    loadSorter().then(
      (s) => live && setLoaded(() => s),
      () => {
        sorterLoad = null;
      },
    );
    return () => {
      live = false;
    };
  }, [loaded]);
  return loaded;
}

export interface QuickOpenProps {
  files: readonly TreeNode[] | undefined;
  /** False while `files` is only part of the project's listing (it grows as the rest arrives). */
  complete?: boolean;
  onOpen: (fileId: FileId) => void;
}

/** Ctrl/Cmd+P anywhere in the page opens a fuzzy "Go to File" over every path of the project. */
export function QuickOpen({ files, complete = true, onOpen }: QuickOpenProps) {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === "p") {
        e.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  if (!open) return null;
  return (
    <QuickOpenDialog
      files={files ?? []}
      complete={complete && files !== undefined}
      onClose={() => setOpen(false)}
      onOpen={(id) => {
        setOpen(false);
        onOpen(id);
      }}
    />
  );
}

/**
 * Where focus goes when the element focused before Go to File is gone by the time it closes (the editor that
 * showed another file): the editor's panel, which holds focus until the chosen file's editor takes it. Found by
 * role, not by import, as the editor finds the tree.
 */
function editorPanel(): HTMLElement | null {
  return document.querySelector<HTMLElement>('[aria-label="Editor"] [role="tabpanel"]');
}

export function QuickOpenDialog({
  files,
  complete = true,
  onOpen,
  onClose,
}: {
  files: readonly TreeNode[];
  complete?: boolean;
  onOpen: (fileId: FileId) => void;
  onClose: () => void;
}) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const listId = useId();
  const paths = useMemo(() => quickOpenPaths(files), [files]);
  const fuzzysort = useSorter();
  // Enter pressed on a query while the matcher was still loading: opens the first match once it is in.
  const [enterPending, setEnterPending] = useState(false);

  const matches: Match[] = useMemo(() => matchPaths(fuzzysort, query, paths), [query, paths, fuzzysort]);

  const current = Math.min(active, Math.max(0, matches.length - 1));
  const optionId = (i: number) => `${listId}-${i}`;
  const matching = fuzzysort !== null || query.trim() === "";

  useEffect(() => {
    if (!enterPending || !matching) return;
    setEnterPending(false);
    const match = matches[current];
    if (match) onOpen(match.file.id);
  }, [enterPending, matching, matches, current, onOpen]);

  useEffect(() => {
    listRef.current?.querySelector(`[data-i="${current}"]`)?.scrollIntoView?.({ block: "nearest" });
  }, [current]);

  return (
    <Dialog title="Go to File" onClose={onClose} initialFocusRef={inputRef} size="wide" fallbackFocus={editorPanel}>
      <div className="quick-open">
        <input
          ref={inputRef}
          role="combobox"
          aria-label="Search files by name"
          aria-expanded="true"
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={matches.length > 0 ? optionId(current) : undefined}
          className="input quick-open-input"
          placeholder="Search files by name"
          value={query}
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
            setEnterPending(false);
          }}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown") setActive((current + 1) % Math.max(1, matches.length));
            else if (e.key === "ArrowUp") setActive((current - 1 + matches.length) % Math.max(1, matches.length));
            else if (e.key === "PageDown") setActive(Math.min(matches.length - 1, current + 10));
            else if (e.key === "PageUp") setActive(Math.max(0, current - 10));
            else if (e.key === "Enter") {
              const match = matches[current];
              if (match) onOpen(match.file.id);
              else if (!matching) setEnterPending(true);
            } else return;
            e.preventDefault();
          }}
        />
        <ul ref={listRef} id={listId} role="listbox" aria-label="Files" className="quick-open-list">
          {matches.map((match, i) => (
            <li
              key={match.file.id}
              id={optionId(i)}
              data-i={i}
              role="option"
              aria-selected={i === current}
              className="quick-open-option"
              onMouseDown={(e) => e.preventDefault()}
              onMouseMove={() => i !== current && setActive(i)}
              onClick={() => onOpen(match.file.id)}
            >
              {match.parts.map((part, k) => (typeof part === "string" ? part : <mark key={k}>{part.mark}</mark>))}
            </li>
          ))}
        </ul>
        <p className={matches.length === 0 ? "quick-open-empty" : "visually-hidden"} role="status">
          {resultsText(matches.length, files.length === 0, query.trim() === "", complete && matching)}
        </p>
      </div>
    </Dialog>
  );
}

/** What the status line says (and a screen reader hears) as the results change. */
function resultsText(count: number, noFiles: boolean, noQuery: boolean, complete: boolean): string {
  if (count === 0 && !complete) return "No file matches yet: the file list is still loading.";
  if (noFiles) return "This project has no files yet.";
  if (count === 0) return "No file matches.";
  const files = count === 1 ? "1 file" : `${count === LIMIT ? `${LIMIT}+` : count} files`;
  if (noQuery) return `${files}. Type to search.`;
  return count === 1 ? "1 file matches." : `${files} match.`;
}
