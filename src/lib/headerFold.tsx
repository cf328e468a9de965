import { useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import { Menu, type MenuItem } from "./Menu";

/*
 * A bar of controls that folds its labels away when they do not fit, as a professional IDE's title bar does: at
 * fold 0 every control shows its label; at fold 1 the secondary controls keep only their icon; at fold 2 the
 * primary ones too, and details (the Run status's port) leave the line; at fold 3 (a phone's width) the controls
 * marked `data-overflow` leave the bar for its More menu (MoreMenu), which runs them by clicking them, so each keeps
 * one implementation. The bar takes the lowest fold at which nothing in it overflows and its title (an h1, when it
 * has one) shows at least TITLE_ROOM pixels of its text; it looks again when it is resized or its text changes (a
 * Run status, a project's name arriving).
 *
 * Invariant: a folded control still has its label as its accessible name (aria-label) and as its tooltip (title),
 * so folding changes what is seen, never what is read or what a test finds by role and name; a control in the More
 * menu is found there, by the same name.
 */

const FOLDS = 4;
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
    // Written only when it changes: a write, even of the same value, makes the next read lay the page out again.
    if (bar.dataset.fold !== String(fold)) bar.dataset.fold = String(fold);
    if (fits(bar)) return fold;
  }
  return FOLDS - 1;
}

/** Keeps `bar` at the fold that fits (see the header). */
export function useBarFold(bar: RefObject<HTMLElement | null>): void {
  useLayoutEffect(() => {
    const element = bar.current;
    if (!element) return;
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
    // The first look is the observer's first report, which comes after the browser has laid the new page out and
    // before it paints: the bar is measured without a layout of its own (done here, in the commit that mounts the
    // page, it was a whole extra layout before the first tree row: bench/load), and a fold it needs still shows
    // in the first frame. Where there is no ResizeObserver (jsdom), the bar is fitted at once and the window's
    // size is what changes the bar's.
    let first = true;
    const resize =
      typeof ResizeObserver === "function"
        ? new ResizeObserver(() => {
            if (!first) return fit();
            first = false;
            fitBar(element);
          })
        : null;
    if (resize) resize.observe(element);
    else {
      fitBar(element);
      window.addEventListener("resize", fit);
    }
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

/** The controls of `bar` that its More menu holds at the last fold. */
function overflowItems(bar: Element): MenuItem[] {
  return [...bar.querySelectorAll<HTMLElement>("[data-overflow]")].map((control, i) => {
    const pressed = control.getAttribute("aria-pressed") ?? control.getAttribute("aria-expanded");
    return {
      id: String(i),
      label: control.getAttribute("aria-label") ?? control.textContent?.trim() ?? "",
      disabled: control.matches(":disabled") || control.getAttribute("aria-disabled") === "true",
      checked: pressed === null ? undefined : pressed === "true",
      run: () => control.click(),
    };
  });
}

/**
 * The bar's More button and menu: shown at the last fold only (CSS), it lists the controls that left the bar, by
 * their names, and runs the one chosen. Focus is back on the button when the control runs, so a dialog it opens
 * returns focus there.
 */
export function MoreMenu() {
  const button = useRef<HTMLButtonElement>(null);
  const [menu, setMenu] = useState<{ x: number; y: number; items: MenuItem[] } | null>(null);
  return (
    <>
      <button
        ref={button}
        type="button"
        className="btn btn-ghost btn-small header-more"
        aria-label="More"
        title="More actions"
        aria-haspopup="menu"
        aria-expanded={menu !== null}
        onClick={(event) => {
          const bar = event.currentTarget.closest("[data-fold]");
          if (menu || !bar) return setMenu(null);
          const box = event.currentTarget.getBoundingClientRect();
          setMenu({ x: box.left, y: box.bottom + 2, items: overflowItems(bar) });
        }}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {menu && (
        <Menu
          label="More actions"
          x={menu.x}
          y={menu.y}
          items={menu.items}
          opener={button}
          returnFocus={button}
          onClose={() => setMenu(null)}
        />
      )}
    </>
  );
}
