import type { StateCreator } from "zustand";
import type { AppState } from "./index";
import type { FileId } from "./tabsSlice";

/** A place in a file the editor should select and scroll to once it shows that file (1-based line, 0-based column). */
export interface RevealTarget {
  fileId: FileId;
  line: number;
  column: number;
  length: number;
  /** A new number per request, so revealing the same place again selects it again. */
  number: number;
}

/** The Search panel (Ctrl/Cmd+Shift+F, src/features/search) and the editor's "go to this match" requests. */
export interface SearchSlice {
  searchOpen: boolean;
  setSearchOpen: (open: boolean) => void;
  reveal: RevealTarget | null;
  requestReveal: (target: Omit<RevealTarget, "number">) => void;
  /** Ends the request `number` once the editor has shown it. */
  endReveal: (number: number) => void;
}

export const createSearchSlice: StateCreator<AppState, [], [], SearchSlice> = (set) => ({
  searchOpen: false,
  setSearchOpen: (open) => set({ searchOpen: open }),
  reveal: null,
  requestReveal: (target) => set((s) => ({ reveal: { ...target, number: (s.reveal?.number ?? 0) + 1 } })),
  endReveal: (number) => set((s) => (s.reveal?.number === number ? { reveal: null } : s)),
});
