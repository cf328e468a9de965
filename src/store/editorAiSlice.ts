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
   * The deployment has no AI provider: the server says so (`ai/status:provider`, live, so setting one clears it)
   * or an editor AI action answered AI_NOT_CONFIGURED. Suggestions do not ask meanwhile.
   */
  aiProviderMissing: boolean;
  /** The server has answered whether a provider is configured (or an AI action found none): until then the status
   * bar promises neither "on" nor "no provider". */
  aiProviderKnown: boolean;
  /** The provider's model as the server names it, once known. */
  aiModel: string | null;
  setGhostTextOn: (on: boolean) => void;
  markAiProviderMissing: () => void;
  setAiProvider: (status: { configured: boolean; model: string | null }) => void;
}

export const createEditorAiSlice: StateCreator<AppState, [], [], EditorAiSlice> = (set) => ({
  ghostTextOn: true,
  aiProviderMissing: false,
  aiProviderKnown: false,
  aiModel: null,
  setGhostTextOn: (on) => set({ ghostTextOn: on }),
  markAiProviderMissing: () => set({ aiProviderMissing: true, aiProviderKnown: true }),
  setAiProvider: ({ configured, model }) => set({ aiProviderMissing: !configured, aiProviderKnown: true, aiModel: model }),
});
