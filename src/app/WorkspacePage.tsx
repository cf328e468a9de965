import { lazy, Suspense, useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { flushSync } from "react-dom";
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
  const sideBar = useSideBar();
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
function useSideBar(): SideBar {
  const panel = usePanelRef();
  const [collapsed, setCollapsed] = useState(false);
  const onResize = useCallback((pixels: number) => setCollapsed(pixels === 0), []);
  const expand = useCallback(() => {
    if (!panel.current?.isCollapsed()) return;
    // Synchronously, so the side bar is reachable (no longer inert) before the key's own handler moves focus.
    flushSync(() => {
      panel.current?.expand();
      setCollapsed(false);
    });
  }, [panel]);
  const toggle = useCallback(() => {
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
  }, [panel, expand]);
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

const PANE_IDS = ["tree", "editor", "chat"];
/** The side bar's and the chat's widths: the Panels' and their handles' menus (Reset, and where Narrow stops). */
const TREE_SIZE = { wide: { defaultPercent: 20, minPixels: 160 }, narrow: { defaultPercent: 32, minPixels: 120 } };
const CHAT_SIZE = { defaultPercent: 28, minPixels: 220 };
const NARROW_PANE_IDS = ["tree", "editor"];
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
  narrow,
  sideBar,
  chatOpen,
  onCloseChat,
  onCloseSearch,
}: {
  projectId: Id<"projects">;
  narrow: boolean;
  sideBar: SideBar;
  chatOpen: boolean;
  onCloseChat: () => void;
  onCloseSearch: () => void;
}) {
  const searchOpen = useAppStore((s) => s.searchOpen);
  const chatPanel = usePanelRef();
  const treeSize = narrow ? TREE_SIZE.narrow : TREE_SIZE.wide;
  const layout = useDefaultLayout({
    id: narrow ? "polaris.workspace.panes.narrow" : "polaris.workspace.panes",
    panelIds: narrow ? NARROW_PANE_IDS : PANE_IDS,
    storage: localStorage,
  });
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
          {/* Collapsed, the side bar's content stays mounted (the tree keeps its state) but out of reach: nothing
              in it can take focus or be read while it has no width. */}
          <div id={SIDE_BAR_ID} className="pane-stack" inert={sideBar.collapsed}>
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
          </div>
        </Panel>
        <PaneSeparator pane="file tree" panel={sideBar.panel} {...treeSize} />
        <Panel id="editor" className="pane" defaultSize={narrow ? "68" : "52"} minSize={narrow ? 200 : 240}>
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
      {narrow && chatOpen && <ChatDrawer projectId={projectId} onClose={onCloseChat} />}
    </main>
  );
}

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
