import { defaultRangeExtractor, useVirtualizer, type Range } from "@tanstack/react-virtual";
import { useCallback, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from "react";
import type { LineMatch } from "../../../convex/lib/search";
import type { FileResult } from "./useProjectSearch";

// The Search panel's results: a WAI-ARIA tree of files and their matching lines, virtualized like the file tree (a
// search stopped at 10,000 matches has over 10,000 rows; only those in view, plus the focused one, are in the DOM,
// so a page of results arriving costs the rows on screen, not every row so far). Every row is ROW_HEIGHT tall.

/** Height of a result row in CSS pixels (search.css sets the same). */
export const ROW_HEIGHT = 22;
const OVERSCAN = 10;

/** What a row shows: a file, or one of its matching lines. */
export type RowTarget = { kind: "file"; file: FileResult } | { kind: "line"; file: FileResult; match: LineMatch };
/** A row, with its place among its siblings (aria-posinset, from 1, of aria-setsize): not every row is in the DOM. */
export type Row = RowTarget & { pos: number; size: number };

/**
 * The name of a result row's replace button, saying what it replaces: a line row's button replaces the line's first
 * match only (compileSearch's replace one), so a line with more says so.
 */
export function replaceButtonLabel(row: RowTarget): string {
  if (row.kind === "file") return `Replace in ${row.file.path}`;
  return row.match.ranges.length > 1 ? `Replace the first match on line ${row.match.line}` : `Replace on line ${row.match.line}`;
}

const initialRect = () => ({ width: 300, height: typeof window === "undefined" ? 600 : window.innerHeight });

/**
 * The rows, with `activeIndex` the one in the tab order. Invariant: the active row stays mounted when scrolled away,
 * so focus on it is never lost to the body. Each new `focusRequest` (a count) scrolls the active row into view and
 * focuses it once it is rendered.
 */
export function SearchResults({
  rows,
  activeIndex,
  collapsed,
  busy,
  treeRef,
  focusRequest,
  onKeyDown,
  onBlur,
  onOpen,
  onReplace,
}: {
  rows: readonly Row[];
  activeIndex: number;
  collapsed: ReadonlySet<string>;
  busy: boolean;
  treeRef: RefObject<HTMLUListElement | null>;
  focusRequest: number;
  onKeyDown: (e: KeyboardEvent<HTMLUListElement>) => void;
  onBlur: (e: React.FocusEvent<HTMLUListElement>) => void;
  onOpen: (index: number) => void;
  onReplace: (index: number) => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rangeExtractor = useCallback(
    (range: Range) => {
      const indexes = defaultRangeExtractor(range);
      if (activeIndex < rows.length && !indexes.includes(activeIndex)) {
        indexes.push(activeIndex);
        indexes.sort((a, b) => a - b);
      }
      return indexes;
    },
    [activeIndex, rows.length],
  );
  const [firstRect] = useState(initialRect);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    rangeExtractor,
    initialRect: firstRect,
  });

  const focusedRequest = useRef(0);
  useLayoutEffect(() => {
    if (focusedRequest.current === focusRequest) return;
    focusedRequest.current = focusRequest;
    virtualizer.scrollToIndex(activeIndex, { align: "auto" });
    treeRef.current?.querySelector<HTMLElement>(`[data-row="${activeIndex}"]`)?.focus({ preventScroll: true });
  }, [focusRequest, activeIndex, treeRef, virtualizer]);

  return (
    <div ref={scrollRef} className="search-results">
      <ul
        ref={treeRef}
        className="search-results-list"
        role="tree"
        aria-label="Search results"
        style={{ height: virtualizer.getTotalSize() }}
        onKeyDown={onKeyDown}
        onBlur={onBlur}
      >
        {virtualizer.getVirtualItems().map((item) => {
          const index = item.index;
          const row = rows[index];
          if (!row) return null;
          return (
            <li
              key={row.kind === "file" ? row.file.fileId : `${row.file.fileId}:${row.match.line}`}
              role="treeitem"
              aria-level={row.kind === "file" ? 1 : 2}
              aria-expanded={row.kind === "file" ? !collapsed.has(row.file.fileId) : undefined}
              aria-selected={index === activeIndex}
              aria-posinset={row.pos}
              aria-setsize={row.size}
              tabIndex={index === activeIndex ? 0 : -1}
              data-row={index}
              className={`search-row search-row-${row.kind}`}
              style={{ transform: `translateY(${item.start}px)` }}
              onClick={() => onOpen(index)}
            >
              {row.kind === "file" ? <FileRow file={row.file} /> : <LineRow match={row.match} />}
              {/* Out of the tab order, as the row's other actions: the keyboard has Ctrl+Shift+1 on the row. */}
              <button
                type="button"
                tabIndex={-1}
                className="search-row-replace"
                aria-label={replaceButtonLabel(row)}
                aria-keyshortcuts="Control+Shift+1"
                title={row.kind === "file" ? "Replace in file (Ctrl+Shift+1)" : "Replace (Ctrl+Shift+1)"}
                aria-disabled={busy}
                onClick={(e) => {
                  e.stopPropagation();
                  onReplace(index);
                }}
              />
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function FileRow({ file }: { file: FileResult }) {
  const slash = file.path.lastIndexOf("/");
  return (
    <>
      <span className="search-file-name">{file.path.slice(slash + 1)}</span>
      {slash > 0 && <span className="search-file-dir">{file.path.slice(0, slash)}</span>}
      <span className="search-count">
        {file.matches}
        {file.more ? "+" : ""}
      </span>
      {file.unsaved && <span className="search-unsaved">unsaved</span>}
    </>
  );
}

/** A line preview with its matches in <mark>: text nodes only, never HTML. */
function LineRow({ match }: { match: LineMatch }) {
  const parts: ReactNode[] = [];
  let at = 0;
  match.ranges.forEach((r, i) => {
    parts.push(match.preview.slice(at, r.from));
    parts.push(<mark key={i}>{match.preview.slice(r.from, r.to)}</mark>);
    at = r.to;
  });
  parts.push(match.preview.slice(at));
  return (
    <>
      <span className="search-line-number">{match.line}</span>
      <span className="search-preview">
        {match.previewStart > 0 ? "…" : ""}
        {parts}
      </span>
    </>
  );
}
