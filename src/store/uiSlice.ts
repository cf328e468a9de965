import type { StateCreator } from "zustand";
import type { AppState } from "./index";

export type ToastKind = "info" | "success" | "error";

export interface Toast {
  id: number;
  message: string;
  kind: ToastKind;
}

export interface UiSlice {
  settingsOpen: boolean;
  setSettingsOpen: (open: boolean) => void;
  /** The terminal panel (Ctrl+`). */
  terminalOpen: boolean;
  setTerminalOpen: (open: boolean) => void;
  /** Newest last. Shown by the Toaster; written through `notify` in src/lib/notify.ts. */
  toasts: Toast[];
  pushToast: (message: string, kind: ToastKind) => number;
  dismissToast: (id: number) => void;
}

const MAX_TOASTS = 4;
let nextToastId = 1;

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  settingsOpen: false,
  setSettingsOpen: (open) => set({ settingsOpen: open }),
  terminalOpen: false,
  setTerminalOpen: (open) => set({ terminalOpen: open }),
  toasts: [],
  pushToast: (message, kind) => {
    const id = nextToastId++;
    set((state) => ({ toasts: [...state.toasts, { id, message, kind }].slice(-MAX_TOASTS) }));
    return id;
  },
  dismissToast: (id) => set((state) => ({ toasts: state.toasts.filter((t) => t.id !== id) })),
});
