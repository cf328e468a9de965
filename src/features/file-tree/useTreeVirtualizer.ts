import { useCallback, type RefObject } from "react";
import { defaultRangeExtractor, useVirtualizer, type Range } from "@tanstack/react-virtual";
import { ROW_HEIGHT } from "./FileTreeRow";
import type { VisibleRows } from "./visibleRows";

/**
 * The window of rows to mount. Invariant: the focused row stays mounted even when scrolled away, so DOM focus
 * is never lost to <body> (where keys do nothing). The virtualizer knows rows by position only: every row is
 * ROW_HEIGHT tall, so it needs no ids (asking for every id would make every row); React keys rows by id.
 */
export function useTreeVirtualizer(
  rows: VisibleRows,
  focusIndex: number,
  scrollRef: RefObject<HTMLDivElement | null>,
  overscan: number,
) {
  const rangeExtractor = useCallback(
    (range: Range) => {
      const indexes = defaultRangeExtractor(range);
      if (focusIndex >= 0 && !indexes.includes(focusIndex)) {
        indexes.push(focusIndex);
        indexes.sort((a, b) => a - b);
      }
      return indexes;
    },
    [focusIndex],
  );
  return useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan,
    rangeExtractor,
    initialRect: { width: 300, height: 600 },
  });
}

export type TreeVirtualizer = ReturnType<typeof useTreeVirtualizer>;

/**
 * Whether row `index` is wholly inside the viewport, by the virtualizer's last reading of the scroller (no
 * layout is forced). That reading is at most one frame old: a scroll the browser has not reported yet can leave
 * the row just outside the view until the next key press, which scrolls it in.
 */
export function rowInView(virtualizer: TreeVirtualizer, index: number): boolean {
  const height = virtualizer.scrollRect?.height;
  const offset = virtualizer.scrollOffset;
  if (!height || offset === null) return false;
  const top = index * ROW_HEIGHT;
  return top >= offset && top + ROW_HEIGHT <= offset + height;
}
