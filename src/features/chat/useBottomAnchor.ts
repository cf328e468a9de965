import { useCallback, useLayoutEffect, useRef } from "react";

/** Within this many pixels of the bottom counts as "at the bottom" (rounding, a partly shown last line). */
const AT_BOTTOM_PX = 24;

/**
 * Scroll behaviour of a chat log whose newest item is at the bottom:
 * - while the reader is at the bottom it stays there as items arrive and as the last one grows (streaming);
 * - when older items are put in above (loading earlier messages) the items in view do not move;
 * - a new list (another conversation) starts at the bottom.
 * `keys` identify the items, oldest first. `scroller` goes on the scrolling element, `content` on the element
 * inside it whose size grows with the items, and `onScroll` on the scrolling element's scroll event.
 */
export function useBottomAnchor(keys: readonly string[]) {
  const scroller = useRef<HTMLDivElement | null>(null);
  const atBottom = useRef(true);
  const fromBottom = useRef(0);
  const previousKeys = useRef<readonly string[]>([]);

  const remember = useCallback(() => {
    const el = scroller.current;
    if (el === null) return;
    fromBottom.current = el.scrollHeight - el.scrollTop;
  }, []);

  const toBottom = useCallback(() => {
    const el = scroller.current;
    if (el === null) return;
    el.scrollTop = el.scrollHeight;
    remember();
  }, [remember]);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (el === null) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight <= AT_BOTTOM_PX;
    remember();
  }, [remember]);

  useLayoutEffect(() => {
    const el = scroller.current;
    const before = previousKeys.current;
    previousKeys.current = keys;
    if (el === null) return;
    const oldFirst = before[0];
    const oldFirstAt = oldFirst === undefined ? -1 : keys.indexOf(oldFirst);
    if (oldFirst === undefined || oldFirstAt === -1) {
      // A new list: start at the newest item.
      atBottom.current = true;
      toBottom();
    } else if (oldFirstAt > 0 && !atBottom.current) {
      el.scrollTop = el.scrollHeight - fromBottom.current;
      remember();
    } else if (atBottom.current) {
      toBottom();
    } else {
      remember();
    }
  }, [keys, remember, toBottom]);

  // The last item grows without the list changing (streamed text): follow it while the reader is at the bottom.
  const observer = useRef<ResizeObserver | null>(null);
  const content = useCallback(
    (node: HTMLElement | null) => {
      observer.current?.disconnect();
      observer.current = null;
      if (node === null || typeof ResizeObserver === "undefined") return;
      observer.current = new ResizeObserver(() => {
        if (atBottom.current) toBottom();
        else remember();
      });
      observer.current.observe(node);
    },
    [remember, toBottom],
  );

  return { scroller, content, onScroll };
}
