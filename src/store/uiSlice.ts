import type { StateCreator } from "zustand";
import type { AppState } from "./index";

export interface UiSlice {
  settingsOpen: boolean;
  setSettingsOpen: (open: boolean) => void;
}

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  settingsOpen: false,
  setSettingsOpen: (open) => set({ settingsOpen: open }),
});
