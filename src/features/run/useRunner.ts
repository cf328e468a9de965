import { createContext, useContext, useEffect, useState, useSyncExternalStore } from "react";
import { useSession } from "../auth/session";
import { onServer } from "../editor/saveAll";
import { useOutbox } from "../sync";
import { RunnerConnection, type RunnerSnapshot } from "./runnerConnection";

/** The open project's runner connection; null when no runner is configured. */
export const RunnerContext = createContext<RunnerConnection | null>(null);

/** Connects to `runnerUrl` for `projectId` while the workspace is open. */
export function useRunnerConnection(runnerUrl: string | undefined, projectId: string): RunnerConnection | null {
  const { getToken } = useSession();
  const outbox = useOutbox();
  const [connection, setConnection] = useState<RunnerConnection | null>(null);
  useEffect(() => {
    if (!runnerUrl) return;
    // Run reads the project from the server: open editors save now, and what this browser wrote must be confirmed.
    const c = new RunnerConnection(runnerUrl, projectId, getToken ?? (() => Promise.resolve(null)), () => onServer(outbox));
    setConnection(c);
    return () => {
      c.close();
      setConnection(null);
    };
  }, [runnerUrl, projectId, getToken, outbox]);
  return connection;
}

const EMPTY: RunnerSnapshot = { status: "offline", terminals: [], run: { status: "idle" } };
const noSubscribe = () => () => {};

export function useRunner(): { connection: RunnerConnection | null; state: RunnerSnapshot } {
  const connection = useContext(RunnerContext);
  const state = useSyncExternalStore(connection?.subscribe ?? noSubscribe, connection?.getSnapshot ?? (() => EMPTY));
  return { connection, state };
}
