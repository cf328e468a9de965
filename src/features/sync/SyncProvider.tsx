import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { watchConnectivity } from "./connectivity";
import { useConvex } from "convex/react";
import { makeFunctionReference } from "convex/server";
import { useAppStore } from "../../store";
import { notify } from "../../lib/notify";
import { Outbox } from "./outbox";

export const OutboxContext = createContext<Outbox | null>(null);

/** The signed-in user's outbox. Everything under a SyncProvider has one: it renders its children only then. */
export function useOutbox(): Outbox {
  const outbox = useContext(OutboxContext);
  if (!outbox) throw new Error("Reads and writes of server data need the SyncProvider of a signed-in user.");
  return outbox;
}

interface SyncProviderProps {
  /**
   * The signed-in user's stable identity (`tokenIdentifier`, or the token's `subject`). The outbox and cache
   * are kept per user key, so a different user never sees them.
   */
  userKey: string;
  /** Whether the Convex client is authenticated (`useConvexAuth().isAuthenticated`); sending waits for it. */
  authenticated?: boolean;
  children: ReactNode;
}

/**
 * Runs the offline layer for one user: the outbox, its connectivity and its warnings before unload. Place it
 * inside the Convex provider, once the user is known. The children appear once the outbox exists (the commit
 * after the first), so every read and write below goes through it.
 */
export function SyncProvider({ userKey, authenticated = true, children }: SyncProviderProps) {
  const convex = useConvex();
  const [outbox, setOutbox] = useState<Outbox | null>(null);

  useEffect(() => {
    const created = new Outbox({
      userKey,
      transport: {
        mutation: (path, args) => convex.mutation(makeFunctionReference<"mutation">(path), args),
      },
      onState: (state) => useAppStore.getState().setSyncState(state),
      onStorageFallback: (message) => notify(message, "error"),
      onIssue: (issue) => notify(issue.message, "error"),
    });
    setOutbox(created);
    void created.start();
    return () => {
      created.stop();
      setOutbox(null);
    };
  }, [convex, userKey]);

  useEffect(() => {
    outbox?.setAuthenticated(authenticated);
  }, [outbox, authenticated]);

  useEffect(() => {
    if (!outbox) return;
    return watchConnectivity(convex, (state, online) => {
      const socketOk = state.isWebSocketConnected || (!state.hasEverConnected && state.connectionRetries === 0);
      outbox.setConnected(online && socketOk);
    });
  }, [outbox, convex]);

  useEffect(() => {
    if (!outbox) return;
    // Warn only while a write could still be lost by closing: its IndexedDB commit has not finished, or
    // storage fell back to memory and writes are still waiting for the server.
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      const { status } = outbox.state();
      if (status.unsaved > 0 || (status.storage === "memory" && status.pending > 0)) event.preventDefault();
    };
    const onPageHide = () => void outbox.cache.flush().catch(() => {});
    window.addEventListener("beforeunload", onBeforeUnload);
    window.addEventListener("pagehide", onPageHide);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      window.removeEventListener("pagehide", onPageHide);
    };
  }, [outbox]);

  if (!outbox || outbox.userKey !== userKey) return null;
  return <OutboxContext.Provider value={outbox}>{children}</OutboxContext.Provider>;
}
