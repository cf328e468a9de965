import type { StateCreator } from "zustand";
import type { AppState } from "./index";

/**
 * The editor's AI settings, shared by the lazily loaded CodeMirror extensions (src/features/editor-ai) and the
 * status bar toggle. The ghost-text switch is the person's choice, kept across reloads by persistence.ts.
 */
export interface EditorAiSlice {
  /** Ghost-text suggestions are switched on (the default). */
  ghostTextOn: boolean;
  /**
   * An editor AI action answered AI_NOT_CONFIGURED: suggestions stop asking for the rest of the page's life (the
   * operator configures a provider with a backend restart, and the page is reloaded).
   */
  aiProviderMissing: boolean;
  setGhostTextOn: (on: boolean) => void;
  markAiProviderMissing: () => void;
}

export const createEditorAiSlice: StateCreator<AppState, [], [], EditorAiSlice> = (set) => ({
  ghostTextOn: true,
  aiProviderMissing: false,
  setGhostTextOn: (on) => set({ ghostTextOn: on }),
  markAiProviderMissing: () => set({ aiProviderMissing: true }),
});
