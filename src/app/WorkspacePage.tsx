import {
  lazy,
  startTransition,
  Suspense,
  useCallback,
  useEffect,
  Fragment,
  useLayoutEffect,
  useRef,
  useState,
  useSyncExternalStore,
} from "react";
import { createPortal, flushSync } from "react-dom";
import { Group, Panel, useDefaultLayout, usePanelRef, type PanelImperativeHandle } from "react-resizable-panels";
import { Link } from "wouter";
import { api } from "../../convex/_generated/api";
import type { Doc, Id } from "../../convex/_generated/dataModel";
import { hasRunCommand } from "../../convex/lib/runCommands";
import { ChatPane } from "../features/chat/ChatPane";
import { useAiProviderStatus } from "../features/editor-ai/settings";
import { PendingReviewBar } from "../features/review/PendingReviewBar";
import { ReviewPanel } from "../features/review/ReviewPanel";
import { EditorPane } from "../features/editor/EditorPane";
import { FileTreePane } from "../features/file-tree/FileTreePane";
import { isExplorerKey } from "../features/file-tree/keymap";
import { focusFileTree } from "../features/file-tree/rowDom";
import { ImportBanner } from "../features/import-export/ImportBanner";
import { ImportExportDialog } from "../features/import-export/ImportExportDialog";
import { ProjectListingProvider } from "../features/file-tree/ProjectListingProvider";
import { ProjectSettingsDialog } from "../features/projects/ProjectSettingsDialog";
import { useProjectActions } from "../features/projects/useProjectActions";
import { dropHeldKeys, holdKeysForTerminal } from "../features/run/heldKeys";
import { RunControls } from "../features/run/RunControls";
import { isToggleTerminalKey, runKey } from "../features/run/shortcuts";
import { RunnerContext, useRunnerConnection } from "../features/run/useRunner";
import { useRunSuggestion } from "../features/run/useRunSuggestion";
import { LazySearchPanel, prefetchSearchPanel } from "../features/search/LazySearchPanel";
import { prefetchQuickOpen } from "../features/quick-open/QuickOpen";
import { afterFirstRows } from "../lib/afterFirstRows";
import { FoldLabel } from "../lib/headerFold";
import { ChatIcon, SettingsIcon, SideBarIcon, TransferIcon } from "../lib/icons";
import { isSearchKey } from "../features/search/shortcuts";
import { useOutbox, useSyncedQuery, watchResolvedIds } from "../features/sync";
import { keepTabInside } from "../lib/Dialog";
import { env } from "../lib/env";
import { errorCode, errorMessage } from "../lib/errors";
import { useAppStore } from "../store";
import { AppHeader } from "./AppHeader";
import { ErrorBoundary } from "./ErrorBoundary";
import { NotFoundPage } from "./NotFoundPage";
import { PageMessage } from "./PageMessage";
import { PaneSeparator } from "./PaneSeparator";
import { SkipLinks } from "./SkipLinks";
import "./workspace.css";
import "../features/run/run.css";

// xterm.js loads with the panel, not with the workspace.
const RunPanel = lazy(() => import("../features/run/RunPanel"));

/** Route `/p/:projectId`. A project that does not exist or is not the user's gets the not-found page. */
export default function WorkspacePage({ projectId }: { projectId: string }) {
  return (
    <ErrorBoundary fallback={(error) => <WorkspaceError error={error} />}>
      <ProjectListingProvider projectId={projectId as Id<"projects">}>
        <Workspace projectId={projectId as Id<"projects">} />
      </ProjectListingProvider>
    </ErrorBoundary>
  );
}

function WorkspaceError({ error }: { error: unknown }) {
  const message = errorMessage(error);
  // A malformed id in the URL fails argument validation before the function runs: for a person it is the same
  // as a project that does not exist.
  if (errorCode(error) === "NOT_FOUND" || /ArgumentValidationError|does not match validator/i.test(message)) {
    return (
      <NotFoundPage
        title="Project not found"
        detail="This project does not exist, was deleted, or belongs to another account."
      />
    );
  }
  return (
    <PageMessage title="The project could not be opened">
      <p role="alert">{message}</p>
      <p>
        <button type="button" className="btn" onClick={() => window.location.reload()}>
          Reload
        </button>{" "}
        <Link href="/" className="btn">
          ← Back to your projects
        </Link>
      </p>
    </PageMessage>
  );
}

function Workspace({ projectId }: { projectId: Id<"projects"> }) {
  const project = useSyncedQuery(api.projects.get, { projectId });
  const settingsOpen = useAppStore((s) => s.settingsOpen);
  const setSettingsOpen = useAppStore((s) => s.setSettingsOpen);
  const actions = useProjectActions();
  const settingsButton = useRef<HTMLButtonElement>(null);
  const [transfersOpen, setTransfersOpen] = useState(false);
  const narrow = useNarrow();
  const [chatOpen, setChatOpen] = useState(false);
  const panes = usePanesStage();
  const sideBar = useSideBar(panes.showAll);
  const closeChat = useCallback(() => {
    setChatOpen(false);
    // The drawer leaves the page in this commit; focus goes back to the button that opened it.
    queueMicrotask(() => document.querySelector<HTMLElement>(".chat-toggle")?.focus());
  }, []);
  const runner = useRunnerConnection(env.runnerUrl, projectId);
  useAiProviderStatus();
  const terminalOpen = useAppStore((s) => s.terminalOpen);
  const setTerminalOpen = useAppStore((s) => s.setTerminalOpen);
  // Where focus was when the panel opened: it goes back there when the panel closes.
  const focusBeforePanel = useRef<HTMLElement | null>(null);
  const focusBeforeSearch = useRef<HTMLElement | null>(null);
  const closeSearch = useCallback(() => {
    useAppStore.getState().setSearchOpen(false);
    const back = focusBeforeSearch.current;
    focusBeforeSearch.current = null;
    queueMicrotask(() => {
      if (back?.isConnected) back.focus();
      else document.querySelector<HTMLElement>(".cm-content, .file-tree [tabindex='0']")?.focus();
    });
  }, []);
  const toggleTerminal = useCallback(() => {
    const open = useAppStore.getState().terminalOpen;
    if (!open) {
      const current = document.activeElement;
      focusBeforePanel.current = current instanceof HTMLElement && current !== document.body ? current : null;
      holdKeysForTerminal();
      setTerminalOpen(true);
      return;
    }
    dropHeldKeys();
    setTerminalOpen(false);
    const back = focusBeforePanel.current;
    focusBeforePanel.current = null;
    // The panel's elements leave the page in this commit; focus moves in the same task.
    queueMicrotask(() => {
      if (back?.isConnected) back.focus();
      else document.querySelector<HTMLElement>(".cm-content, .file-tree [tabindex='0']")?.focus();
    });
  }, [setTerminalOpen]);
  useEffect(() => () => setTerminalOpen(false), [setTerminalOpen]);
  const projectLoaded = project !== undefined;
  const runSettings = useRef<Doc<"projects">["settings"]>(undefined);
  runSettings.current = project?.settings;
  const run = useCallback(() => {
    runner?.run();
    setTerminalOpen(true);
  }, [runner, setTerminalOpen]);
  // Run (F5, the Run button): with no command to run, Settings asks for one (its Save runs) instead of a Run that
  // can only fail. A project not loaded yet runs: the runner reads the settings from the server and says so.
  const startRun = useCallback(() => {
    if (!runner) return;
    if (projectLoaded && !hasRunCommand(runSettings.current)) setSettingsOpen("run");
    else run();
  }, [runner, run, projectLoaded, setSettingsOpen]);
  const runSuggestion = useRunSuggestion(settingsOpen === "run");
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isSearchKey(e) && !useAppStore.getState().searchOpen) {
        e.preventDefault();
        const current = document.activeElement;
        focusBeforeSearch.current = current instanceof HTMLElement && current !== document.body ? current : null;
        useAppStore.getState().setSearchOpen(true);
        return;
      }
      if (isExplorerKey(e) && useAppStore.getState().searchOpen) {
        // As VS Code's "Show Explorer": the tree takes the Search panel's place. Synchronously, so the tree's own
        // listener (after this capture one) finds its row shown and focuses it; focus does not go back where it
        // was before the search, as closing the panel with Escape does.
        focusBeforeSearch.current = null;
        flushSync(() => useAppStore.getState().setSearchOpen(false));
        return;
      }
      if (isToggleTerminalKey(e)) {
        e.preventDefault();
        toggleTerminal();
        return;
      }
      const action = runKey(e);
      if (action && runner) {
        e.preventDefault();
        const active = ["installing", "starting", "running"].includes(runner.getSnapshot().run.status);
        if (action === "stop") runner.stop();
        else if (action === "restart" || active) runner.restart();
        else startRun();
      }
    };
    // Capture: the terminal's own key handling must not swallow the toggle.
    document.addEventListener("keydown", onKey, true);
    return () => document.removeEventListener("keydown", onKey, true);
  }, [toggleTerminal, runner, startRun]);

  useEffect(() => () => setSettingsOpen(false), [setSettingsOpen]);
  // The tabs (and their focus requests) are the project's from the page's first commit, not from the editor's,
  // which may come after a file was opened from the tree (usePanesStage).
  useEffect(() => useAppStore.getState().setTabsProject(projectId), [projectId]);
  // Ready before Ctrl/Cmd+Shift+F or Ctrl/Cmd+P, but after the tree's first rows (lib/afterFirstRows.ts).
  useEffect(() => {
    void afterFirstRows().then(() => {
      prefetchSearchPanel();
      prefetchQuickOpen();
    });
  }, []);
  useEffect(() => () => useAppStore.getState().setSearchOpen(false), []);
  // Rows created offline are selected, focused or expanded under their temporary id until the server confirms.
  const outbox = useOutbox();
  useEffect(
    () => watchResolvedIds(outbox, (from, to) => useAppStore.getState().replaceTreeId(from, to)),
    [outbox],
  );
  // Keyed by the name, not the project row: every write to the project (each save bumps its updatedAt) gives a new
  // row, and setting document.title is not free (a replay of many writes set it twice per confirmation).
  const projectName = project?.name;
  useEffect(() => {
    if (projectName !== undefined) document.title = `${projectName} · Polaris`;
    return () => {
      document.title = "Polaris";
    };
  }, [projectName]);

  // The panes do not wait for the project's row: the file listing is subscribed beside it, not after it.
  return (
    <RunnerContext.Provider value={runner}>
      <div className="app-page">
        <SkipLinks />
        <AppHeader>
          <Link href="/" className="btn btn-ghost btn-small" aria-label="← Projects" title="All projects">
            <FoldLabel icon={<span aria-hidden="true">←</span>} label="Projects" primary />
          </Link>
          <h1 className="workspace-title" title={project?.name} aria-busy={project === undefined || undefined}>
            {project?.name ?? "Opening project…"}
          </h1>
          <SideBarToggle sideBar={sideBar} />
          <RunControls onToggleTerminal={toggleTerminal} onRun={startRun} />
          {narrow && <ChatToggle open={chatOpen} onToggle={() => (chatOpen ? closeChat() : setChatOpen(true))} />}
          <button
            ref={settingsButton}
            type="button"
            className="btn btn-ghost btn-small"
            aria-haspopup="dialog"
            aria-label="Settings"
            title="Project settings"
            data-overflow=""
            disabled={project === undefined}
            onClick={() => setSettingsOpen("edit")}
          >
            <FoldLabel icon={<SettingsIcon />} label="Settings" />
          </button>
          <button
            type="button"
            className="btn btn-ghost btn-small"
            aria-haspopup="dialog"
            aria-label="Import / Export"
            title="Import / Export"
            data-overflow=""
            disabled={project === undefined}
            onClick={() => setTransfersOpen(true)}
          >
            <FoldLabel icon={<TransferIcon />} label="Import / Export" />
          </button>
          {project && <TransferBadge project={project} />}
        </AppHeader>
        {project && <ImportBanner projectId={project._id} importStatus={project.importStatus} />}
        <div className="workspace-body">
          <WorkspacePanes
            projectId={projectId}
            allPanes={panes.all}
            narrow={narrow}
            sideBar={sideBar}
            chatOpen={chatOpen}
            onCloseChat={closeChat}
            onCloseSearch={closeSearch}
          />
          {terminalOpen && (
            <Suspense fallback={<section className="run-panel" aria-label="Terminal" aria-busy="true" />}>
              <RunPanel onClose={toggleTerminal} />
            </Suspense>
          )}
        </div>
        {transfersOpen && project && (
          <ImportExportDialog projectId={project._id} projectName={project.name} onClose={() => setTransfersOpen(false)} />
        )}
        {settingsOpen && project && (
          <ProjectSettingsDialog
            project={project}
            onSave={(settings) => void actions.updateSettings(project._id, settings)}
            onClose={() => setSettingsOpen(false)}
            run={settingsOpen === "run" ? { suggestion: runSuggestion, onRun: run } : undefined}
          />
        )}
      </div>
    </RunnerContext.Provider>
  );
}

/** The project's import/export state in the header, from the spec's fields, while one runs or after a failure. */
function TransferBadge({ project }: { project: { importStatus?: string; exportStatus?: string } }) {
  const text =
    project.importStatus === "importing"
      ? "Importing…"
      : project.importStatus === "failed"
        ? "Import failed"
        : project.exportStatus === "exporting"
          ? "Exporting…"
          : project.exportStatus === "failed"
            ? "Export failed"
            : null;
  return text === null ? null : (
    <span className="transfer-badge" role="status">
      {text}
    </span>
  );
}

const SIDE_BAR_ID = "workspace-side-bar";

/**
 * Whether a DOM move keeps what the moved element holds as it is (focus, an input's selection, no blur): the
 * atomic move, `moveBefore` (Chromium 133+). Only then does the workspace show the tree before its other panes
 * (usePanesStage); elsewhere all panes mount together, as before.
 */
const movesKeepFocus = typeof Element !== "undefined" && "moveBefore" in Element.prototype;

/** A project's page that shows no rows (offline with nothing cached) gets its other panes after this long anyway. */
const ALL_PANES_LATE_MS = 5_000;

/**
 * The first load's order (issue 18, docs/architecture.md "First load"): the page's first commit holds the header
 * and the side bar with the tree, in a stand-in for the row of panes (PanesStandIn); the resizable panes
 * (react-resizable-panels, which measures the page's layout as it mounts), the editor, the review bar and the
 * chat mount once the tree has shown its first rows (lib/afterFirstRows.ts), as a transition, so the rows are
 * not held behind their rendering, layout and effects. `showAll` mounts them at once, for what needs the panes'
 * handles now (Ctrl/Cmd+B before they are in).
 */
function usePanesStage(): { all: boolean; showAll: () => void } {
  const [all, setAll] = useState(!movesKeepFocus);
  const showAll = useCallback(() => flushSync(() => setAll(true)), []);
  useEffect(() => {
    if (all) return;
    let live = true;
    const show = () => {
      if (live) startTransition(() => setAll(true));
    };
    void afterFirstRows().then(show);
    const late = setTimeout(show, ALL_PANES_LATE_MS);
    // The person acting first gets every pane at once, before the key or press goes on: from then on the page
    // is as it has always been (the editor's shortcuts listen, a file opened has its pane).
    window.addEventListener("keydown", showAll, { capture: true, once: true });
    window.addEventListener("pointerdown", showAll, { capture: true, once: true });
    return () => {
      live = false;
      clearTimeout(late);
      window.removeEventListener("keydown", showAll, { capture: true });
      window.removeEventListener("pointerdown", showAll, { capture: true });
    };
  }, [all, showAll]);
  return { all, showAll };
}

interface SideBar {
  panel: React.RefObject<PanelImperativeHandle | null>;
  collapsed: boolean;
  onResize: (pixels: number) => void;
  toggle: () => void;
}

/**
 * The side bar (the tree, or the Search panel in its place) folds away and comes back, as VS Code's does with
 * Ctrl/Cmd+B: the header's Files button, Ctrl/Cmd+B anywhere but in a terminal (where the shell owns Ctrl+B), or
 * dragging its edge to nothing. Folding it moves focus to the editor when focus was inside it; unfolding it by key
 * or button moves focus to the tree. Ctrl/Cmd+Shift+E and Ctrl/Cmd+Shift+F unfold it before they act.
 */
function useSideBar(showAllPanes: () => void): SideBar {
  const panel = usePanelRef();
  const [collapsed, setCollapsed] = useState(false);
  const onResize = useCallback((pixels: number) => setCollapsed(pixels === 0), []);
  const expand = useCallback(() => {
    if (!panel.current) showAllPanes();
    if (!panel.current?.isCollapsed()) return;
    // Synchronously, so the side bar is reachable (no longer inert) before the key's own handler moves focus.
    flushSync(() => {
      panel.current?.expand();
      setCollapsed(false);
    });
  }, [panel, showAllPanes]);
  const toggle = useCallback(() => {
    if (!panel.current) showAllPanes();
    const handle = panel.current;
    if (!handle) return;
    if (handle.isCollapsed()) {
      expand();
      focusSideBar();
      return;
    }
    const focusWasInside = document.getElementById(SIDE_BAR_ID)?.contains(document.activeElement) ?? false;
    flushSync(() => {
      handle.collapse();
      setCollapsed(true);
    });
    if (focusWasInside || document.activeElement === document.body) focusEditor();
  }, [panel, expand, showAllPanes]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const primary = e.ctrlKey || e.metaKey;
      if (!primary || e.altKey) return;
      if (!e.shiftKey && e.code === "KeyB") {
        if (e.target instanceof Element && e.target.closest(".xterm")) return;
        e.preventDefault();
        toggle();
      } else if (e.shiftKey && (e.code === "KeyE" || e.code === "KeyF")) {
        expand();
      }
    };
    // Capture: it runs before the tree's and the search's own listeners, which then find the side bar open.
    document.addEventListener("keydown", onKey, true);
    return () => document.removeEventListener("keydown", onKey, true);
  }, [toggle, expand]);
  return { panel, collapsed, onResize, toggle };
}

/** Into the side bar: the Search panel's query while it shows, else the tree's row. */
function focusSideBar() {
  const side = document.getElementById(SIDE_BAR_ID);
  if (useAppStore.getState().searchOpen) side?.querySelector<HTMLElement>("input")?.focus();
  else focusFileTree();
}

function focusEditor() {
  const target =
    document.querySelector<HTMLElement>(".cm-content") ?? document.querySelector<HTMLElement>(".side-bar-toggle");
  target?.focus();
}

/** The header's Files button: shows and hides the side bar (Ctrl/Cmd+B). */
function SideBarToggle({ sideBar }: { sideBar: SideBar }) {
  return (
    <button
      type="button"
      className="btn btn-ghost btn-small side-bar-toggle"
      aria-expanded={!sideBar.collapsed}
      aria-controls={SIDE_BAR_ID}
      aria-keyshortcuts="Control+B"
      aria-label="Files"
      title="Show or hide the side bar (Ctrl/Cmd+B)"
      data-overflow=""
      onClick={sideBar.toggle}
    >
      <FoldLabel icon={<SideBarIcon />} label="Files" />
    </button>
  );
}

/** The side bar's and the chat's widths: the Panels' and their handles' menus (Reset, and where Narrow stops). */
const TREE_SIZE = { wide: { defaultPercent: 20, minPixels: 160 }, narrow: { defaultPercent: 32, minPixels: 120 } };
const CHAT_SIZE = { defaultPercent: 28, minPixels: 220 };
/** Below this width the chat leaves the row of panes and opens over the editor from the header's Chat button. */
const NARROW_QUERY = "(max-width: 999px)";

/**
 * The one MediaQueryList of NARROW_QUERY (null without matchMedia), made on first use: React reads the snapshot on
 * every render of the workspace, and a matchMedia call per read was a visible part of each render while thousands
 * of offline writes replayed (bench/offline with BENCH_PROFILE_LARGE).
 */
let narrowList: MediaQueryList | null | undefined;
const narrowQuery = () =>
  (narrowList ??= typeof window.matchMedia === "function" ? window.matchMedia(NARROW_QUERY) : null);

function subscribeNarrow(onChange: () => void) {
  const query = narrowQuery();
  if (!query) return () => {};
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}
const isNarrow = () => narrowQuery()?.matches ?? false;

/** True while the window is narrower than 1000 CSS pixels. */
function useNarrow(): boolean {
  return useSyncExternalStore(subscribeNarrow, isNarrow);
}

const CHAT_DRAWER_ID = "workspace-chat-drawer";

/** The header's Chat button on narrow windows: opens and closes the chat drawer. */
function ChatToggle({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  return (
    <button
      type="button"
      className="btn btn-ghost btn-small chat-toggle"
      aria-expanded={open}
      aria-controls={open ? CHAT_DRAWER_ID : undefined}
      aria-label="Chat"
      title="Show or hide the chat"
      onClick={onToggle}
    >
      <FoldLabel icon={<ChatIcon />} label="Chat" />
    </button>
  );
}

/**
 * The chat over the editor's side on narrow windows. Opening it moves focus into it (the message field once the
 * chat has loaded) and Tab cycles inside it; Escape, the Chat button or a press beside it closes it, and focus goes
 * back to the Chat button.
 */
function ChatDrawer({ projectId, onClose }: { projectId: Id<"projects">; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const drawer = ref.current;
    if (!drawer) return;
    const focusInside = () => {
      const field = drawer.querySelector<HTMLElement>("textarea");
      if (field) field.focus();
      return field !== null;
    };
    if (focusInside()) return;
    drawer.focus();
    // The chat's code may still be loading: its message field takes focus when it appears, unless the person
    // has moved on meanwhile.
    const observer = new MutationObserver(() => {
      if (document.activeElement !== drawer) return observer.disconnect();
      if (focusInside()) observer.disconnect();
    });
    observer.observe(drawer, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, []);
  return (
    <div
      ref={ref}
      id={CHAT_DRAWER_ID}
      className="chat-drawer"
      tabIndex={-1}
      onKeyDown={(event) => {
        // A text input in the chat (renaming a conversation) uses Escape to cancel itself.
        if (event.key === "Escape" && !event.defaultPrevented && !(event.target instanceof HTMLInputElement)) {
          event.preventDefault();
          onClose();
          return;
        }
        // While it is open, Tab cycles inside it: the panes under it are inert, and leaving it would mean the
        // browser's own controls.
        if (ref.current) keepTabInside(event, ref.current);
      }}
    >
      <PaneBoundary name="Chat">
        <ChatPane projectId={projectId} />
      </PaneBoundary>
    </div>
  );
}

function WorkspacePanes({
  projectId,
  allPanes,
  narrow,
  sideBar,
  chatOpen,
  onCloseChat,
  onCloseSearch,
}: {
  projectId: Id<"projects">;
  /** False while the page shows the tree before its other panes (usePanesStage). */
  allPanes: boolean;
  narrow: boolean;
  sideBar: SideBar;
  chatOpen: boolean;
  onCloseChat: () => void;
  onCloseSearch: () => void;
}) {
  const searchOpen = useAppStore((s) => s.searchOpen);
  const chatPanel = usePanelRef();
  const panes = narrow ? PANES.narrow : PANES.wide;
  const [treeSize, editorSize] = panes;
  const layout = useDefaultLayout({
    id: narrow ? "polaris.workspace.panes.narrow" : "polaris.workspace.panes",
    panelIds: panes.map((pane) => pane.id),
    storage: localStorage,
  });
  const sideBarElement = useSideBarElement(sideBar.collapsed || (!allPanes && layout.defaultLayout?.tree === 0));
  // The side bar is rendered into its own element, which moves from the stand-in's slot to the tree's Panel: the
  // tree keeps its state, its DOM and its focus when the panes mount after it.
  const sideBarSlot = useCallback(
    (slot: HTMLDivElement | null) => {
      if (slot) moveInto(slot, sideBarElement);
    },
    [sideBarElement],
  );
  // The panes and their resize handles are the page's main landmark; the tree, the editor and the chat are
  // labelled regions inside it, so a screen reader's landmark list jumps straight to each.
  return (
    <main
      className="workspace-main"
      onMouseDown={(event) => {
        // A press on the panes under the open drawer (inert, so the press lands here) closes it, as a drawer does;
        // focus goes back to the Chat button, not to the page's body the press would leave it on.
        if (narrow && chatOpen && !(event.target as Element).closest(".chat-drawer")) {
          event.preventDefault();
          onCloseChat();
        }
      }}
    >
      {allPanes && (
        <Group
          key={narrow ? "narrow" : "wide"}
          className="workspace-panes"
          orientation="horizontal"
          defaultLayout={layout.defaultLayout}
          onLayoutChanged={layout.onLayoutChanged}
          // The open chat drawer covers the panes' side: what lies under it cannot take focus meanwhile.
          inert={narrow && chatOpen}
        >
          <Panel
            id="tree"
            className="pane"
            defaultSize={String(treeSize.defaultPercent)}
            minSize={treeSize.minPixels}
            collapsible
            collapsedSize={0}
            panelRef={sideBar.panel}
            onResize={(size) => sideBar.onResize(size.inPixels)}
          >
            <div ref={sideBarSlot} className="pane-slot" />
          </Panel>
          <PaneSeparator pane="file tree" panel={sideBar.panel} {...treeSize} />
          <Panel id="editor" className="pane" defaultSize={String(editorSize.defaultPercent)} minSize={editorSize.minPixels}>
            <PaneBoundary name="Editor">
              <div className="review-panel-host">
                <PendingReviewBar projectId={projectId} />
                <EditorPane projectId={projectId} />
                <ReviewPanel />
              </div>
            </PaneBoundary>
          </Panel>
          {!narrow && (
            <>
              <PaneSeparator pane="chat" panel={chatPanel} {...CHAT_SIZE} />
              <Panel
                id="chat"
                className="pane"
                defaultSize={String(CHAT_SIZE.defaultPercent)}
                minSize={CHAT_SIZE.minPixels}
                panelRef={chatPanel}
              >
                <PaneBoundary name="Chat">
                  <ChatPane projectId={projectId} />
                </PaneBoundary>
              </Panel>
            </>
          )}
        </Group>
      )}
      {movesKeepFocus && <PanesStandIn panes={panes} layout={layout.defaultLayout} hidden={allPanes} sideBarSlot={sideBarSlot} />}
      {createPortal(
        <>
          {searchOpen && (
            <PaneBoundary name="Search">
              <LazySearchPanel projectId={projectId} onClose={onCloseSearch} />
            </PaneBoundary>
          )}
          {/* The tree stays mounted under the Search panel, so closing it shows the tree as it was. */}
          <div className="pane-stack" hidden={searchOpen}>
            <PaneBoundary name="File tree">
              <FileTreePane projectId={projectId} />
            </PaneBoundary>
          </div>
        </>,
        sideBarElement,
      )}
      {narrow && chatOpen && <ChatDrawer projectId={projectId} onClose={onCloseChat} />}
    </main>
  );
}

/**
 * The side bar's element (the tree, or the Search panel over it), made once per workspace and rendered into
 * through a portal, so that it can move between slots (moveInto) without React remounting what it holds.
 * Collapsed, its content stays mounted (the tree keeps its state) but out of reach: `inert`, so nothing in it can
 * take focus or be read while it has no width.
 */
function useSideBarElement(inert: boolean): HTMLDivElement {
  const [element] = useState(() => {
    const div = document.createElement("div");
    div.id = SIDE_BAR_ID;
    div.className = "pane-stack";
    return div;
  });
  useLayoutEffect(() => {
    element.inert = inert;
  }, [element, inert]);
  return element;
}

/**
 * Puts `element` into `slot`. Between two slots in the page it moves atomically where the browser can
 * (`moveBefore`): focus, and an input's text and selection, stay as they were, and no blur fires (a name being
 * typed in the tree would be committed by one).
 */
function moveInto(slot: HTMLElement, element: HTMLElement): void {
  if (element.parentElement === slot) return;
  if (movesKeepFocus && slot.isConnected && element.isConnected) (slot as AtomicMove).moveBefore(element, null);
  else slot.append(element);
}

/** `moveBefore`, which TypeScript's DOM types do not have yet. */
type AtomicMove = HTMLElement & { moveBefore(node: Node, child: Node | null): void };

/** The panes of the row, in order, with their default widths (percent of the row) and least widths (pixels). */
const PANES = {
  wide: [
    { id: "tree", ...TREE_SIZE.wide },
    { id: "editor", defaultPercent: 52, minPixels: 240 },
    { id: "chat", ...CHAT_SIZE },
  ],
  narrow: [
    { id: "tree", ...TREE_SIZE.narrow },
    { id: "editor", defaultPercent: 68, minPixels: 200 },
  ],
};

/**
 * The row of panes while only the side bar is in (usePanesStage): the boxes react-resizable-panels' Group and
 * Panels make, at the widths they will take (the stored layout, else the defaults; min-width where the Panels
 * have a least size), the handles' lines, and a slot for the side bar; the other panes are empty until they
 * mount. Kept, hidden, once the panes are in: the side bar moves out of its slot into the tree's Panel, and an
 * atomic move needs both places in the page.
 */
function PanesStandIn({
  panes,
  layout,
  hidden,
  sideBarSlot,
}: {
  panes: readonly { id: string; defaultPercent: number; minPixels: number }[];
  layout: Record<string, number> | undefined;
  hidden: boolean;
  sideBarSlot: (slot: HTMLDivElement | null) => void;
}) {
  return (
    <div className="workspace-panes" style={hidden ? { display: "none" } : STAND_IN_ROW}>
      {panes.map((pane, index) => {
        const percent = layout?.[pane.id] ?? pane.defaultPercent;
        return (
          <Fragment key={pane.id}>
            {index > 0 && <div className="pane-separator" />}
            <div style={{ display: "flex", flex: `${percent} 1 0`, minWidth: percent === 0 ? 0 : pane.minPixels }}>
              <div className="pane" style={STAND_IN_PANE}>
                {pane.id === "tree" && <div ref={sideBarSlot} className="pane-slot" />}
              </div>
            </div>
          </Fragment>
        );
      })}
    </div>
  );
}

/** react-resizable-panels' own styles of a Group's and a Panel's content boxes. */
const STAND_IN_ROW = { display: "flex", flexDirection: "row", flexWrap: "nowrap", width: "100%", height: "100%", overflow: "hidden" } as const;
const STAND_IN_PANE = { flexGrow: 1, maxWidth: "100%", maxHeight: "100%", overflow: "auto" } as const;

/** One pane failing shows its error in place; the other panes keep working. */
function PaneBoundary({ name, children }: { name: string; children: React.ReactNode }) {
  return (
    <ErrorBoundary
      fallback={(error, reset) => (
        <div className="pane-error" role="alert">
          <strong>{name} failed:</strong> {errorMessage(error)}
          <button type="button" className="btn btn-small" onClick={reset}>
            Try again
          </button>
        </div>
      )}
    >
      {children}
    </ErrorBoundary>
  );
}
