import { useLayoutEffect, useRef, type RefObject } from "react";

/**
 * For an element that leaves the page while it may have focus (the Search panel's Stop, shown only while a search
 * runs): if it has focus when it unmounts, focus goes to `next()` instead of falling to the page's body, where the
 * next key would reach nothing (or a global shortcut). A layout effect's cleanup runs before React removes the
 * element, so focus is still on it then. Call it in the component that renders the element (and leaves with it).
 */
export function useFocusHandoff(element: RefObject<HTMLElement | null>, next: () => HTMLElement | null | undefined): void {
  const latestNext = useRef(next);
  useLayoutEffect(() => {
    latestNext.current = next;
  });
  useLayoutEffect(() => {
    const leaving = element.current;
    return () => {
      if (leaving !== null && leaving === document.activeElement) latestNext.current()?.focus();
    };
  }, [element]);
}
