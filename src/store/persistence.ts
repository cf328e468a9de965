import type { StoreApi } from "zustand";
import type { Id } from "../../convex/_generated/dataModel";
import { readJson, writeJson } from "../lib/storage";
import type { AppState } from "./index";
import type { EditorTab } from "./tabsSlice";

/*
 * The store's memory across reloads, and the only code of the store that touches localStorage: a subscriber, so
 * the slices' actions stay pure. What is kept:
 * - each project's expanded folders (`polaris.tree.expanded`: { [projectId]: { ids } }, newest ids last);
 * - each project's open tabs (`polaris.tabs`: { [projectId]: { tabs: [{ id, preview }], active } }), not their
 *   text (unsaved text lives in the offline outbox);
 * - the ghost-text switch (`polaris.editor.ghostText`: "on" | "off");
 * - the failed or cancelled import each project's banner was dismissed for (`polaris.import.dismissed`:
 *   { [projectId]: { updatedAt } }, the transfer's updatedAt, so a later import's failure shows again). Written by
 *   the banner (saveDismissedImport), not by the subscriber: it is no state of the store.
 * Invariant: the per-project records hold only projects of the one recently-used list (`polaris.recentProjects`,
 * newest first, RECENT_PROJECTS_LIMIT long), written by `touchProject` alone; a project dropping out of it is
 * dropped from both records at once. Every read treats malformed storage as nothing stored.
 * When the store switches project (resetTree, setTabsProject) the subscriber restores that project's state in a
 * nested update, synchronously, so no component ever renders the project without it.
 */

export const EXPANDED_STORAGE_KEY = "polaris.tree.expanded";
export const TABS_STORAGE_KEY = "polaris.tabs";
export const RECENT_PROJECTS_KEY = "polaris.recentProjects";
export const GHOST_TEXT_KEY = "polaris.editor.ghostText";
export const DISMISSED_IMPORT_KEY = "polaris.import.dismissed";
export const RECENT_PROJECTS_LIMIT = 20;
export const EXPANDED_IDS_LIMIT = 500;
export const SAVED_TABS_LIMIT = 40;

type FileId = Id<"files">;
/** The per-project records, bounded together by the recently-used list. */
const PROJECT_RECORDS = [EXPANDED_STORAGE_KEY, TABS_STORAGE_KEY, DISMISSED_IMPORT_KEY];
type ProjectRecord = Record<string, unknown>;

/** The fields of a stored object; anything else (an array, a string, nothing) has none. */
function fieldsOf(entry: unknown): Record<string, unknown> {
  return entry && typeof entry === "object" && !Array.isArray(entry) ? (entry as Record<string, unknown>) : {};
}

const readRecord = (key: string): ProjectRecord => fieldsOf(readJson(key));

/**
 * The recently used projects, newest first. Before this list existed each record stamped its projects with a
 * last-use time `at`; a missing list is rebuilt from those stamps once.
 */
function recentProjects(): string[] {
  const stored = readJson(RECENT_PROJECTS_KEY);
  if (Array.isArray(stored)) return stored.filter((id): id is string => typeof id === "string");
  const lastUse = new Map<string, number>();
  for (const key of [EXPANDED_STORAGE_KEY, TABS_STORAGE_KEY]) {
    for (const [projectId, entry] of Object.entries(readRecord(key))) {
      const at = fieldsOf(entry).at;
      if (typeof at === "number") lastUse.set(projectId, Math.max(at, lastUse.get(projectId) ?? -Infinity));
    }
  }
  return [...lastUse.entries()].sort((a, b) => b[1] - a[1]).map(([projectId]) => projectId);
}

/** Makes `projectId` the most recently used project; projects that drop out of the list lose their records. */
function touchProject(projectId: string): void {
  const before = recentProjects();
  if (before[0] === projectId && before.length <= RECENT_PROJECTS_LIMIT) return;
  const after = [projectId, ...before.filter((id) => id !== projectId)].slice(0, RECENT_PROJECTS_LIMIT);
  writeJson(RECENT_PROJECTS_KEY, after);
  const kept = new Set(after);
  for (const key of PROJECT_RECORDS) {
    const record = readRecord(key);
    const pruned = Object.entries(record).filter(([id]) => kept.has(id));
    if (pruned.length !== Object.keys(record).length) writeJson(key, Object.fromEntries(pruned));
  }
}

/** Stores one project's entry of a per-project record (none: removes it), marking the project as just used. */
function saveProjectEntry(key: string, projectId: string, entry: unknown): void {
  touchProject(projectId);
  const kept = new Set(recentProjects());
  const record = Object.fromEntries(Object.entries(readRecord(key)).filter(([id]) => kept.has(id)));
  if (entry === undefined) delete record[projectId];
  else record[projectId] = entry;
  writeJson(key, record);
}

export function loadExpanded(projectId: string): Set<string> {
  const ids = fieldsOf(readRecord(EXPANDED_STORAGE_KEY)[projectId]).ids;
  return new Set(Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : []);
}

function saveExpanded(projectId: string, expanded: ReadonlySet<string>): void {
  // A Set keeps insertion order: over the limit, the oldest expansions are forgotten.
  saveProjectEntry(EXPANDED_STORAGE_KEY, projectId, { ids: [...expanded].slice(-EXPANDED_IDS_LIMIT) });
}

/** The tabs last left open in a project, without duplicates or malformed entries. */
export function loadTabs(projectId: string): { tabs: EditorTab[]; activeFileId: FileId | null } {
  const saved = fieldsOf(readRecord(TABS_STORAGE_KEY)[projectId]);
  const tabs: EditorTab[] = [];
  if (Array.isArray(saved.tabs)) {
    for (const t of saved.tabs.slice(0, SAVED_TABS_LIMIT) as unknown[]) {
      const { id, preview } = fieldsOf(t);
      if (typeof id !== "string" || id === "" || tabs.some((x) => x.fileId === id)) continue;
      tabs.push({ fileId: id as FileId, preview: preview === true, deleted: false });
    }
  }
  const active = tabs.find((t) => t.fileId === saved.active)?.fileId ?? tabs[0]?.fileId ?? null;
  return { tabs, activeFileId: active };
}

function saveTabs(projectId: string, tabs: readonly EditorTab[], activeFileId: FileId | null): void {
  const entry =
    tabs.length === 0
      ? undefined
      : { tabs: tabs.slice(0, SAVED_TABS_LIMIT).map((t) => ({ id: t.fileId, preview: t.preview })), active: activeFileId };
  saveProjectEntry(TABS_STORAGE_KEY, projectId, entry);
}

/** The `updatedAt` of the import whose banner was dismissed in `projectId`, or null. */
export function loadDismissedImport(projectId: string): number | null {
  const at = fieldsOf(readRecord(DISMISSED_IMPORT_KEY)[projectId]).updatedAt;
  return typeof at === "number" ? at : null;
}

/** Remembers across reloads that the banner of the import last updated at `updatedAt` was dismissed. */
export function saveDismissedImport(projectId: string, updatedAt: number): void {
  saveProjectEntry(DISMISSED_IMPORT_KEY, projectId, { updatedAt });
}

/** The ghost-text switch as stored (the bare word, not JSON): on unless switched off. */
export function storedGhostText(): boolean {
  try {
    return localStorage.getItem(GHOST_TEXT_KEY) !== "off";
  } catch {
    // Storage can be blocked (privacy settings): the default applies.
    return true;
  }
}

function saveGhostText(on: boolean): void {
  try {
    localStorage.setItem(GHOST_TEXT_KEY, on ? "on" : "off");
  } catch {
    // Not kept; the choice holds for this page.
  }
}

/** What of the tabs is kept: the project, its tabs in order with their preview flags, and the active one. */
const tabsSnapshot = (s: AppState) =>
  JSON.stringify([s.tabsProjectId, s.activeFileId, s.tabs.map((t) => [t.fileId, t.preview])]);

/** Restores the store's kept state now, then keeps storage in step with every change. Returns the unsubscribe. */
export function persistStore(store: StoreApi<AppState>): () => void {
  store.setState({ ghostTextOn: storedGhostText() });
  // What was just restored is not written back.
  let restoredExpanded: ReadonlySet<string> | null = null;
  let savedTabs = tabsSnapshot(store.getState());
  return store.subscribe((s, prev) => {
    if (s.treeProjectId !== prev.treeProjectId) {
      if (s.treeProjectId !== null) {
        const expanded = loadExpanded(s.treeProjectId);
        restoredExpanded = expanded;
        if (expanded.size > 0) store.setState({ expanded });
      }
    } else if (s.expanded !== prev.expanded && s.expanded !== restoredExpanded && s.treeProjectId !== null) {
      saveExpanded(s.treeProjectId, s.expanded);
    }

    if (s.tabsProjectId !== prev.tabsProjectId) {
      if (s.tabsProjectId !== null) {
        const restored = loadTabs(s.tabsProjectId);
        savedTabs = tabsSnapshot({ ...s, ...restored });
        if (restored.tabs.length > 0) store.setState(restored);
      }
    } else if (s.tabsProjectId !== null && (s.tabs !== prev.tabs || s.activeFileId !== prev.activeFileId)) {
      const snapshot = tabsSnapshot(s);
      if (snapshot !== savedTabs) {
        savedTabs = snapshot;
        saveTabs(s.tabsProjectId, s.tabs, s.activeFileId);
      }
    }

    if (s.ghostTextOn !== prev.ghostTextOn) saveGhostText(s.ghostTextOn);
  });
}
