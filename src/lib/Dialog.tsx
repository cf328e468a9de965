import { useEffect, useId, useRef, useState, type ReactNode, type RefObject } from "react";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Element to focus when the dialog opens; defaults to the first focusable element inside it. */
  initialFocusRef?: RefObject<HTMLElement | null>;
  role?: "dialog" | "alertdialog";
  /** "wide" for dialogs holding lists of long paths (Go to File). */
  size?: "normal" | "wide";
  /** Where focus goes on close when the element that had it before is gone (re-rendered, removed). */
  fallbackFocus?: () => HTMLElement | null;
}

/**
 * A modal dialog: focus moves in on open, Tab cycles inside, Escape or a click on the backdrop closes it,
 * and focus returns to the element that had it before (usually the button that opened it), else to
 * `fallbackFocus`. The element before is read on the first render, before any child's `autoFocus` moves focus
 * into the dialog (reading it in the effect would find the dialog's own field, gone once it closes).
 */
export function Dialog({
  title,
  onClose,
  children,
  initialFocusRef,
  role = "dialog",
  size = "normal",
  fallbackFocus,
}: DialogProps) {
  const titleId = useId();
  const panelRef = useRef<HTMLDivElement>(null);
  const onCloseRef = useRef(onClose);
  const fallbackRef = useRef(fallbackFocus);
  useEffect(() => {
    onCloseRef.current = onClose;
    fallbackRef.current = fallbackFocus;
  });
  const [previous] = useState(() =>
    typeof document !== "undefined" && document.activeElement instanceof HTMLElement ? document.activeElement : null,
  );

  useEffect(() => {
    const panel = panelRef.current;
    const target = initialFocusRef?.current ?? panel?.querySelector<HTMLElement>(FOCUSABLE) ?? panel;
    if (!panel?.contains(document.activeElement)) target?.focus();
    return () => {
      if (previous?.isConnected && previous !== document.body) previous.focus();
      else fallbackRef.current?.()?.focus();
    };
  }, [initialFocusRef, previous]);

  function onKeyDown(event: React.KeyboardEvent) {
    if (event.key === "Escape") {
      event.stopPropagation();
      event.preventDefault();
      onCloseRef.current();
      return;
    }
    if (event.key !== "Tab" || !panelRef.current) return;
    const focusables = Array.from(panelRef.current.querySelectorAll<HTMLElement>(FOCUSABLE));
    if (focusables.length === 0) {
      event.preventDefault();
      return;
    }
    const first = focusables[0];
    const last = focusables[focusables.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  return (
    <div
      className="dialog-backdrop"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) onCloseRef.current();
      }}
    >
      <div
        ref={panelRef}
        className={size === "wide" ? "dialog dialog-wide" : "dialog"}
        role={role}
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        {children}
      </div>
    </div>
  );
}
