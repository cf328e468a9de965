import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from "react";
import "./menu.css";

export interface MenuItem {
  id: string;
  label: string;
  shortcut?: string;
  ariaShortcut?: string;
  disabled?: boolean;
  separatorBefore?: boolean;
  /** A toggle's state: the item is then a menuitemcheckbox. */
  checked?: boolean;
  run: () => void;
}

interface MenuProps {
  label: string;
  x: number;
  y: number;
  items: MenuItem[];
  onClose: (restoreFocus: boolean) => void;
  /** The button that opened the menu, when one did: a press on it is left to the button (which closes the menu). */
  opener?: RefObject<HTMLElement | null>;
  /** Where focus goes back when the menu closes by keyboard or runs an item (not on a click elsewhere). */
  returnFocus?: RefObject<HTMLElement | null>;
}

/** A WAI-ARIA menu at a point (the tree's context menu, the header's More menu): arrows/Home/End move, Enter/Space run, Escape/Tab or a click outside close. */
export function Menu({ label, x, y, items, onClose: close, opener, returnFocus }: MenuProps) {
  const ref = useRef<HTMLDivElement>(null);
  const onClose = (restoreFocus: boolean) => {
    close(restoreFocus);
    if (restoreFocus) returnFocus?.current?.focus();
  };
  const enabled = items.filter((i) => !i.disabled);
  const [active, setActive] = useState(enabled[0]?.id ?? null);
  const [position, setPosition] = useState({ left: x, top: y });

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const rect = el.getBoundingClientRect();
    const left = Math.max(0, Math.min(x, window.innerWidth - rect.width - 4));
    const top = Math.max(0, Math.min(y, window.innerHeight - rect.height - 4));
    if (left !== x || top !== y) setPosition({ left, top });
  }, [x, y]);

  useEffect(() => {
    ref.current?.querySelector<HTMLElement>(`[data-menu-id="${active}"]`)?.focus();
  }, [active]);

  useEffect(() => {
    const onPointerDown = (e: MouseEvent) => {
      const target = e.target as Node;
      if (!ref.current?.contains(target) && !opener?.current?.contains(target)) close(false);
    };
    document.addEventListener("mousedown", onPointerDown, true);
    return () => document.removeEventListener("mousedown", onPointerDown, true);
  }, [close, opener]);

  const step = (delta: number) => {
    if (enabled.length === 0) return;
    const i = enabled.findIndex((item) => item.id === active);
    setActive(enabled[(i + delta + enabled.length) % enabled.length].id);
  };

  const run = (item: MenuItem) => {
    if (item.disabled) return;
    onClose(true);
    item.run();
  };

  return (
    <div
      ref={ref}
      role="menu"
      aria-label={label}
      className="popup-menu"
      style={{ left: position.left, top: position.top }}
      onContextMenu={(e) => e.preventDefault()}
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === "ArrowDown") step(1);
        else if (e.key === "ArrowUp") step(-1);
        else if (e.key === "Home") setActive(enabled[0]?.id ?? null);
        else if (e.key === "End") setActive(enabled[enabled.length - 1]?.id ?? null);
        else if (e.key === "Escape") onClose(true);
        else if (e.key === "Tab") onClose(true);
        else if (e.key === "Enter" || e.key === " ") {
          const item = items.find((i) => i.id === active);
          if (item) run(item);
        } else return;
        e.preventDefault();
      }}
    >
      {items.map((item) => (
        <div key={item.id} role="none">
          {item.separatorBefore && <div role="separator" className="popup-menu-separator" />}
          <div
            role={item.checked === undefined ? "menuitem" : "menuitemcheckbox"}
            aria-checked={item.checked}
            data-menu-id={item.id}
            tabIndex={item.id === active ? 0 : -1}
            aria-disabled={item.disabled || undefined}
            aria-keyshortcuts={item.ariaShortcut}
            className="popup-menu-item"
            onMouseEnter={() => !item.disabled && setActive(item.id)}
            onClick={() => run(item)}
          >
            <span>{item.label}</span>
            {item.shortcut && <kbd className="popup-menu-shortcut">{item.shortcut}</kbd>}
          </div>
        </div>
      ))}
    </div>
  );
}
