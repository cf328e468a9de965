import type { ConvexReactClient } from "convex/react";

export type ConnectionState = ReturnType<ConvexReactClient["connectionState"]>;

/**
 * Calls `update` now and whenever the browser's online state or the Convex client's connection state changes.
 * Returns the unsubscribe function (for a useEffect cleanup). The one place that watches connectivity.
 */
export function watchConnectivity(
  convex: ConvexReactClient,
  update: (state: ConnectionState, browserOnline: boolean) => void,
): () => void {
  const notify = () => update(convex.connectionState(), navigator.onLine);
  notify();
  const unsubscribe = convex.subscribeToConnectionState(notify);
  window.addEventListener("online", notify);
  window.addEventListener("offline", notify);
  return () => {
    unsubscribe();
    window.removeEventListener("online", notify);
    window.removeEventListener("offline", notify);
  };
}
