import type { StateCreator } from "zustand";
import type { AppState } from "./index";

export type ToastKind = "info" | "success" | "error";

/** A button on a toast ("Undo"): pressing it runs `run` and dismisses the toast. */
export interface ToastAction {
  label: string;
  run: () => void;
}

export interface Toast {
  id: number;
  message: string;
  kind: ToastKind;
  action?: ToastAction;
}

/** The change of an assistant answer whose diff the editor area shows (src/features/review). */
export interface ReviewTarget {
  messageId: string;
  changeId: string;
}

export interface UiSlice {
  /** The project's Settings dialog: closed, opened to edit, or opened by Run to ask for the command it lacks. */
  settingsOpen: false | "edit" | "run";
  review: ReviewTarget | null;
  setReview: (review: ReviewTarget | null) => void;
  setSettingsOpen: (open: false | "edit" | "run") => void;
  /** The terminal panel (Ctrl+`). */
  terminalOpen: boolean;
  setTerminalOpen: (open: boolean) => void;
  /** Newest last. Shown by the Toaster; written through `notify` in src/lib/notify.ts. */
  toasts: Toast[];
  pushToast: (message: string, kind: ToastKind, action?: ToastAction) => number;
  dismissToast: (id: number) => void;
  /** The latest message for screen readers only (src/lib/announce.ts); a new id re-announces the same text. */
  announcement: { id: number; text: string } | null;
  announce: (text: string) => void;
  /** The editor's Tab moves focus instead of indenting (Ctrl+M, as in VS Code); for this session. */
  tabMovesFocus: boolean;
  setTabMovesFocus: (on: boolean) => void;
}

const MAX_TOASTS = 4;
let nextToastId = 1;

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  settingsOpen: false,
  setSettingsOpen: (open) => set({ settingsOpen: open }),
  review: null,
  setReview: (review) => set({ review }),
  terminalOpen: false,
  setTerminalOpen: (open) => set({ terminalOpen: open }),
  toasts: [],
  pushToast: (message, kind, action) => {
    const id = nextToastId++;
    set((state) => ({ toasts: [...state.toasts, { id, message, kind, ...(action ? { action } : {}) }].slice(-MAX_TOASTS) }));
    return id;
  },
  dismissToast: (id) => set((state) => ({ toasts: state.toasts.filter((t) => t.id !== id) })),
  announcement: null,
  announce: (text) => set((state) => ({ announcement: { id: (state.announcement?.id ?? 0) + 1, text } })),
  tabMovesFocus: false,
  setTabMovesFocus: (on) => set({ tabMovesFocus: on }),
});
