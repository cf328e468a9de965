import { useAppStore } from "../store";
import type { ToastKind } from "../store/uiSlice";

export type { ToastKind };

const LIFETIME_MS: Record<ToastKind, number> = { info: 5000, success: 4000, error: 9000 };

/**
 * Shows a short message in the app's status region (bottom right). Callable from anywhere, including
 * outside React. Errors stay longer; every toast can also be dismissed with its close button.
 */
export function notify(message: string, kind: ToastKind = "info"): void {
  const { pushToast, dismissToast } = useAppStore.getState();
  const id = pushToast(message, kind);
  setTimeout(() => dismissToast(id), LIFETIME_MS[kind]);
}
