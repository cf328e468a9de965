import { useSyncExternalStore } from "react";

// Editor AI settings shared by the (lazily loaded) CodeMirror extensions and the status bar toggle. This module
// has no CodeMirror import, so the app shell can show the toggle without loading the editor.

const GHOST_TEXT_KEY = "polaris.editor.ghostText";

const listeners = new Set<() => void>();
let providerMissing = false;

function readStored(): boolean {
  try {
    return localStorage.getItem(GHOST_TEXT_KEY) !== "off";
  } catch {
    // Storage can be blocked (privacy settings): the default applies.
    return true;
  }
}

let ghostTextOn = readStored();

function notify() {
  for (const listener of listeners) listener();
}

/** Whether ghost-text suggestions are on (the person's choice, kept in localStorage; on by default). */
export function ghostTextEnabled(): boolean {
  return ghostTextOn;
}

export function setGhostTextEnabled(on: boolean): void {
  if (on === ghostTextOn) return;
  ghostTextOn = on;
  try {
    localStorage.setItem(GHOST_TEXT_KEY, on ? "on" : "off");
  } catch {
    // Not persisted; the choice holds for this page.
  }
  notify();
}

/**
 * Recorded when an editor AI action answers AI_NOT_CONFIGURED: suggestions then stop asking for the rest of
 * the page's life (the operator configures a provider with a backend restart, and the page is reloaded).
 */
export function markProviderMissing(): void {
  if (providerMissing) return;
  providerMissing = true;
  notify();
}

export function aiProviderMissing(): boolean {
  return providerMissing;
}

/** Ghost text asks the server only when this is true. */
export function ghostTextActive(): boolean {
  return ghostTextOn && !providerMissing;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useGhostTextSetting(): { enabled: boolean; providerMissing: boolean } {
  const enabled = useSyncExternalStore(subscribe, ghostTextEnabled, ghostTextEnabled);
  const missing = useSyncExternalStore(subscribe, aiProviderMissing, aiProviderMissing);
  return { enabled, providerMissing: missing };
}

/** For tests: back to the stored setting and an unknown provider state. */
export function resetEditorAiSettings(): void {
  providerMissing = false;
  ghostTextOn = readStored();
  notify();
}
