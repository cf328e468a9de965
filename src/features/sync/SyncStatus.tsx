import { useEffect, useId, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import { announce } from "../../lib/announce";
import { usePendingWrites, useSyncActions, useSyncIssues, useSyncStatus } from "./statusHooks";
import type { SyncStatusInfo } from "./types";
import "./sync.css";

function label(status: SyncStatusInfo): string {
  const pending = status.pending === 1 ? "1 change" : `${status.pending} changes`;
  switch (status.phase) {
    case "offline":
      return status.pending > 0 ? `Offline · ${pending} pending` : "Offline";
    case "syncing":
      return `Syncing ${pending}…`;
    case "error":
      return status.pending > 0 ? `Sync paused · ${pending} pending` : "Sync error";
    default:
      return "Online";
  }
}

/**
 * Header/status-bar button: connection and outbox state; clicking lists pending writes and problems. Escape
 * closes the list and gives focus back to the button; a dismissed problem hands focus to the next one's
 * Dismiss button, else the previous one's, else the button, never to the page body.
 */
export function SyncStatus() {
  const status = useSyncStatus();
  useConnectionAnnouncements(status);
  const pending = usePendingWrites();
  const issues = useSyncIssues();
  const { dismissIssue } = useSyncActions();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const text = label(status);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || !open) return;
    event.preventDefault();
    setOpen(false);
    buttonRef.current?.focus();
  };
  const dismiss = (event: MouseEvent<HTMLButtonElement>, issueId: string) => {
    const item = event.currentTarget.closest("li");
    const neighbour = (item?.nextElementSibling ?? item?.previousElementSibling)?.querySelector("button");
    (neighbour ?? buttonRef.current)?.focus();
    void dismissIssue(issueId);
  };
  return (
    <div className="sync-status" data-phase={status.phase} onKeyDown={onKeyDown}>
      <button
        ref={buttonRef}
        type="button"
        className="btn btn-small sync-status-button"
        aria-expanded={open}
        aria-controls={panelId}
        title={status.lastError ?? text}
        onClick={() => setOpen((value) => !value)}
      >
        <span className="sync-status-dot" aria-hidden="true" />
        {text}
        {issues.length > 0 ? <span className="sync-status-badge">{issues.length}</span> : null}
      </button>
      {open ? (
        <div id={panelId} className="sync-status-panel" role="region" aria-label="Sync status">
          {status.lastError ? <p role="alert">{status.lastError}</p> : null}
          {status.storage === "memory" ? (
            <p>Offline storage is unavailable: pending changes are kept in this tab only.</p>
          ) : null}
          <h2>Pending changes</h2>
          {pending.length === 0 ? (
            <p>{issues.length === 0 ? "Everything is saved." : "Nothing is waiting to be sent, but the changes below were not saved."}</p>
          ) : (
            <ol aria-label="Pending changes">
              {pending.map((item) => (
                <li key={item.opId}>
                  {item.label} <time dateTime={new Date(item.createdAt).toISOString()}>{new Date(item.createdAt).toLocaleTimeString()}</time>
                </li>
              ))}
            </ol>
          )}
          {issues.length > 0 ? (
            <>
              <h2>Needs attention</h2>
              <ul aria-label="Sync problems">
                {issues.map((issue) => (
                  <li key={issue.id} data-kind={issue.kind}>
                    <span>
                      {issue.label ? <strong>{issue.label}: not saved. </strong> : null}
                      {issue.message}
                    </span>
                    <button type="button" className="btn btn-small" onClick={(event) => dismiss(event, issue.id)}>
                      Dismiss
                    </button>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

/**
 * Says the changes of connection a sighted person sees on the button: going offline, coming back, and the end of
 * the sync that sends what was kept meanwhile (or held by a pause). Only changes are said, never the state found on
 * mount (a page just opened). Online, every autosave passes through "syncing" for a moment: that sync's end is not
 * said, or a screen reader would say "All changes are synced" at each pause in typing.
 */
function useConnectionAnnouncements(status: SyncStatusInfo) {
  const previous = useRef(status.phase);
  // Set once offline or paused: the next return to "online" ends a catch-up worth saying.
  const catchingUp = useRef(false);
  useEffect(() => {
    const was = previous.current;
    previous.current = status.phase;
    if (was === status.phase) return;
    if (status.phase === "offline") {
      catchingUp.current = true;
      announce("You are offline. Changes are kept in this browser and sent when you are back online.");
    } else if (was === "offline") {
      catchingUp.current = status.phase === "syncing";
      announce(status.phase === "syncing" ? "Back online. Sending your changes…" : "Back online.");
    } else if (status.phase === "error") {
      catchingUp.current = true;
      announce(status.lastError ? `Sync paused: ${status.lastError}` : "Sync paused.");
    } else if (status.phase === "online" && catchingUp.current) {
      catchingUp.current = false;
      announce("All changes are synced.");
    }
  }, [status.phase, status.lastError]);
}
