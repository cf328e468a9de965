import { useLayoutEffect, type ReactNode, type RefObject } from "react";

/*
 * A bar of controls that folds its labels away when they do not fit, as a professional IDE's title bar does: at
 * fold 0 every control shows its label; at fold 1 the secondary controls keep only their icon; at fold 2 the
 * primary ones too, and details (the Run status's port) leave the line. The bar takes the lowest fold at which
 * nothing in it overflows and its title (an h1, when it has one) shows at least TITLE_ROOM pixels of its text; it
 * looks again when it is resized or its text changes (a Run status, a project's name arriving).
 *
 * Invariant: a folded control still has its label as its accessible name (aria-label) and as its tooltip (title),
 * so folding changes what is seen, never what is read or what a test finds by role and name.
 */

const FOLDS = 3;
/** The width the title keeps before the controls fold (less only when its whole text is narrower). */
const TITLE_ROOM = 160;

function overflows(element: Element | null): boolean {
  return element !== null && element.scrollWidth > element.clientWidth;
}

function fits(bar: HTMLElement): boolean {
  if (overflows(bar) || [...bar.children].some(overflows)) return false;
  const title = bar.querySelector("h1");
  return title === null || title.clientWidth >= Math.min(title.scrollWidth, TITLE_ROOM);
}

/** Sets `data-fold` on the bar to the lowest fold at which it fits (the highest when none does). */
export function fitBar(bar: HTMLElement): number {
  for (let fold = 0; fold < FOLDS; fold++) {
    bar.dataset.fold = String(fold);
    if (fits(bar)) return fold;
  }
  return FOLDS - 1;
}

/** Keeps `bar` at the fold that fits (see the header). */
export function useBarFold(bar: RefObject<HTMLElement | null>): void {
  useLayoutEffect(() => {
    const element = bar.current;
    if (!element) return;
    fitBar(element);
    // Later looks wait for the next frame, once however many changes came meanwhile: the sync status in the header
    // changes with every confirmed write, and each look forces a layout of the page (up to one per fold).
    let frame = 0;
    const fit = () => {
      if (frame === 0)
        frame = requestAnimationFrame(() => {
          frame = 0;
          fitBar(element);
        });
    };
    // Only size and text: the fold's own attribute is not watched, so fitting never triggers itself.
    // Where there is no ResizeObserver (jsdom), the window's size is what changes the bar's.
    const resize = typeof ResizeObserver === "function" ? new ResizeObserver(fit) : null;
    if (resize) resize.observe(element);
    else window.addEventListener("resize", fit);
    const mutation = new MutationObserver(fit);
    mutation.observe(element, { childList: true, subtree: true, characterData: true });
    return () => {
      if (resize) resize.disconnect();
      else window.removeEventListener("resize", fit);
      mutation.disconnect();
      cancelAnimationFrame(frame);
    };
  }, [bar]);
}

/**
 * A control's icon and its label; the label folds away at fold 1 (`primary`: at fold 2). The control itself must
 * carry the label as `aria-label` and `title`.
 */
export function FoldLabel({ icon, label, primary = false }: { icon: ReactNode; label: string; primary?: boolean }) {
  return (
    <>
      {icon}
      <span className={primary ? "fold-label fold-primary" : "fold-label"}>{label}</span>
    </>
  );
}
