import { createContext, useContext, useEffect, useLayoutEffect, useState, type ReactNode } from "react";
import { watchConnectivity } from "./connectivity";
import { useConvex, type ConvexReactClient } from "convex/react";
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

/** A stopped outbox cannot start again: an effect that runs again (StrictMode's check) needs a fresh one. */
function newOutbox(convex: ConvexReactClient, userKey: string): Outbox {
  return new Outbox({
    userKey,
    transport: {
      mutation: (path, args) => convex.mutation(makeFunctionReference<"mutation">(path), args),
    },
    onState: (state) => useAppStore.getState().setSyncState(state),
    onStorageFallback: (message) => notify(message, "error"),
    onIssue: (issue) => notify(issue.message, "error"),
  });
}

/**
 * Runs the offline layer for one user: the outbox, its connectivity and its warnings before unload. Place it
 * inside the Convex provider, once the user is known. The outbox is made in the first render (its constructor
 * touches nothing outside it) and started in that render's commit, so the children render in the same pass:
 * made in an effect instead, they would wait for a second render of the whole page, on the first load's path
 * (docs/architecture.md "First load"). Every read and write below goes through it.
 */
export function SyncProvider({ userKey, authenticated = true, children }: SyncProviderProps) {
  const convex = useConvex();
  const [made, setMade] = useState(() => ({ convex, userKey, outbox: newOutbox(convex, userKey) }));
  let outbox = made.outbox;
  if (made.convex !== convex || made.userKey !== userKey) {
    // Another user (or client): a new outbox in this same render, so no child ever sees the previous user's.
    outbox = newOutbox(convex, userKey);
    setMade({ convex, userKey, outbox });
  }

  // Layout effects, so the outbox knows whether it may send and is started before any event can reach the
  // children (a write queued before start() would miss the stored entries it is merged with).
  useLayoutEffect(() => {
    outbox.setAuthenticated(authenticated);
  }, [outbox, authenticated]);

  useLayoutEffect(() => {
    if (outbox.isStopped()) {
      setMade({ convex, userKey, outbox: newOutbox(convex, userKey) });
      return;
    }
    void outbox.start();
    return () => outbox.stop();
  }, [outbox, convex, userKey]);

  useEffect(() => {
    return watchConnectivity(convex, (state, online) => {
      const socketOk = state.isWebSocketConnected || (!state.hasEverConnected && state.connectionRetries === 0);
      outbox.setConnected(online && socketOk);
    });
  }, [outbox, convex]);

  useEffect(() => {
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

  return <OutboxContext.Provider value={outbox}>{children}</OutboxContext.Provider>;
}
