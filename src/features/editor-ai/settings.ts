import { useEffect } from "react";
import { api } from "../../../convex/_generated/api";
import { useAfterFirstRows } from "../../lib/afterFirstRows";
import { useAppStore, useShallow } from "../../store";
import { storedGhostText } from "../../store/persistence";
import { useSyncedQuery } from "../sync";

// The editor AI settings as the editor's extensions and the status bar toggle use them. The state lives in the
// app store (src/store/editorAiSlice.ts, kept across reloads by src/store/persistence.ts); this module has no
// CodeMirror import, so the app shell can show the toggle without loading the editor.

/** Whether ghost-text suggestions are on (the person's choice; on by default). */
export function ghostTextEnabled(): boolean {
  return useAppStore.getState().ghostTextOn;
}

export function setGhostTextEnabled(on: boolean): void {
  useAppStore.getState().setGhostTextOn(on);
}

/** Recorded when an editor AI action answers AI_NOT_CONFIGURED (see EditorAiSlice.aiProviderMissing). */
export function markProviderMissing(): void {
  useAppStore.getState().markAiProviderMissing();
}

export function aiProviderMissing(): boolean {
  return useAppStore.getState().aiProviderMissing;
}

/** Ghost text asks the server only when this is true. */
export function ghostTextActive(): boolean {
  const { ghostTextOn, aiProviderMissing } = useAppStore.getState();
  return ghostTextOn && !aiProviderMissing;
}

export function useGhostTextSetting(): { enabled: boolean; providerMissing: boolean; providerKnown: boolean } {
  return useAppStore(
    useShallow((s) => ({ enabled: s.ghostTextOn, providerMissing: s.aiProviderMissing, providerKnown: s.aiProviderKnown })),
  );
}

/**
 * Keeps the store's provider state in step with the server's answer (live: configuring a provider clears "no
 * provider" without a reload). Mounted once by the workspace. Read on the read path like every other query
 * (docs/architecture.md, "Reads and writes in the SPA"). Asked once the tree has shown its first rows
 * (lib/afterFirstRows.ts): until then the state stays unknown, which the toggle shows as such.
 */
export function useAiProviderStatus(): void {
  const status = useSyncedQuery(api.ai.status.provider, useAfterFirstRows() ? {} : "skip");
  useEffect(() => {
    if (status !== undefined) useAppStore.getState().setAiProvider(status);
  }, [status]);
}

/** For tests: back to the stored setting and an unknown provider state. */
export function resetEditorAiSettings(): void {
  useAppStore.setState({ aiProviderMissing: false, aiProviderKnown: false, aiModel: null, ghostTextOn: storedGhostText() });
}
