import { useCallback, useLayoutEffect, useRef } from "react";
import { useAppStore } from "../store";
import type { Toast } from "../store/uiSlice";

/**
 * The status region where `notify(...)` messages appear; screen readers hear them as they arrive. The live region
 * is a `div` that is always present (a region created with its first message is often not announced), holding a
 * list of the toasts.
 *
 * Focus: a toast's buttons are reached with Tab. When a toast goes away while it holds focus (its button was
 * pressed, or it timed out), focus goes back to where it was before it entered the toasts, never to the page body;
 * an action that puts focus somewhere of its own ("Undo" focusing the restored row) does so from there.
 */
export function Toaster() {
  const toasts = useAppStore((state) => state.toasts);
  const region = useRef<HTMLDivElement>(null);
  const cameFrom = useRef<HTMLElement | null>(null);
  const returnFocus = useCallback(() => cameFrom.current, []);
  return (
    <div
      ref={region}
      className="toasts"
      role="status"
      aria-live="polite"
      aria-label="Notifications"
      onFocus={(event) => {
        const from = event.relatedTarget;
        if (from instanceof HTMLElement && !region.current?.contains(from)) cameFrom.current = from;
      }}
    >
      {toasts.length > 0 && (
        <ul className="toast-list">
          {toasts.map((toast) => (
            <ToastItem key={toast.id} toast={toast} returnFocus={returnFocus} />
          ))}
        </ul>
      )}
    </div>
  );
}

function ToastItem({ toast, returnFocus }: { toast: Toast; returnFocus: () => HTMLElement | null }) {
  const dismissToast = useAppStore((state) => state.dismissToast);
  const item = useRef<HTMLLIElement>(null);
  useLayoutEffect(() => {
    const node = item.current;
    // Layout cleanups run before React removes the item, while it still holds focus.
    return () => {
      if (node === null || !node.contains(document.activeElement)) return;
      const back = returnFocus();
      if (back?.isConnected) back.focus({ preventScroll: true });
    };
  }, [returnFocus]);
  return (
    <li ref={item} className="toast" data-kind={toast.kind}>
      <span className="toast-message">{toast.message}</span>
      {toast.action && (
        <button
          type="button"
          className="btn btn-small"
          onClick={() => {
            dismissToast(toast.id);
            toast.action?.run();
          }}
        >
          {toast.action.label}
        </button>
      )}
      <button type="button" className="btn btn-ghost btn-small" aria-label="Dismiss notification" onClick={() => dismissToast(toast.id)}>
        ✕
      </button>
    </li>
  );
}
