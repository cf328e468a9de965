import { useAppStore } from "../store";
import type { ToastAction, ToastKind } from "../store/uiSlice";

export type { ToastAction, ToastKind };

const LIFETIME_MS: Record<ToastKind, number> = { info: 5000, success: 4000, error: 9000 };
/** A toast with a button stays longer: there is something to do with it, and reaching it by keyboard takes time. */
const ACTION_LIFETIME_MS = 10_000;

/**
 * Shows a short message in the app's status region (bottom right). Callable from anywhere, including
 * outside React. Errors stay longer; every toast can also be dismissed with its close button. `action` adds a
 * button ("Undo") that runs it and dismisses the toast.
 */
export function notify(message: string, kind: ToastKind = "info", action?: ToastAction): void {
  const { pushToast, dismissToast } = useAppStore.getState();
  const id = pushToast(message, kind, action);
  setTimeout(() => dismissToast(id), action ? Math.max(ACTION_LIFETIME_MS, LIFETIME_MS[kind]) : LIFETIME_MS[kind]);
}
