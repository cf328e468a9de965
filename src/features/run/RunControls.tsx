import type { RunState } from "../../../runner/src/protocol";
import { FoldLabel } from "../../lib/headerFold";
import { ExternalIcon, RestartIcon, TerminalIcon } from "../../lib/icons";
import { useAppStore } from "../../store";
import { useRunner } from "./useRunner";

const ACTIVE = new Set(["installing", "starting", "running"]);

/** What the Run status says, in words. */
export function runStatusText(run: RunState): string {
  switch (run.status) {
    case "idle":
      return "Not running";
    case "installing":
      return "Installing…";
    case "starting":
      return run.message?.includes("has not opened a port") ? "Waiting for a port…" : "Starting…";
    case "running":
      return run.port !== undefined ? `Running · port ${run.port}` : "Running";
    case "stopped":
      return "Stopped";
    case "failed":
      return "Failed";
  }
}

/** The toolbar's Run / Stop, Restart, the status, and the terminal panel's toggle. */
export function RunControls({ onToggleTerminal, onRun }: { onToggleTerminal: () => void; onRun: () => void }) {
  const { connection, state } = useRunner();
  const terminalOpen = useAppStore((s) => s.terminalOpen);
  // Waiting for this browser's changes to reach the server before Run counts as running: the button stops it.
  const active = ACTIVE.has(state.run.status) || state.saving === true;
  const usable = connection !== null && state.status === "ready";
  const status =
    connection && state.status === "ready"
      ? state.saving
        ? "Saving…"
        : runStatusText(state.run)
      : connection
        ? state.status === "connecting"
          ? "Runner…"
          : "Runner offline"
        : "";
  // The port is a detail the header may fold out of the line (still read, still in the tooltip).
  const port = / · port \d+$/.exec(status)?.[0] ?? null;
  const title = !connection
    ? "No runner is configured: start Polaris with npm start, or set VITE_RUNNER_URL."
    : state.status !== "ready"
      ? (state.error ?? "Connecting to the runner…")
      : state.saving
        ? "Run waits for your changes to reach the server, where the runner reads the project (Stop cancels it)"
        : active
          ? "Stop the dev server and everything it started (Shift+F5)"
          : "Run the install command, then the dev command (F5)";
  return (
    <div className="run-controls" role="group" aria-label="Run">
      <button
        type="button"
        className={`btn btn-small${active ? "" : " btn-primary"}`}
        disabled={!usable}
        aria-label={active ? "Stop" : "Run"}
        title={title}
        onClick={() => {
          if (!connection) return;
          if (active) connection.stop();
          else onRun();
        }}
      >
        <FoldLabel icon={<span aria-hidden="true">{active ? "■" : "▶"}</span>} label={active ? "Stop" : "Run"} primary />
      </button>
      {active && (
        <button
          type="button"
          className="btn btn-small"
          disabled={!usable}
          onClick={() => connection?.restart()}
          aria-label="Restart"
          title="Restart (Ctrl+Shift+F5)"
          data-overflow=""
        >
          <FoldLabel icon={<RestartIcon />} label="Restart" />
        </button>
      )}
      <span className={`run-status run-status-${state.run.status}`} role="status" title={state.run.message ?? status}>
        {port === null ? status : <>{status.slice(0, -port.length)}<span className="fold-detail">{port}</span></>}
      </span>
      {state.run.status === "running" && state.run.previewUrl && (
        <a
          className="btn btn-small btn-ghost"
          href={state.run.previewUrl}
          target="_blank"
          rel="noopener noreferrer"
          aria-label="Open preview ↗"
          title="Open the preview in a new tab"
          data-overflow=""
        >
          <FoldLabel icon={<ExternalIcon />} label="Open preview" />
        </a>
      )}
      <button
        type="button"
        className="btn btn-small btn-ghost"
        aria-pressed={terminalOpen}
        onClick={onToggleTerminal}
        aria-label="Terminal"
        title="Toggle the terminal panel (Ctrl+`)"
        data-overflow=""
      >
        <FoldLabel icon={<TerminalIcon />} label="Terminal" />
      </button>
    </div>
  );
}
