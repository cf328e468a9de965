import { useRef, useState, type RefObject } from "react";
import { Separator, type PanelImperativeHandle } from "react-resizable-panels";
import { Menu, type MenuItem } from "../lib/Menu";

/** How far Widen and Narrow move a pane's edge: as far as an arrow key on the handle does (5% of the panes' row). */
const STEP_PERCENT = 5;
/** A press that moved farther than this before its click was a drag, not a click. */
const CLICK_SLOP_PX = 4;

/**
 * The resize handle between two panes (WCAG 2.2 AA). Its line is 1 px, its target 24 px wide (workspace.css and
 * the group's resizeTargetMinimumSize). Besides dragging, which is the library's, it resizes with a single
 * pointer (2.5.7): a click on it opens a menu that widens, narrows or resets its pane; a double-click resets the
 * pane (the library's); right-click, the Menu key and Shift+F10 open the same menu. Focused, the arrow keys move
 * it, Home/End go to the ends and Enter folds a foldable pane (the library's). After a menu action focus is back
 * on the handle.
 */
export function PaneSeparator({
  pane,
  panel,
  defaultPercent,
  minPixels,
}: {
  /** The pane the handle resizes, as a person names it: "file tree", "chat". */
  pane: string;
  panel: RefObject<PanelImperativeHandle | null>;
  /** The pane's default width, in percent of the row (the Panel's defaultSize). */
  defaultPercent: number;
  /** The pane's minimum width in pixels (the Panel's minSize): Narrow stops there. */
  minPixels: number;
}) {
  const element = useRef<HTMLDivElement>(null);
  const pressedAt = useRef<number | null>(null);
  const [menuAt, setMenuAt] = useState<{ x: number; y: number } | null>(null);

  const openMenu = (y: number) => {
    const line = element.current?.getBoundingClientRect();
    // Beside the handle's target, not under the pointer: a double-click's second press lands on the handle again.
    setMenuAt({ x: (line?.right ?? 0) + 14, y });
  };
  const resizeBy = (sign: 1 | -1) => {
    const handle = panel.current;
    if (!handle) return;
    const { asPercentage, inPixels } = handle.getSize();
    const rowPixels = asPercentage > 0 ? (inPixels / asPercentage) * 100 : (element.current?.parentElement?.clientWidth ?? 0);
    const step = (rowPixels * STEP_PERCENT) / 100;
    handle.resize(Math.max(minPixels, inPixels + sign * step));
  };
  const items: MenuItem[] = [
    { id: "widen", label: `Widen ${pane}`, run: () => resizeBy(1) },
    { id: "narrow", label: `Narrow ${pane}`, run: () => resizeBy(-1) },
    { id: "reset", label: `Reset ${pane} width`, shortcut: "Double-click", run: () => panel.current?.resize(`${defaultPercent}%`) },
  ];

  return (
    <>
      <Separator
        elementRef={element}
        className="pane-separator"
        aria-label={`Resize ${pane}`}
        title={`Drag, or click for Widen, Narrow and Reset (arrow keys when focused)`}
        onPointerDown={(event) => {
          pressedAt.current = event.clientX;
        }}
        onClick={(event) => {
          const moved = pressedAt.current === null ? 0 : Math.abs(event.clientX - pressedAt.current);
          pressedAt.current = null;
          if (moved > CLICK_SLOP_PX) return;
          if (menuAt) setMenuAt(null);
          else openMenu(event.clientY);
        }}
        onDoubleClick={() => setMenuAt(null)}
        onContextMenu={(event) => {
          event.preventDefault();
          openMenu(event.clientY);
        }}
        onKeyDown={(event) => {
          if (event.key === "ContextMenu" || (event.shiftKey && event.key === "F10")) {
            event.preventDefault();
            const line = element.current?.getBoundingClientRect();
            openMenu(line ? line.top + line.height / 3 : 0);
          }
        }}
      />
      {menuAt && (
        <Menu
          label={`Resize ${pane}`}
          x={menuAt.x}
          y={menuAt.y}
          items={items}
          returnFocus={element}
          onClose={() => setMenuAt(null)}
        />
      )}
    </>
  );
}
