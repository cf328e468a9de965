import { useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import { createPortal } from "react-dom";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Tab and Shift+Tab cycle through `container`'s focusable elements instead of leaving it: a modal dialog's or an
 * overlay drawer's focus trap.
 */
export function keepTabInside(event: React.KeyboardEvent, container: HTMLElement): void {
  if (event.key !== "Tab") return;
  const focusables = Array.from(container.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => !el.closest("[inert], [hidden]"));
  if (focusables.length === 0) {
    event.preventDefault();
    return;
  }
  const first = focusables[0];
  const last = focusables[focusables.length - 1];
  const active = document.activeElement;
  if (event.shiftKey && (active === first || active === container)) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && active === last) {
    event.preventDefault();
    first.focus();
  }
}

/** The id of the element that holds the app's pages (App.tsx); it is made inert while a dialog is open. */
export const APP_CONTENT_ID = "app-content";
let openDialogs = 0;

interface DialogProps {
  title: string;
  /** What the dialog is about, read with its name (aria-describedby): the consequence of a confirmation. */
  description?: ReactNode;
  onClose: () => void;
  children?: ReactNode;
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
 * The dialog is rendered beside the app's pages and makes them inert while open (nested dialogs count), so
 * neither a pointer nor a screen reader's virtual cursor reaches what lies behind it; the toasts stay outside.
 */
export function Dialog({
  title,
  description,
  onClose,
  children,
  initialFocusRef,
  role = "dialog",
  size = "normal",
  fallbackFocus,
}: DialogProps) {
  const titleId = useId();
  const descriptionId = useId();
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

  // A layout effect: on close the page behind is live again before the passive effect below returns focus to it.
  useLayoutEffect(() => {
    const content = document.getElementById(APP_CONTENT_ID);
    openDialogs++;
    content?.setAttribute("inert", "");
    return () => {
      openDialogs--;
      if (openDialogs === 0) content?.removeAttribute("inert");
    };
  }, []);

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
    if (panelRef.current) keepTabInside(event, panelRef.current);
  }

  return createPortal(
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
        aria-describedby={description === undefined ? undefined : descriptionId}
        tabIndex={-1}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        {description !== undefined && (
          <p id={descriptionId} className="dialog-description">
            {description}
          </p>
        )}
        {children}
      </div>
    </div>,
    document.body,
  );
}
