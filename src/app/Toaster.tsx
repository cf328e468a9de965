import { useAppStore } from "../store";

/** The status region where `notify(...)` messages appear. Screen readers hear them as they arrive. */
export function Toaster() {
  const toasts = useAppStore((state) => state.toasts);
  const dismissToast = useAppStore((state) => state.dismissToast);
  return (
    <ul className="toasts" role="status" aria-live="polite" aria-label="Notifications">
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
  );
}
