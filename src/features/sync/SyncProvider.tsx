import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { watchConnectivity } from "./connectivity";
import { useConvex } from "convex/react";
import { makeFunctionReference } from "convex/server";
import { useAppStore } from "../../store";
import { notify } from "../../lib/notify";
import { SyncEngine } from "./engine";

export const SyncContext = createContext<SyncEngine | null>(null);

/** The current user's sync engine, or null when signed out / outside a SyncProvider. */
export function useSyncEngine(): SyncEngine | null {
  return useContext(SyncContext);
}

interface SyncProviderProps {
  /**
   * The signed-in user's stable identity (`tokenIdentifier`, or the token's `subject`); null while signed
   * out. The outbox and cache are kept per user key, so a different user never sees them.
   */
  userKey: string | null;
  /** Whether the Convex client is authenticated (`useConvexAuth().isAuthenticated`); sending waits for it. */
  authenticated?: boolean;
  children: ReactNode;
}

/**
 * Runs the offline layer for one user. Place it inside the Convex provider, once the user is known:
 * `<SyncProvider userKey={identity} authenticated={isAuthenticated}>…</SyncProvider>`.
 */
export function SyncProvider({ userKey, authenticated = true, children }: SyncProviderProps) {
  const convex = useConvex();
  const [engine, setEngine] = useState<SyncEngine | null>(null);

  useEffect(() => {
    if (!userKey) return;
    const created = new SyncEngine({
      userKey,
      transport: {
        mutation: (path, args) => convex.mutation(makeFunctionReference<"mutation">(path), args),
      },
      onState: (state) => useAppStore.getState().setSyncState(state),
      onStorageFallback: (message) => notify(message, "error"),
      onIssue: (issue) => notify(issue.message, "error"),
    });
    setEngine(created);
    void created.start();
    return () => {
      created.stop();
      setEngine(null);
    };
  }, [convex, userKey]);

  useEffect(() => {
    engine?.setAuthenticated(authenticated);
  }, [engine, authenticated]);

  useEffect(() => {
    if (!engine) return;
    return watchConnectivity(convex, (state, online) => {
      const socketOk = state.isWebSocketConnected || (!state.hasEverConnected && state.connectionRetries === 0);
      engine.setConnected(online && socketOk);
    });
  }, [engine, convex]);

  useEffect(() => {
    if (!engine) return;
    // Warn only while a write could still be lost by closing: its IndexedDB commit has not finished, or
    // storage fell back to memory and writes are still waiting for the server.
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      const { status } = engine.state();
      if (status.unsaved > 0 || (status.storage === "memory" && status.pending > 0)) event.preventDefault();
    };
    const onPageHide = () => void engine.cache.flush().catch(() => {});
    window.addEventListener("beforeunload", onBeforeUnload);
    window.addEventListener("pagehide", onPageHide);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      window.removeEventListener("pagehide", onPageHide);
    };
  }, [engine]);

  return <SyncContext.Provider value={engine}>{children}</SyncContext.Provider>;
}
