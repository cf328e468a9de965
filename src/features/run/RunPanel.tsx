import { useEffect, useRef, useState } from "react";
import { dropHeldKeys } from "./heldKeys";
import { waitForPreview } from "./previewReady";
import { runStatusText } from "./RunControls";
import { TerminalView } from "./TerminalView";
import { useRunner } from "./useRunner";
import "./run.css";

/** What the panel says while the runner has no sandbox (runner/src/cli.ts chooseSandbox). */
const UNFENCED_STATUS = "Unfenced: commands run as the runner's user, without a sandbox";

/**
 * The bottom panel: tabs of the project's terminals (the Run terminal and shells), the active terminal, and the
 * Preview of the running dev server (its own origin, in a frame). Opening it focuses the active terminal; a new
 * terminal takes focus when it opens.
 */
export default function RunPanel({ onClose }: { onClose: () => void }) {
  const { connection, state } = useRunner();
  const [active, setActive] = useState<string | null>(null);
  const [focusRequest, setFocusRequest] = useState(1);
  const [previewKey, setPreviewKey] = useState(0);
  const asked = useRef(false);
  const terminals = state.terminals;

  // The panel opened with no terminal: open a shell (once), as VS Code does.
  useEffect(() => {
    if (!connection || state.status !== "ready" || asked.current) return;
    asked.current = true;
    if (terminals.length === 0) connection.openTerminal(80, 24);
  }, [connection, state.status, terminals.length]);

  // A terminal the runner just opened for us becomes active and takes focus.
  const opened = state.opened;
  useEffect(() => {
    if (opened === undefined) return;
    setActive(opened);
    setFocusRequest((n) => n + 1);
  }, [opened]);

  // A terminal asked for and refused (the project has as many as it may): the alert says why, and the person goes
  // on in the terminal they were in, so it keeps the keys.
  const openRefused = state.openRefused;
  useEffect(() => {
    if (openRefused !== undefined) setFocusRequest((n) => n + 1);
  }, [openRefused]);

  // Run shows its terminal: as it installs, as its dev command starts (a project with no install command starts
  // there, and a shell opened earlier must not stay in front of its output) and when it fails.
  const runTerminal = state.run.terminalId;
  const runStatus = state.run.status;
  useEffect(() => {
    if (runTerminal !== undefined && ["installing", "starting", "failed"].includes(runStatus)) setActive(runTerminal);
  }, [runTerminal, runStatus]);

  // No terminal will take the keys typed since Ctrl+` (heldKeys.ts): let them go.
  const refused = !connection || state.status === "refused";
  useEffect(() => {
    if (refused) dropHeldKeys();
  }, [refused]);

  const shown = terminals.find((t) => t.id === active) ?? terminals[0];
  const preview = state.run.status === "running" ? state.run.previewUrl : undefined;

  // The frame loads only once the preview answers this browser (previewReady.ts); Reload asks again, and so does a
  // new port behind the same preview address (a restarted dev server): the frame is made anew, as a frame that
  // showed an error page is never reloaded by anything else.
  const [answered, setAnswered] = useState<string | null>(null);
  const port = state.run.status === "running" ? state.run.port : undefined;
  const previewAttempt = preview === undefined ? null : `${previewKey} ${port} ${preview}`;
  useEffect(() => {
    if (preview === undefined || previewAttempt === null) return;
    const abort = new AbortController();
    void waitForPreview(preview, abort.signal).then(() => {
      if (!abort.signal.aborted) setAnswered(previewAttempt);
    });
    return () => abort.abort();
  }, [preview, previewAttempt]);

  if (!connection) {
    return (
      <section className="run-panel" aria-label="Terminal">
        <p className="run-panel-message" role="alert">
          No runner is configured, so there are no terminals. Start Polaris with <code>npm start</code>, or run one with{" "}
          <code>npm run runner -- --convex-url URL</code> and set VITE_RUNNER_URL.
        </p>
      </section>
    );
  }

  return (
    <section className="run-panel" aria-label="Terminal">
      <div className="run-panel-bar">
        <div role="tablist" aria-label="Terminals" className="run-tabs">
          {terminals.map((t) => (
            <span key={t.id} className="run-tab">
              <button
                type="button"
                role="tab"
                aria-selected={shown?.id === t.id}
                className="run-tab-button"
                onClick={() => {
                  setActive(t.id);
                  setFocusRequest((n) => n + 1);
                }}
              >
                {t.title}
                {t.exitCode !== undefined ? ` (exited ${t.exitCode})` : ""}
              </button>
              <button type="button" className="run-tab-close" aria-label={`Close ${t.title}`} onClick={() => connection.closeTerminal(t.id)}>
                ×
              </button>
            </span>
          ))}
        </div>
        <button type="button" className="btn btn-small btn-ghost" onClick={() => connection.openTerminal(80, 24)} aria-label="New terminal">
          +
        </button>
        <span className="run-panel-status">
          {state.status !== "ready"
            ? state.error ?? "Connecting to the runner…"
            : `${runStatusText(state.run)}${state.run.message && state.run.status === "failed" ? `: ${state.run.message}` : ""}${
                state.sandbox === "none" ? ` · ${UNFENCED_STATUS}` : ""
              }${state.sync?.status === "error" ? ` · ${state.sync.problems[0] ?? "working copy error"}` : ""}`}
        </span>
        <button type="button" className="btn btn-small btn-ghost" onClick={onClose} title="Hide the panel (Ctrl+`)">
          Hide
        </button>
      </div>
      {state.notice && (
        <p className="run-panel-message" role="alert">
          {state.notice}{" "}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              connection.clearNotice();
              // The button leaves the page: focus goes back to the terminal.
              setFocusRequest((n) => n + 1);
            }}
          >
            OK
          </button>
        </p>
      )}
      <div className="run-panel-body">
        <div className="run-terminal-area">
          {shown ? (
            <TerminalView key={shown.id} connection={connection} term={shown.id} focusRequest={focusRequest} />
          ) : (
            <p className="run-panel-message">{state.status === "ready" ? "No terminal open. Press + to open one." : (state.error ?? "Connecting…")}</p>
          )}
        </div>
        {preview && (
          <div className="run-preview" aria-label="Preview">
            <div className="run-preview-bar">
              <span className="run-preview-url" title={preview}>
                Preview · port {state.run.port}
              </span>
              <button type="button" className="btn btn-small btn-ghost" onClick={() => setPreviewKey((k) => k + 1)}>
                Reload
              </button>
              <a className="btn btn-small btn-ghost" href={preview} target="_blank" rel="noopener noreferrer">
                Open in new tab ↗
              </a>
            </div>
            {answered === previewAttempt ? (
              <iframe key={previewAttempt} className="run-preview-frame" title="Preview" src={preview} />
            ) : (
              <p className="run-panel-message" role="status">
                Waiting for the dev server to answer…
              </p>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
