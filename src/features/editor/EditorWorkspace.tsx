import { lazy, Suspense, useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, useSyncExternalStore } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import { filePath } from "../../../convex/model/filePath";
import { Dialog } from "../../lib/Dialog";
import { errorMessage } from "../../lib/errors";
import { claimEditorFocus, useAppStore } from "../../store";
import type { EditorTab, FileId, SaveState } from "../../store/tabsSlice";
import type { ExtensionLoader } from "./codemirror";
import type { DocumentSession, EditorBackend, SessionView } from "./documentSession";
import { GhostTextToggle } from "../editor-ai/GhostTextToggle";
import { fileKindLabel } from "./languages";
import { SessionRegistry } from "./sessionRegistry";
import { StoredFileView } from "./StoredFileView";
import { EDITOR_KEYS_HELP, EDITOR_KEYS_HELP_ID, toggleTabMovesFocus } from "./tabFocus";
import { PANEL_ID, TabBar, tabDomId, type TabTitle } from "./TabBar";
import { registerSaveAll } from "./saveAll";
import { afterFirstRows } from "../../lib/afterFirstRows";
import "./editor.css";

// CodeMirror and @codemirror/merge load after the app shell, never with it. The editor's chunk is fetched as soon
// as the workspace shows rather than when the first file opens: nearly everyone opens a file, the first open then
// does not wait for the chunk, and a person who goes offline before opening one (while the service worker may
// still be precaching) still gets an editor.
const loadTextEditor = () => import("./TextEditor");
const TextEditor = lazy(loadTextEditor);
const CompareView = lazy(() => import("./CompareView"));

/** The tree metadata the editor needs: names for titles, parents for paths, presence for deletions. */
export interface TreeEntry {
  _id: Id<"files">;
  name: string;
  parentId?: Id<"files">;
}

export interface EditorWorkspaceProps {
  /** Must keep its identity for the life of the workspace. */
  backend: EditorBackend;
  /** undefined while loading. */
  tree: readonly TreeEntry[] | undefined;
  /**
   * Creates a file with the given text next to `parentId` and resolves with its id ("Save as new file"). The
   * text is safe once `stored` resolves (it is in the outbox), long before the id when offline.
   */
  createFile?: (
    name: string,
    parentId: Id<"files"> | undefined,
    content: string,
  ) => Promise<Id<"files">> & { stored: Promise<void> };
  autosaveDelayMs?: number;
  /** Extra CodeMirror extensions per file (e.g. AI features); must load them lazily and keep its identity. */
  loadExtensions?: ExtensionLoader;
  /**
   * Files whose assistant changes wait for review, each with the id of its change: their tabs say so, as the
   * tree's rows do, and the editor marks the lines the change added or changed (read through the backend's
   * `readReviewBase`).
   */
  reviewFiles?: ReadonlyMap<FileId, string>;
}

function useSessionView(session: DocumentSession): SessionView {
  return useSyncExternalStore(session.subscribe, session.getView);
}

function isMod(event: KeyboardEvent) {
  return (event.ctrlKey || event.metaKey) && !event.altKey;
}

function isAltOnly(event: KeyboardEvent) {
  return event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
}

/**
 * Where focus goes after a tab closed at the person's request: "editor" moves it to the editor of the tab that
 * is active next; "tabs" (Delete in the tab bar) keeps it on the next tab, so Delete can close tab after tab.
 * With no tab left it goes to the file tree.
 */
type CloseOrigin = "editor" | "tabs";

/** Focuses the file tree's current item (its roving tab stop), or the tree itself; found by role, not by import. */
function focusFileTree() {
  const target =
    document.querySelector<HTMLElement>('[role="tree"] [role="treeitem"][tabindex="0"]') ??
    document.querySelector<HTMLElement>('[role="tree"]');
  target?.focus();
}

/** Tabs, the active file's editor or viewer, banners and status bar; data and saving come from `backend`. */
export function EditorWorkspace({ backend, tree, createFile, autosaveDelayMs, loadExtensions, reviewFiles }: EditorWorkspaceProps) {
  const tabs = useAppStore((s) => s.tabs);
  const activeFileId = useAppStore((s) => s.activeFileId);
  const dirtyFiles = useAppStore((s) => s.dirtyFiles);
  const activateTab = useAppStore((s) => s.activateTab);
  const pinTab = useAppStore((s) => s.pinTab);
  const closeTab = useAppStore((s) => s.closeTab);
  const cycleTab = useAppStore((s) => s.cycleTab);
  const markTabDeleted = useAppStore((s) => s.markTabDeleted);
  const pruneTabs = useAppStore((s) => s.pruneTabs);
  const openFile = useAppStore((s) => s.openFile);
  const syncIssues = useAppStore((s) => s.syncIssues);

  const [registry] = useState(() => new SessionRegistry(backend, autosaveDelayMs));
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [closing, setClosing] = useState<{ fileId: FileId; origin: CloseOrigin } | null>(null);

  // A render of its own only when a session came or went: a state update in a layout effect is a synchronous
  // render in the middle of the commit, and before it React runs every pending passive effect of the page. At the
  // workspace's first commit (no tabs yet) that held the first tree row back (issue 18, bench/load).
  useLayoutEffect(() => {
    if (registry.sync(tabs.map((t) => t.fileId))) rerender();
  }, [registry, tabs]);
  useEffect(() => () => registry.retireAll(), [registry]);
  useEffect(() => registerSaveAll(() => registry.flushAll()), [registry]);
  useEffect(() => {
    // Ready before the first file opens, but after the tree's first rows. A failure here is shown (with Try again)
    // by the editor's own boundary when a file opens.
    afterFirstRows()
      .then(loadTextEditor)
      .catch(() => {});
  }, []);

  // A file created offline is open under its temporary id; once the server confirms the create, the tab and its
  // session move to the real id before the temporary row leaves the tree (which would close the tab).
  const replaceFileId = useAppStore((s) => s.replaceFileId);
  useEffect(
    () =>
      backend.watchResolvedIds?.((tempId, realId) => {
        const from = tempId as FileId;
        const to = realId as FileId;
        if (!registry.get(from) && !useAppStore.getState().tabs.some((t) => t.fileId === from)) return;
        registry.rekey(from, to);
        replaceFileId(from, to);
        setClosing((current) => (current?.fileId === from ? { ...current, fileId: to } : current));
      }),
    [backend, registry, replaceFileId],
  );

  // Last known metadata of every file open in a tab (or closing), kept after a deletion so a deleted tab keeps its
  // title and folder. Only tabs' files are copied, per render: O(tabs), not O(files) (the byId map is built once per
  // listing).
  const known = useRef(new Map<FileId, TreeEntry>());
  const byId = useMemo(() => {
    const map = new Map<FileId, TreeEntry>();
    for (const entry of tree ?? []) map.set(entry._id, entry);
    return map;
  }, [tree]);
  for (const { fileId } of closing ? [...tabs, closing] : tabs) {
    const entry = byId.get(fileId);
    if (entry) known.current.set(fileId, entry);
  }

  const titleOf = useCallback(
    (fileId: FileId): TabTitle => {
      const entry = byId.get(fileId) ?? known.current.get(fileId);
      if (!entry) return { name: "…", path: "" };
      return { name: entry.name, path: filePath(entry, (id) => byId.get(id)) };
    },
    [byId],
  );

  // Tabs restored from the last visit whose files are gone by now close. The first tree may come from the
  // offline cache and miss files made since, so a restored tab stays until the tree lists its file (kept) or,
  // with the tree loaded and not listing it, the server answers that the file does not exist (closed).
  const unconfirmed = useRef<Set<FileId> | null>(null);
  unconfirmed.current ??= new Set(tabs.map((t) => t.fileId));
  const [sessionTick, sessionChanged] = useReducer((n: number) => n + 1, 0);
  useEffect(() => {
    const pending = unconfirmed.current!;
    if (!tree || pending.size === 0) return;
    const gone = new Set<FileId>();
    for (const fileId of pending) {
      const session = registry.get(fileId);
      if (byId.has(fileId) || !session) pending.delete(fileId);
      else if (session.getView().load.status === "missing") gone.add(fileId);
    }
    for (const fileId of gone) pending.delete(fileId);
    if (gone.size > 0) pruneTabs((fileId) => !gone.has(fileId));
    const unsubscribe = [...pending].map((fileId) => registry.get(fileId)?.subscribe(sessionChanged));
    return () => unsubscribe.forEach((u) => u?.());
  }, [tree, byId, tabs, registry, sessionTick, pruneTabs]);

  // A tab whose file left the tree closes; with text not yet on the server it stays, marked deleted, until
  // closed (its write may still fail against the deleted file, and then the tab is where to rescue the text).
  useEffect(() => {
    if (!tree) return;
    for (const tab of tabs) {
      if (byId.has(tab.fileId) || !known.current.has(tab.fileId) || tab.deleted) continue;
      if (dirtyFiles[tab.fileId] || registry.get(tab.fileId)?.hasUnsyncedWork()) {
        markTabDeleted(tab.fileId);
        registry.get(tab.fileId)?.markDeleted();
      } else {
        registry.discard(tab.fileId);
        closeTab(tab.fileId);
      }
    }
  }, [tree, byId, tabs, dirtyFiles, registry, markTabDeleted, closeTab]);

  // Problems the offline layer recorded for open files (conflicts it could not merge, writes to deleted
  // files), including ones restored after a reload or raised by another tab's outbox.
  useEffect(() => {
    for (const issue of syncIssues) {
      if (!issue.fileId || issue.path !== "files:updateContent") continue;
      const fileId = issue.fileId as FileId;
      const session = registry.get(fileId);
      if (!session) continue;
      session.applyIssue(issue);
      if (issue.kind === "deleted") markTabDeleted(fileId);
    }
  }, [syncIssues, registry, tabs, markTabDeleted]);

  const focusTabAfterClose = useRef<FileId | null>(null);
  useLayoutEffect(() => {
    const fileId = focusTabAfterClose.current;
    if (!fileId) return;
    focusTabAfterClose.current = null;
    document.getElementById(tabDomId(fileId))?.focus();
  }, [tabs, activeFileId]);

  const finishClose = useCallback(
    (fileId: FileId, origin: CloseOrigin) => {
      closeTab(fileId, { focusEditor: origin === "editor" });
      const next = useAppStore.getState().activeFileId;
      if (!next) focusFileTree();
      else if (origin === "tabs") focusTabAfterClose.current = next;
    },
    [closeTab],
  );

  const requestClose = useCallback(
    (fileId: FileId, origin: CloseOrigin) => {
      if (useAppStore.getState().dirtyFiles[fileId]) setClosing({ fileId, origin });
      else finishClose(fileId, origin);
    },
    [finishClose],
  );

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      const mod = isMod(event);
      // Chrome keeps Ctrl+W, Ctrl+Tab and Ctrl+PageDown/PageUp for its own tabs in a normal window (the page
      // never sees them), so Alt+W and Alt+PageDown/PageUp do the same here. event.code: Option+W on a Mac
      // reports the character it types.
      const alt = isAltOnly(event);
      if ((!mod && !alt) || closing) return;
      const key = event.key.toLowerCase();
      const active = useAppStore.getState().activeFileId;
      if (mod && key === "s" && !event.shiftKey) {
        // Also keeps the browser's "Save page" dialog away while the workspace is open.
        event.preventDefault();
        if (active) void registry.get(active)?.saveNow();
      } else if (((mod && key === "w" && !event.shiftKey) || (alt && event.code === "KeyW")) && active) {
        event.preventDefault();
        requestClose(active, "editor");
      } else if (
        (mod && event.ctrlKey && (event.key === "Tab" || event.key === "PageDown" || event.key === "PageUp")) ||
        (alt && (event.key === "PageDown" || event.key === "PageUp"))
      ) {
        event.preventDefault();
        cycleTab(event.key === "PageUp" || (event.key === "Tab" && event.shiftKey) ? -1 : 1);
      }
    }
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [registry, requestClose, cycleTab, closing]);

  const readReviewBase = useMemo(() => backend.readReviewBase?.bind(backend), [backend]);
  const activeTab = tabs.find((t) => t.fileId === activeFileId);
  const activeSession = activeFileId ? registry.get(activeFileId) : undefined;

  return (
    <section className="editor-pane" aria-label="Editor">
      <p id={EDITOR_KEYS_HELP_ID} hidden>
        {EDITOR_KEYS_HELP}
      </p>
      {tabs.length > 0 && (
        <TabBar
          tabs={tabs}
          activeFileId={activeFileId}
          dirtyFiles={dirtyFiles}
          reviewFiles={reviewFiles}
          titleOf={titleOf}
          onActivate={activateTab}
          onPin={pinTab}
          onClose={(fileId, via) => requestClose(fileId, via === "keyboard" ? "tabs" : "editor")}
        />
      )}
      {activeTab && activeSession ? (
        // Not keyed by file: the one TextEditor (and its EditorView) stays mounted and swaps tab states.
        <ActiveFile
          tab={activeTab}
          session={activeSession}
          title={titleOf(activeTab.fileId)}
          loadExtensions={loadExtensions}
          reviewChangeId={reviewFiles?.get(activeTab.fileId)}
          readReviewBase={readReviewBase}
          onSaveAsNew={
            createFile
              ? async (text) => {
                  const entry = known.current.get(activeTab.fileId);
                  const parentId = entry?.parentId && byId.has(entry.parentId) ? entry.parentId : undefined;
                  const request = createFile(restoredName(entry?.name ?? "untitled.txt"), parentId, text);
                  const session = registry.get(activeTab.fileId);
                  // Durable now (even offline); the new file opens once the server has given it an id.
                  await request.stored;
                  void request.then((id) => openFile(id, { focusEditor: true })).catch(() => {});
                  session?.resolveIssue();
                  registry.discard(activeTab.fileId);
                  closeTab(activeTab.fileId);
                }
              : undefined
          }
        />
      ) : activeTab ? (
        <p className="editor-message">Loading…</p>
      ) : (
        <EmptyState />
      )}
      {closing && (
        <CloseDialog
          key={closing.fileId}
          name={titleOf(closing.fileId).name}
          deleted={tabs.some((t) => t.fileId === closing.fileId && t.deleted)}
          onSave={async () => {
            const session = registry.get(closing.fileId);
            await session?.saveNow();
            const view = session?.getView();
            if (view?.dirty) {
              throw new Error(
                view.saveState.kind === "error" ? view.saveState.message : "The file could not be saved.",
              );
            }
            setClosing(null);
            finishClose(closing.fileId, closing.origin);
          }}
          onDiscard={() => {
            setClosing(null);
            registry.discard(closing.fileId);
            finishClose(closing.fileId, closing.origin);
          }}
          onCancel={() => setClosing(null)}
        />
      )}
    </section>
  );
}

/** "notes.md" → "notes (restored).md". */
function restoredName(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? `${name.slice(0, dot)} (restored)${name.slice(dot)}` : `${name} (restored)`;
}

interface ActiveFileProps {
  tab: EditorTab;
  session: DocumentSession;
  title: TabTitle;
  loadExtensions?: ExtensionLoader;
  onSaveAsNew?: (text: string) => Promise<void>;
  /** The change of this file waiting for review, if any. */
  reviewChangeId?: string;
  readReviewBase?: EditorBackend["readReviewBase"];
}

function ActiveFile({ tab, session, title, loadExtensions, onSaveAsNew, reviewChangeId, readReviewBase }: ActiveFileProps) {
  const view = useSessionView(session);
  const focusRequested = useAppStore((s) => s.pendingEditorFocus === tab.fileId);
  const pinTab = useAppStore((s) => s.pinTab);
  const claimFocus = useCallback(() => claimEditorFocus(tab.fileId), [tab.fileId]);
  const onUserEdit = useCallback(() => pinTab(tab.fileId), [pinTab, tab.fileId]);
  const openFile = useAppStore((s) => s.openFile);
  // The banner's buttons leave with the banner: the editor is where the person goes on.
  const focusEditor = useCallback(
    () => openFile(tab.fileId, { preview: tab.preview, focusEditor: true }),
    [openFile, tab.fileId, tab.preview],
  );
  const review = useMemo(
    () =>
      reviewChangeId === undefined || readReviewBase === undefined
        ? null
        : { changeId: reviewChangeId, loadBefore: () => readReviewBase(reviewChangeId) },
    [reviewChangeId, readReviewBase],
  );
  const { load } = view;
  const name = title.name !== "…" ? title.name : load.status === "ready" ? load.file.name : "";
  const path = title.path || name;

  const offline = useAppStore((s) => s.syncStatus.phase === "offline");

  let body;
  let showsEditor = false;
  if (load.status === "loading") {
    // Offline, a file this browser never opened has no copy here: it waits for the connection, and says so
    // rather than "Loading" without end.
    body = (
      <p className="editor-message" role={offline ? "status" : undefined}>
        {offline ? `${name} is not stored on this device yet: it opens when you are back online.` : `Loading ${name}…`}
      </p>
    );
  }
  else if (load.status === "missing" && !view.deleted && !view.dirty) {
    body = <p className="editor-message">This file no longer exists. It may have been deleted in another window.</p>;
  } else if (load.status === "error") {
    body = (
      <p className="editor-message" role="alert">
        Could not open {name}: {load.message}
      </p>
    );
  } else if (load.status === "ready" && load.file.kind === "stored") {
    body = <StoredFileView file={load.file} path={path} />;
  } else {
    showsEditor = true;
    body = (
      <>
        {view.deleted && <DeletedBanner key={tab.fileId} session={session} onSaveAsNew={onSaveAsNew} />}
        {view.divergence && (
          <DivergenceBanner
            key={tab.fileId}
            session={session}
            divergence={view.divergence}
            name={name}
            focusEditor={focusEditor}
          />
        )}
        <Suspense fallback={<p className="editor-message">Loading editor…</p>}>
          <TextEditor
            session={session}
            fileName={name}
            path={path}
            focusRequested={focusRequested}
            claimFocus={claimFocus}
            onUserEdit={onUserEdit}
            loadExtensions={loadExtensions}
            review={review}
          />
        </Suspense>
      </>
    );
  }

  const panelRef = useRef<HTMLDivElement>(null);
  // A focus request that finds focus on nothing (the dialog that asked, or the previous file's view, just left
  // the page) parks it on the panel in the same task, so no key typed before the editor is ready reaches the
  // body; store/editorFocus.ts holds those keys for the editor.
  useLayoutEffect(() => {
    const active = document.activeElement;
    if (focusRequested && (!active || active === document.body)) panelRef.current?.focus();
  }, [focusRequested]);

  // A file shown without the text editor (binary, in storage, gone, failed, or not on this device while offline)
  // still ends a focus request: focus moves to the panel, where keys act on nothing (not on the tree the request
  // came from, whose type-ahead took them), and keys held for the editor meanwhile are dropped, not typed into the
  // file whenever the connection comes back.
  const waitsForConnection = load.status === "loading" && offline;
  useEffect(() => {
    if (!focusRequested || (load.status === "loading" && !waitsForConnection) || showsEditor) return;
    if (claimFocus()?.focus) panelRef.current?.focus();
  }, [focusRequested, load.status, waitsForConnection, showsEditor, claimFocus]);

  // The editor appearing in a panel that holds focus (the file came with the connection) takes it: the person
  // waiting there goes on in the file.
  useEffect(() => {
    if (showsEditor && !focusRequested && document.activeElement === panelRef.current) focusEditor();
  }, [showsEditor, focusRequested, focusEditor]);

  const isText = load.status === "ready" && load.file.kind === "text";
  return (
    <>
      <div
        ref={panelRef}
        id={PANEL_ID}
        role="tabpanel"
        tabIndex={-1}
        aria-labelledby={tabDomId(tab.fileId)}
        className="editor-panel"
      >
        {body}
      </div>
      <div className="editor-statusbar">
        {isText && <SaveStatus state={view.deleted ? null : view.saveState} stored={!view.dirty} />}
        {view.deleted && <span>Deleted on the server</span>}
        {name && load.status === "ready" && <span>{fileKindLabel(name, load.file.kind)}</span>}
        <TabMovesFocusToggle />
        {isText && loadExtensions && <GhostTextToggle />}
      </div>
    </>
  );
}

/**
 * Shown while Ctrl+M has made Tab move focus (tabFocus.ts). A click (or Enter on it) makes Tab indent again and
 * puts focus back in the editor, since the button itself goes away.
 */
function TabMovesFocusToggle() {
  const on = useAppStore((s) => s.tabMovesFocus);
  if (!on) return null;
  return (
    <button
      type="button"
      className="btn btn-ghost btn-small editor-tab-focus"
      aria-pressed="true"
      title="Tab moves focus instead of indenting. Ctrl+M (Shift+Alt+M on macOS) switches it."
      onClick={() => {
        toggleTabMovesFocus();
        document.getElementById(PANEL_ID)?.querySelector<HTMLElement>(".cm-content")?.focus();
      }}
    >
      Tab moves focus
    </button>
  );
}

/** `stored`: nothing typed is waiting for the autosave pause; a save still "saving" is then in the outbox. */
function SaveStatus({ state, stored }: { state: SaveState | null; stored: boolean }) {
  const offline = useAppStore((s) => s.syncStatus.phase === "offline");
  const saving = offline && stored ? "Saved offline · syncs when back online" : "Saving…";
  const text =
    state === null ? "" : state.kind === "saved" ? "Saved" : state.kind === "saving" ? saving : `Error: ${state.message}`;
  return (
    <span role="status" aria-label="Save status" data-kind={state?.kind}>
      {text}
    </span>
  );
}

function DivergenceBanner({
  session,
  divergence,
  name,
  focusEditor,
}: {
  session: DocumentSession;
  divergence: { revision: number; content: string };
  name: string;
  focusEditor: () => void;
}) {
  const [comparing, setComparing] = useState(false);
  return (
    <>
      <div className="editor-banner" data-tone="warning" role="alert">
        <span className="editor-banner-text">
          This file changed on the server while you were editing it. Keep your version (saved on top of theirs), take
          theirs (your unsaved edits are dropped), or compare the two.
        </span>
        <button
          type="button"
          className="btn btn-small btn-primary"
          onClick={() => {
            focusEditor();
            void session.keepMine();
          }}
        >
          Keep mine
        </button>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => {
            focusEditor();
            session.takeTheirs();
          }}
        >
          Take theirs
        </button>
        <button
          type="button"
          className="btn btn-small"
          aria-pressed={comparing}
          onClick={() => setComparing((c) => !c)}
        >
          {comparing ? "Hide comparison" : "Compare"}
        </button>
      </div>
      {comparing && (
        <Suspense fallback={<p className="editor-message">Loading comparison…</p>}>
          <CompareView theirs={divergence.content} mine={session.currentText()} fileName={name} />
        </Suspense>
      )}
    </>
  );
}

function DeletedBanner({
  session,
  onSaveAsNew,
}: {
  session: DocumentSession;
  onSaveAsNew?: (text: string) => Promise<void>;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div className="editor-banner" data-tone="warning" role="alert">
      <span className="editor-banner-text">
        This file was deleted, but this tab still holds your unsaved text.
        {onSaveAsNew ? " Save it as a new file to keep it." : " Copy it somewhere before closing the tab."}
        {error && ` ${error}`}
      </span>
      {onSaveAsNew && (
        <button
          type="button"
          className="btn btn-small btn-primary"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            setError(null);
            onSaveAsNew(session.currentText()).catch((e: unknown) => {
              setBusy(false);
              setError(errorMessage(e, "Could not create the file."));
            });
          }}
        >
          Save as new file
        </button>
      )}
    </div>
  );
}

function CloseDialog({
  name,
  deleted,
  onSave,
  onDiscard,
  onCancel,
}: {
  name: string;
  deleted: boolean;
  onSave: () => Promise<void>;
  onDiscard: () => void;
  onCancel: () => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  return (
    <Dialog
      title={`Save changes to ${name}?`}
      description={
        deleted
          ? "This file was deleted on the server; closing the tab drops your unsaved text."
          : "Your changes will be lost if you don't save them."
      }
      onClose={onCancel}
      role="alertdialog"
    >
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        {!deleted && (
          <button
            type="button"
            className="btn btn-primary"
            disabled={saving}
            onClick={() => {
              setSaving(true);
              setError(null);
              onSave().catch((e: unknown) => {
                setSaving(false);
                setError(errorMessage(e, "The file could not be saved."));
              });
            }}
          >
            Save
          </button>
        )}
        <button type="button" className="btn btn-danger" onClick={onDiscard}>
          Don't save
        </button>
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

function EmptyState() {
  const mac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);
  const mod = mac ? "⌘" : "Ctrl";
  const alt = mac ? "⌥" : "Alt";
  return (
    <div className="editor-message editor-empty">
      <p>No file is open. Pick one in the file tree.</p>
      <dl>
        <dt>
          <kbd>{mod}</kbd>+<kbd>P</kbd>
        </dt>
        <dd>Quick open a file</dd>
        <dt>
          <kbd>{mod}</kbd>+<kbd>S</kbd>
        </dt>
        <dd>Save now (files also save as you type)</dd>
        <dt>
          <kbd>{mod}</kbd>+<kbd>W</kbd> or <kbd>{alt}</kbd>+<kbd>W</kbd>
        </dt>
        <dd>Close the tab ({alt}+W where the browser keeps {mod}+W for its own tabs)</dd>
        <dt>
          <kbd>{alt}</kbd>+<kbd>PageDown</kbd> / <kbd>PageUp</kbd>
        </dt>
        <dd>Next / previous tab (also Ctrl+PageDown / PageUp where the browser lets pages have them)</dd>
        <dt>
          <kbd>Esc</kbd>, then <kbd>Tab</kbd>
        </dt>
        <dd>Leave the editor (Tab alone indents)</dd>
        <dt>
          <kbd>{mod}</kbd>+<kbd>Shift</kbd>+<kbd>E</kbd>
        </dt>
        <dd>Go to the file tree</dd>
      </dl>
    </div>
  );
}
