import { useAppStore } from "../store";

/**
 * The status region where `notify(...)` messages appear; screen readers hear them as they arrive. The live region
 * is a `div` that is always present (a region created with its first message is often not announced), holding a
 * list of the toasts.
 */
export function Toaster() {
  const toasts = useAppStore((state) => state.toasts);
  const dismissToast = useAppStore((state) => state.dismissToast);
  return (
    <div className="toasts" role="status" aria-live="polite" aria-label="Notifications">
      {toasts.length > 0 && (
        <ul className="toast-list">
          {toasts.map((toast) => (
            <li key={toast.id} className="toast" data-kind={toast.kind}>
              <span className="toast-message">{toast.message}</span>
              <button
                type="button"
                className="btn btn-ghost btn-small"
                aria-label="Dismiss notification"
                onClick={() => dismissToast(toast.id)}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
