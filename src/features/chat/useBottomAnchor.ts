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
 *
 * The browser reports a scroll a frame later. A change that comes in between (earlier messages arriving just
 * after the reader scrolled up) must not be placed by where the reader was before: `catchUp` reads the scroll
 * position at the moment of each change, so the view never jumps to the bottom then (the e2e "keeps its place"
 * check was once 659 px off for this).
 */
export function useBottomAnchor(keys: readonly string[]) {
  const scroller = useRef<HTMLDivElement | null>(null);
  const atBottom = useRef(true);
  /** scrollHeight − scrollTop as last seen here, and the scrollTop it was seen at. */
  const fromBottom = useRef(0);
  const seenTop = useRef(0);
  const previousKeys = useRef<readonly string[]>([]);

  const remember = useCallback(() => {
    const el = scroller.current;
    if (el === null) return;
    fromBottom.current = el.scrollHeight - el.scrollTop;
    seenTop.current = el.scrollTop;
  }, []);

  /** Takes in a scroll not reported yet, measured against the content as it was before the change at hand. */
  const catchUp = useCallback((el: HTMLElement) => {
    if (el.scrollTop === seenTop.current) return;
    const heightBefore = fromBottom.current + seenTop.current;
    atBottom.current = heightBefore - el.scrollTop - el.clientHeight <= AT_BOTTOM_PX;
    fromBottom.current = heightBefore - el.scrollTop;
    seenTop.current = el.scrollTop;
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
    catchUp(el);
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
  }, [keys, catchUp, remember, toBottom]);

  // The last item grows without the list changing (streamed text): follow it while the reader is at the bottom.
  // A MutationObserver follows new text in the task that put it in (its callback is a microtask), so no moment
  // shows the answer's newest lines below the view; the ResizeObserver catches growth without a DOM change
  // (fonts, a narrower pane). Each reads the layout once per batch of changes.
  const observers = useRef<{ disconnect: () => void }[]>([]);
  const content = useCallback(
    (node: HTMLElement | null) => {
      for (const observer of observers.current) observer.disconnect();
      observers.current = [];
      if (node === null) return;
      const follow = () => {
        const el = scroller.current;
        if (el !== null) catchUp(el);
        if (atBottom.current) toBottom();
        else remember();
      };
      if (typeof MutationObserver !== "undefined") {
        const mutations = new MutationObserver(follow);
        mutations.observe(node, { childList: true, subtree: true, characterData: true });
        observers.current.push(mutations);
      }
      if (typeof ResizeObserver !== "undefined") {
        const resizes = new ResizeObserver(follow);
        resizes.observe(node);
        observers.current.push(resizes);
      }
    },
    [catchUp, remember, toBottom],
  );

  return { scroller, content, onScroll };
}
