import { useCallback, type RefObject } from "react";
import { defaultRangeExtractor, useVirtualizer, type Range } from "@tanstack/react-virtual";
import { ROW_HEIGHT } from "./FileTreeRow";
import type { Row } from "./model";

/**
 * The window of rows to mount. Invariant: the focused row stays mounted even when scrolled away, so DOM focus
 * is never lost to <body> (where keys do nothing). Rows are keyed by id, so a row keeps its element while rows
 * above it come and go.
 */
export function useTreeVirtualizer(
  rows: readonly Row[],
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
  const getItemKey = useCallback((i: number) => rows[i]?.id ?? i, [rows]);
  return useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan,
    rangeExtractor,
    getItemKey,
    initialRect: { width: 300, height: 600 },
  });
}

export type TreeVirtualizer = ReturnType<typeof useTreeVirtualizer>;
