import type { StateCreator } from "zustand";
import type { AppState } from "./index";
import type { ReplacePlan } from "../features/search/replace";
import type { FileId } from "./tabsSlice";

/**
 * How many replace steps a project keeps for Undo replace. Each step holds the texts of the files it changed
 * (before and after), so the stack is bounded; the oldest step goes first.
 */
export const MAX_REPLACE_STEPS = 20;

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
  /**
   * Undo replace's stack per project, newest step last: each Replace all, replace in file and replace one is a step.
   * It outlives the Search panel (closing it keeps the steps), not the page.
   */
  replaceSteps: Readonly<Record<string, readonly ReplacePlan[]>>;
  pushReplaceStep: (projectId: string, step: ReplacePlan) => void;
  /** Drops `step` once undone; only the newest step can be, so anything else is left alone. */
  popReplaceStep: (projectId: string, step: ReplacePlan) => void;
}

export const createSearchSlice: StateCreator<AppState, [], [], SearchSlice> = (set) => ({
  searchOpen: false,
  setSearchOpen: (open) => set({ searchOpen: open }),
  reveal: null,
  requestReveal: (target) => set((s) => ({ reveal: { ...target, number: (s.reveal?.number ?? 0) + 1 } })),
  endReveal: (number) => set((s) => (s.reveal?.number === number ? { reveal: null } : s)),
  replaceSteps: {},
  pushReplaceStep: (projectId, step) =>
    set((s) => ({ replaceSteps: { ...s.replaceSteps, [projectId]: [...(s.replaceSteps[projectId] ?? []), step].slice(-MAX_REPLACE_STEPS) } })),
  popReplaceStep: (projectId, step) =>
    set((s) => {
      const steps = s.replaceSteps[projectId] ?? [];
      return steps.at(-1) === step ? { replaceSteps: { ...s.replaceSteps, [projectId]: steps.slice(0, -1) } } : s;
    }),
});
