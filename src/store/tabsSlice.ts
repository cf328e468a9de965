import type { StateCreator } from "zustand";
import type { Id } from "../../convex/_generated/dataModel";
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
  /**
   * The number `reserveEditorFocus` returned: this opening fulfils that request, so the keys held since it was
   * made go to this file. Ignored (no focus) when the request has ended meanwhile, e.g. focus moved elsewhere.
   */
  focusRequest?: number;
}

/** `pendingEditorFocus` of a request made before the file to focus exists (`reserveEditorFocus`). */
export const RESERVED_EDITOR_FOCUS = "reserved-editor-focus" as FileId;

export interface CloseTabOptions {
  /** Ask for the editor of the tab that is active after the close (same rules as `openFile`'s focusEditor). */
  focusEditor?: boolean;
}

/**
 * The editor's tabs. Actions are pure state changes: the tabs are kept across reloads by the store's persistence
 * subscriber (persistence.ts), and the DOM side of editor focus requests lives in editorFocus.ts.
 */
export interface TabsSlice {
  // Tabs belong to one project; switching projects restores that project's tabs as last left (persistence.ts).
  tabsProjectId: Id<"projects"> | null;
  tabs: EditorTab[];
  activeFileId: FileId | null;
  // Invariant: only open tabs appear in dirtyFiles and saveStates.
  dirtyFiles: Partial<Record<FileId, true>>;
  saveStates: Partial<Record<FileId, SaveState>>;
  /**
   * The editor focuses itself once it shows this file, through `claimEditorFocus` (editorFocus.ts). A request is
   * only good while focus stays where it was once the opening action finished: the first focus change after that
   * drops it, so a file that finishes loading late never pulls keystrokes away from a dialog, a text field or the
   * chat.
   */
  pendingEditorFocus: FileId | null;
  /** A new number for every focus request, so asking again for the same file starts a new request. */
  editorFocusRequest: number;
  /**
   * Text typed for a file while its editor loaded, whose focus request then ended without the editor taking focus
   * (the person went elsewhere: Ctrl/Cmd+Shift+E, a click, a dialog). The editor inserts it when it shows the file,
   * without taking focus (editorFocus.ts `claim`): what was typed is kept, and focus stays where the person went.
   */
  typedAhead: Partial<Record<FileId, string>>;
  /** The same for a request made before its file existed (`reserveEditorFocus`), until the file is opened. */
  typedAheadReserved: { request: number; text: string } | null;

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
  /**
   * Starts a focus request for a file that does not exist yet (a new file whose create is on its way): keys
   * typed meanwhile are held for it. Returns the request's number, for `openFile`'s `focusRequest`.
   */
  reserveEditorFocus: () => number;
  /** Ends the focus request `request` (a number of `editorFocusRequest`), if it is still the current one. */
  endEditorFocusRequest: (request: number) => void;
  /** Keeps `text`, typed under focus request `request` for `fileId` (or its reservation), in `typedAhead`. */
  keepTypedAhead: (request: number, fileId: FileId, text: string) => void;
  /** Removes and returns what `typedAhead` holds for `fileId` ("" when nothing). */
  takeTypedAhead: (fileId: FileId) => string;
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

/** The tabs of a project with none open: what switching projects starts from (and tests reset to). */
export const emptyTabs = {
  tabs: [],
  activeFileId: null,
  dirtyFiles: {},
  saveStates: {},
  pendingEditorFocus: null,
  typedAhead: {},
  typedAheadReserved: null,
} satisfies Partial<TabsSlice>;

/** Opening `fileId` for reserved request `request`: text typed ahead under that reservation becomes the file's. */
function adoptTypedAhead(s: TabsSlice, fileId: FileId, request: number | undefined): Partial<TabsSlice> {
  const reserved = s.typedAheadReserved;
  if (reserved === null || request === undefined || reserved.request !== request) return {};
  return { typedAhead: { ...s.typedAhead, [fileId]: (s.typedAhead[fileId] ?? "") + reserved.text }, typedAheadReserved: null };
}

/** The fields of a new focus request for `fileId` (null: no file to focus, the current request ends). */
const focusRequest = (s: TabsSlice, fileId: FileId | null) => ({
  pendingEditorFocus: fileId,
  editorFocusRequest: s.editorFocusRequest + 1,
});

export const createTabsSlice: StateCreator<AppState, [], [], TabsSlice> = (set) => ({
  tabsProjectId: null,
  ...emptyTabs,
  editorFocusRequest: 0,

  setTabsProject: (projectId) =>
    set((s) => (s.tabsProjectId === projectId ? s : { ...emptyTabs, tabsProjectId: projectId })),

  openFile: (fileId, options = {}) =>
    set((s) => {
      const preview = options.preview ?? false;
      const fulfils =
        options.focusRequest !== undefined &&
        options.focusRequest === s.editorFocusRequest &&
        s.pendingEditorFocus === RESERVED_EDITOR_FOCUS;
      // A reserved request goes on under the file's id (same number: its held keys are kept).
      const focus = {
        ...(fulfils ? { pendingEditorFocus: fileId } : options.focusEditor ? focusRequest(s, fileId) : {}),
        ...adoptTypedAhead(s, fileId, options.focusRequest),
      };
      const existing = s.tabs.find((t) => t.fileId === fileId);
      if (existing) {
        const tabs =
          existing.preview && !preview
            ? s.tabs.map((t) => (t.fileId === fileId ? { ...t, preview: false } : t))
            : s.tabs;
        return { tabs, activeFileId: fileId, ...focus };
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
          ...focus,
          dirtyFiles: without(s.dirtyFiles, replaced),
          saveStates: without(s.saveStates, replaced),
        };
      }
      const activeIndex = s.tabs.findIndex((t) => t.fileId === s.activeFileId);
      const tabs = s.tabs.slice();
      tabs.splice(activeIndex >= 0 ? activeIndex + 1 : tabs.length, 0, tab);
      return { tabs, activeFileId: fileId, ...focus };
    }),

  pinTab: (fileId) =>
    set((s) =>
      s.tabs.some((t) => t.fileId === fileId && t.preview)
        ? { tabs: s.tabs.map((t) => (t.fileId === fileId ? { ...t, preview: false } : t)) }
        : s,
    ),

  activateTab: (fileId) => set((s) => (s.tabs.some((t) => t.fileId === fileId) ? { activeFileId: fileId } : s)),

  closeTab: (fileId, options = {}) =>
    set((s) => {
      const index = s.tabs.findIndex((t) => t.fileId === fileId);
      if (index < 0) return s;
      const tabs = s.tabs.filter((t) => t.fileId !== fileId);
      const neighbour = tabs[Math.min(index, tabs.length - 1)];
      const activeFileId = s.activeFileId === fileId ? (neighbour?.fileId ?? null) : s.activeFileId;
      const focus = options.focusEditor
        ? focusRequest(s, activeFileId)
        : { pendingEditorFocus: s.pendingEditorFocus === fileId ? null : s.pendingEditorFocus };
      return {
        tabs,
        activeFileId,
        dirtyFiles: without(s.dirtyFiles, fileId),
        saveStates: without(s.saveStates, fileId),
        typedAhead: without(s.typedAhead, fileId),
        ...focus,
      };
    }),

  pruneTabs: (exists) =>
    set((s) => {
      const tabs = s.tabs.filter((t) => exists(t.fileId) || s.dirtyFiles[t.fileId]);
      if (tabs.length === s.tabs.length) return s;
      const gone = (id: FileId | null) => id !== null && !tabs.some((t) => t.fileId === id);
      const activeIndex = s.tabs.findIndex((t) => t.fileId === s.activeFileId);
      const survivor = s.tabs.slice(activeIndex + 1).find((t) => !gone(t.fileId)) ?? tabs[tabs.length - 1];
      let { dirtyFiles, saveStates, typedAhead } = s;
      for (const t of s.tabs) {
        if (!gone(t.fileId)) continue;
        dirtyFiles = without(dirtyFiles, t.fileId);
        saveStates = without(saveStates, t.fileId);
        typedAhead = without(typedAhead, t.fileId);
      }
      return {
        tabs,
        activeFileId: gone(s.activeFileId) ? (survivor?.fileId ?? null) : s.activeFileId,
        dirtyFiles,
        saveStates,
        typedAhead,
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

  reserveEditorFocus: () => {
    let number = 0;
    set((s) => {
      number = s.editorFocusRequest + 1;
      return focusRequest(s, RESERVED_EDITOR_FOCUS);
    });
    return number;
  },

  endEditorFocusRequest: (request) =>
    set((s) => (s.editorFocusRequest === request && s.pendingEditorFocus !== null ? { pendingEditorFocus: null } : s)),

  keepTypedAhead: (request, fileId, text) =>
    set((s) => {
      if (text === "") return s;
      if (fileId === RESERVED_EDITOR_FOCUS) return { typedAheadReserved: { request, text } };
      if (!s.tabs.some((t) => t.fileId === fileId)) return s;
      return { typedAhead: { ...s.typedAhead, [fileId]: (s.typedAhead[fileId] ?? "") + text } };
    }),

  takeTypedAhead: (fileId) => {
    let text = "";
    set((s) => {
      text = s.typedAhead[fileId] ?? "";
      return text === "" ? s : { typedAhead: without(s.typedAhead, fileId) };
    });
    return text;
  },

  replaceFileId: (from, to) =>
    set((s) => {
      if (from === to || !s.tabs.some((t) => t.fileId === from)) return s;
      const tabs = s.tabs.filter((t) => t.fileId !== to).map((t) => (t.fileId === from ? { ...t, fileId: to } : t));
      const swap = (id: FileId | null) => (id === from ? to : id);
      return {
        tabs,
        activeFileId: swap(s.activeFileId),
        pendingEditorFocus: swap(s.pendingEditorFocus),
        dirtyFiles: renamed(s.dirtyFiles, from, to),
        saveStates: renamed(s.saveStates, from, to),
        typedAhead: renamed(s.typedAhead, from, to),
      };
    }),
});
