import { useAppStore } from "../store";

/**
 * Says `message` to screen readers through the app's polite live region (src/app/Announcer.tsx), without showing
 * it: for results a sighted person sees change in place (the sync indicator, a mode in the status bar). Callable
 * from anywhere, including outside React. Something a sighted person should also read is a toast: `notify`.
 */
export function announce(message: string): void {
  useAppStore.getState().announce(message);
}
