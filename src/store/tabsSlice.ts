import type { StateCreator } from "zustand";
import type { Id } from "../../convex/_generated/dataModel";
import { readJson, writeJson } from "../lib/storage";
import type { AppState } from "./index";

export type FileId = Id<"files">;

export interface EditorTab {
  fileId: FileId;
  // A preview tab is replaced by the next preview open; editing or an explicit open pins it.
  preview: boolean;
  // The file was deleted on the server while this tab held unsaved text; the text is kept until closed.
  deleted: boolean;
}

export type SaveState = { kind: "saved" } | { kind: "saving" } | { kind: "error"; message: string };

export interface OpenFileOptions {
  preview?: boolean;
  focusEditor?: boolean;
}

export interface CloseTabOptions {
  /** Ask for the editor of the tab that is active after the close (same rules as `openFile`'s focusEditor). */
  focusEditor?: boolean;
}

export interface TabsSlice {
  // Tabs belong to one project; switching projects restores that project's tabs as last left (localStorage).
  tabsProjectId: Id<"projects"> | null;
  tabs: EditorTab[];
  activeFileId: FileId | null;
  // Invariant: only open tabs appear in dirtyFiles and saveStates.
  dirtyFiles: Partial<Record<FileId, true>>;
  saveStates: Partial<Record<FileId, SaveState>>;
  /**
   * The editor focuses itself once it shows this file, through `claimEditorFocus`. A request is only good while
   * focus stays where it was once the opening action settled: the first focus change after that drops it, so a
   * file that finishes loading late never pulls keystrokes away from a dialog, a text field or the chat.
   */
  pendingEditorFocus: FileId | null;

  setTabsProject: (projectId: Id<"projects">) => void;
  openFile: (fileId: FileId, options?: OpenFileOptions) => void;
  pinTab: (fileId: FileId) => void;
  activateTab: (fileId: FileId) => void;
  closeTab: (fileId: FileId, options?: CloseTabOptions) => void;
  /** Drops tabs (not holding unsaved text) whose files `exists` does not know, e.g. restored ones since deleted. */
  pruneTabs: (exists: (fileId: FileId) => boolean) => void;
  cycleTab: (delta: 1 | -1) => void;
  setTabDirty: (fileId: FileId, dirty: boolean) => void;
  setSaveState: (fileId: FileId, state: SaveState) => void;
  markTabDeleted: (fileId: FileId) => void;
  /** Ends the focus request for `fileId`; true when the editor should take focus now. */
  claimEditorFocus: (fileId: FileId) => boolean;
  /**
   * Moves everything held for `from` to `to` (a file created offline got its real id): the tab keeps its place,
   * preview and deleted flags, and its dirty and save state. When `to` has a tab already, that tab gives way.
   */
  replaceFileId: (from: FileId, to: FileId) => void;
}

function renamed<K extends string, V>(record: Partial<Record<K, V>>, from: K, to: K): Partial<Record<K, V>> {
  if (!(from in record)) return without(record, to);
  const next = { ...record, [to]: record[from] };
  delete next[from];
  return next;
}

function without<K extends string, V>(record: Partial<Record<K, V>>, key: K): Partial<Record<K, V>> {
  if (!(key in record)) return record;
  const next = { ...record };
  delete next[key];
  return next;
}

const TABS_KEY = "polaris.tabs";
const MAX_SAVED_TABS = 40;
const MAX_SAVED_PROJECTS = 20;

interface SavedTabs {
  tabs: { id: string; preview: boolean }[];
  active: string | null;
  at: number;
}

function savedProjects(): Record<string, SavedTabs> {
  const value = readJson(TABS_KEY);
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, SavedTabs>) : {};
}

/** The tabs last left open in a project; whatever is malformed in storage reads as no tabs. */
function loadTabs(projectId: string): Pick<TabsSlice, "tabs" | "activeFileId"> {
  const saved = savedProjects()[projectId] as Partial<SavedTabs> | undefined;
  const tabs: EditorTab[] = [];
  if (Array.isArray(saved?.tabs)) {
    for (const t of saved.tabs.slice(0, MAX_SAVED_TABS) as unknown[]) {
      if (!t || typeof t !== "object") continue;
      const { id, preview } = t as { id?: unknown; preview?: unknown };
      if (typeof id !== "string" || id === "" || tabs.some((x) => x.fileId === id)) continue;
      tabs.push({ fileId: id as FileId, preview: preview === true, deleted: false });
    }
  }
  const active = tabs.find((t) => t.fileId === saved?.active)?.fileId ?? tabs[0]?.fileId ?? null;
  return { tabs, activeFileId: active };
}

/** Keeps the open tabs (not their text: unsaved text lives in the offline outbox) of the most recent projects. */
function saveTabs(projectId: string, tabs: readonly EditorTab[], activeFileId: FileId | null) {
  const all = Object.entries(savedProjects()).filter(
    ([id, v]) => id !== projectId && v && typeof v === "object" && typeof v.at === "number",
  );
  if (tabs.length > 0) {
    // Strictly newest, even within one millisecond, so the oldest project is the one that drops out.
    const at = Math.max(Date.now(), ...all.map(([, v]) => v.at + 1));
    all.push([
      projectId,
      { tabs: tabs.slice(0, MAX_SAVED_TABS).map((t) => ({ id: t.fileId, preview: t.preview })), active: activeFileId, at },
    ]);
  }
  const kept = all.sort(([, a], [, b]) => b.at - a.at).slice(0, MAX_SAVED_PROJECTS);
  writeJson(TABS_KEY, Object.fromEntries(kept));
}

/**
 * The DOM side of an editor focus request. The action that asked (Enter in "Go to File", a click in the tree)
 * may still move focus itself while it finishes, in the same task (a dialog closing hands focus back); from
 * the next task on, the focused element is the baseline and focus moving anywhere ends the request.
 */
class FocusRequest {
  private baseline: Element | null = null;
  private settled = false;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    public fileId: FileId,
    private readonly onMoved: () => void,
  ) {
    if (typeof document === "undefined") return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.settled = true;
      this.baseline = document.activeElement;
      document.addEventListener("focusin", this.moved, true);
    }, 0);
  }

  private readonly moved = () => {
    this.release();
    this.onMoved();
  };

  /**
   * Whether taking focus now would not take it from something the person moved to. Focus on nothing (the
   * body, e.g. after the focused button was removed) takes no keystrokes, so taking it from there is harmless.
   */
  stillWanted(): boolean {
    if (typeof document === "undefined") return true;
    const active = document.activeElement;
    if (!active || active === document.body) return true;
    if (active.closest('[role="dialog"], [role="alertdialog"], [aria-modal="true"]')) return false;
    return !this.settled || active === this.baseline;
  }

  release() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (typeof document === "undefined") return;
    document.removeEventListener("focusin", this.moved, true);
  }
}

const emptyTabs = {
  tabs: [],
  activeFileId: null,
  dirtyFiles: {},
  saveStates: {},
  pendingEditorFocus: null,
} satisfies Partial<TabsSlice>;

export const createTabsSlice: StateCreator<AppState, [], [], TabsSlice> = (rawSet, get) => {
  let focusRequest: FocusRequest | null = null;
  let savedSnapshot = "";

  const snapshotOf = (s: Pick<TabsSlice, "tabsProjectId" | "activeFileId" | "tabs">) =>
    JSON.stringify([s.tabsProjectId, s.activeFileId, s.tabs.map((t) => [t.fileId, t.preview])]);

  /** Keeps the DOM focus request and the saved tabs in step with the state after every change. */
  function afterChange(newFocusRequest: boolean) {
    const s = get();
    const pending = s.pendingEditorFocus;
    if (newFocusRequest || pending !== (focusRequest?.fileId ?? null)) {
      focusRequest?.release();
      focusRequest = null;
      if (pending) {
        const request: FocusRequest = new FocusRequest(pending, () => {
          if (focusRequest !== request) return;
          focusRequest = null;
          if (get().pendingEditorFocus === request.fileId) rawSet({ pendingEditorFocus: null });
        });
        focusRequest = request;
      }
    }
    const snapshot = snapshotOf(s);
    if (s.tabsProjectId && snapshot !== savedSnapshot) {
      savedSnapshot = snapshot;
      saveTabs(s.tabsProjectId, s.tabs, s.activeFileId);
    }
  }

  const set = (recipe: (s: AppState) => AppState | Partial<AppState>, newFocusRequest = false) => {
    rawSet(recipe);
    afterChange(newFocusRequest);
  };

  return {
    tabsProjectId: null,
    ...emptyTabs,

    setTabsProject: (projectId) =>
      set((s) => {
        if (s.tabsProjectId === projectId) return s;
        const restored = { ...emptyTabs, ...loadTabs(projectId), tabsProjectId: projectId };
        savedSnapshot = snapshotOf(restored);
        return restored;
      }),

    openFile: (fileId, options = {}) =>
      set((s) => {
        const preview = options.preview ?? false;
        const pendingEditorFocus = options.focusEditor ? fileId : s.pendingEditorFocus;
        const existing = s.tabs.find((t) => t.fileId === fileId);
        if (existing) {
          const tabs =
            existing.preview && !preview
              ? s.tabs.map((t) => (t.fileId === fileId ? { ...t, preview: false } : t))
              : s.tabs;
          return { tabs, activeFileId: fileId, pendingEditorFocus };
        }
        const tab: EditorTab = { fileId, preview, deleted: false };
        const previewIndex = preview ? s.tabs.findIndex((t) => t.preview) : -1;
        if (previewIndex >= 0) {
          const replaced = s.tabs[previewIndex].fileId;
          const tabs = s.tabs.slice();
          tabs[previewIndex] = tab;
          return {
            tabs,
            activeFileId: fileId,
            pendingEditorFocus,
            dirtyFiles: without(s.dirtyFiles, replaced),
            saveStates: without(s.saveStates, replaced),
          };
        }
        const activeIndex = s.tabs.findIndex((t) => t.fileId === s.activeFileId);
        const tabs = s.tabs.slice();
        tabs.splice(activeIndex >= 0 ? activeIndex + 1 : tabs.length, 0, tab);
        return { tabs, activeFileId: fileId, pendingEditorFocus };
      }, options.focusEditor === true),

    pinTab: (fileId) =>
      set((s) =>
        s.tabs.some((t) => t.fileId === fileId && t.preview)
          ? { tabs: s.tabs.map((t) => (t.fileId === fileId ? { ...t, preview: false } : t)) }
          : s,
      ),

    activateTab: (fileId) => set((s) => (s.tabs.some((t) => t.fileId === fileId) ? { activeFileId: fileId } : s)),

    closeTab: (fileId, options = {}) => {
      let closed = false;
      set((s) => {
        const index = s.tabs.findIndex((t) => t.fileId === fileId);
        if (index < 0) return s;
        closed = true;
        const tabs = s.tabs.filter((t) => t.fileId !== fileId);
        const neighbour = tabs[Math.min(index, tabs.length - 1)];
        const activeFileId = s.activeFileId === fileId ? (neighbour?.fileId ?? null) : s.activeFileId;
        const pendingEditorFocus = options.focusEditor
          ? activeFileId
          : s.pendingEditorFocus === fileId
            ? null
            : s.pendingEditorFocus;
        return {
          tabs,
          activeFileId,
          dirtyFiles: without(s.dirtyFiles, fileId),
          saveStates: without(s.saveStates, fileId),
          pendingEditorFocus,
        };
      }, options.focusEditor === true);
      if (!closed && options.focusEditor) afterChange(false);
    },

    pruneTabs: (exists) =>
      set((s) => {
        const tabs = s.tabs.filter((t) => exists(t.fileId) || s.dirtyFiles[t.fileId]);
        if (tabs.length === s.tabs.length) return s;
        const gone = (id: FileId | null) => id !== null && !tabs.some((t) => t.fileId === id);
        const activeIndex = s.tabs.findIndex((t) => t.fileId === s.activeFileId);
        const survivor = s.tabs.slice(activeIndex + 1).find((t) => !gone(t.fileId)) ?? tabs[tabs.length - 1];
        let { dirtyFiles, saveStates } = s;
        for (const t of s.tabs) {
          if (!gone(t.fileId)) continue;
          dirtyFiles = without(dirtyFiles, t.fileId);
          saveStates = without(saveStates, t.fileId);
        }
        return {
          tabs,
          activeFileId: gone(s.activeFileId) ? (survivor?.fileId ?? null) : s.activeFileId,
          dirtyFiles,
          saveStates,
          pendingEditorFocus: gone(s.pendingEditorFocus) ? null : s.pendingEditorFocus,
        };
      }),

    cycleTab: (delta) =>
      set((s) => {
        if (s.tabs.length === 0) return s;
        const index = s.tabs.findIndex((t) => t.fileId === s.activeFileId);
        const next = (index + delta + s.tabs.length) % s.tabs.length;
        return { activeFileId: s.tabs[next].fileId };
      }),

    setTabDirty: (fileId, dirty) =>
      set((s) => {
        if (!s.tabs.some((t) => t.fileId === fileId) || Boolean(s.dirtyFiles[fileId]) === dirty) return s;
        return { dirtyFiles: dirty ? { ...s.dirtyFiles, [fileId]: true } : without(s.dirtyFiles, fileId) };
      }),

    setSaveState: (fileId, state) =>
      set((s) => {
        if (!s.tabs.some((t) => t.fileId === fileId)) return s;
        const current = s.saveStates[fileId];
        if (current?.kind === state.kind && (current.kind !== "error" || current.message === (state as typeof current).message)) {
          return s;
        }
        return { saveStates: { ...s.saveStates, [fileId]: state } };
      }),

    markTabDeleted: (fileId) =>
      set((s) =>
        s.tabs.some((t) => t.fileId === fileId && !t.deleted)
          ? { tabs: s.tabs.map((t) => (t.fileId === fileId ? { ...t, deleted: true, preview: false } : t)) }
          : s,
      ),

    claimEditorFocus: (fileId) => {
      if (get().pendingEditorFocus !== fileId) return false;
      const wanted = focusRequest?.fileId === fileId ? focusRequest.stillWanted() : true;
      set(() => ({ pendingEditorFocus: null }));
      return wanted;
    },

    replaceFileId: (from, to) =>
      set((s) => {
        if (from === to || !s.tabs.some((t) => t.fileId === from)) return s;
        if (focusRequest?.fileId === from) focusRequest.fileId = to;
        const tabs = s.tabs.filter((t) => t.fileId !== to).map((t) => (t.fileId === from ? { ...t, fileId: to } : t));
        const swap = (id: FileId | null) => (id === from ? to : id);
        return {
          tabs,
          activeFileId: swap(s.activeFileId),
          pendingEditorFocus: swap(s.pendingEditorFocus),
          dirtyFiles: renamed(s.dirtyFiles, from, to),
          saveStates: renamed(s.saveStates, from, to),
        };
      }),
  };
};
