import { useCallback, useState, type RefObject } from "react";
import {
  defaultRangeExtractor,
  elementScroll,
  observeElementRect,
  useVirtualizer,
  type Range,
  type Virtualizer,
} from "@tanstack/react-virtual";
import { ROW_HEIGHT } from "./FileTreeRow";
import type { VisibleRows } from "./visibleRows";

type TreeScroller = Virtualizer<HTMLDivElement, Element>;

/*
 * The scroller is read only after the browser's own layout, never in the middle of a commit (issue 18, first
 * load): the library's defaults read its size (offsetHeight) and write its offset (scrollTo) as they attach, in a
 * layout effect, and each forces a layout of the whole page before the first rows can be painted. The tree's
 * scroller is new when the virtualizer attaches, so it is at offset 0 (the first write is a no-op, skipped) and
 * its size comes with the ResizeObserver's first report, after layout. Meanwhile the rows fill the window's
 * height, which no scroller inside it exceeds.
 */
function observeSizeAfterLayout(instance: TreeScroller, cb: (rect: { width: number; height: number }) => void) {
  const element = instance.scrollElement;
  const view = instance.targetWindow;
  if (!element || !view?.ResizeObserver) return observeElementRect(instance, cb);
  const observer = new view.ResizeObserver(() => cb({ width: element.offsetWidth, height: element.offsetHeight }));
  observer.observe(element);
  return () => observer.disconnect();
}

const attached = new WeakSet<Element>();

function scrollAfterAttach(offset: number, options: { adjustments?: number; behavior?: ScrollBehavior }, instance: TreeScroller) {
  const element = instance.scrollElement;
  const first = element !== null && !attached.has(element);
  if (element) attached.add(element);
  if (first && offset + (options.adjustments ?? 0) === 0) return;
  elementScroll(offset, options, instance);
}

const initialRect = () => ({ width: 300, height: typeof window === "undefined" ? 600 : window.innerHeight });

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
  const [firstRect] = useState(initialRect);
  return useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan,
    rangeExtractor,
    initialRect: firstRect,
    observeElementRect: observeSizeAfterLayout,
    scrollToFn: scrollAfterAttach,
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
