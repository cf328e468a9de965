import { useEffect, useLayoutEffect, useRef } from "react";
import { useAppStore } from "../../store";
import type { DocumentSession } from "./documentSession";
import {
  EditorState,
  EditorView,
  baseExtensions,
  documentFor,
  editorLabel,
  isUserChange,
  setEditorLabel,
  setLanguage,
  showReview,
  type ExtensionLoader,
  type ReviewBase,
  type TabDocument,
} from "./codemirror";

interface TextEditorProps {
  session: DocumentSession;
  fileName: string;
  /** The file's path in the project, for the editor's accessible name. */
  path: string;
  /** Keyboard focus was asked for once this file is shown. */
  focusRequested: boolean;
  /** Ends the focus request: what to do as the editor appears (store/editorFocus.ts `claim`). */
  claimFocus: () => { focus: boolean; text: string } | null;
  /** Called on every edit a person makes (not on remote changes). */
  onUserEdit: () => void;
  loadExtensions?: ExtensionLoader;
  /** The assistant's change of this file waiting for review, whose lines the editor marks; null or absent: none. */
  review?: ReviewBase | null;
}

/** The editor of the active text tab; the default export of the lazily loaded CodeMirror chunk. */
export default function TextEditor({
  session,
  fileName,
  path,
  focusRequested,
  claimFocus,
  onUserEdit,
  loadExtensions,
  review = null,
}: TextEditorProps) {
  const parentRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const currentRef = useRef<{ session: DocumentSession; doc: TabDocument } | null>(null);
  // The view had focus when its effect was cleaned up. Under StrictMode's double mount (`npm run dev`) React
  // cleans the effect and runs it again at once: the view is destroyed, focus falls to the body, and the new view
  // must take it back, or every key typed next is lost.
  const hadFocusRef = useRef(false);
  const onUserEditRef = useRef(onUserEdit);
  useEffect(() => {
    onUserEditRef.current = onUserEdit;
  });

  useLayoutEffect(() => {
    const view = new EditorView({
      parent: parentRef.current!,
      dispatchTransactions: (transactions, v) => {
        v.update(transactions);
        const current = currentRef.current;
        if (!current) return;
        current.doc.state = v.state;
        if (transactions.some(isUserChange)) {
          current.session.localChange();
          onUserEditRef.current();
        }
      },
    });
    view.setTabFocusMode(useAppStore.getState().tabMovesFocus);
    viewRef.current = view;
    return () => {
      hadFocusRef.current = view.hasFocus;
      const current = currentRef.current;
      if (current) {
        current.doc.scroll = view.scrollSnapshot();
        current.doc.view = null;
      }
      currentRef.current = null;
      viewRef.current = null;
      view.destroy();
    };
  }, []);

  useLayoutEffect(() => {
    const view = viewRef.current!;
    const previous = currentRef.current;
    if (previous?.session === session) return;
    if (previous) {
      previous.doc.scroll = view.scrollSnapshot();
      previous.doc.view = null;
    }
    const doc = documentFor(session, loadExtensions);
    view.setState(doc.state);
    doc.view = view;
    currentRef.current = { session, doc };
    if (doc.scroll) view.dispatch({ effects: doc.scroll });
  }, [session, loadExtensions]);

  useLayoutEffect(() => {
    setEditorLabel(documentFor(session), path);
  }, [session, path]);

  useTabFocusMode(viewRef);

  // Marks follow the change, not the object that describes it (a new one each render).
  const reviewRef = useRef(review);
  useEffect(() => {
    reviewRef.current = review;
  });
  const reviewId = review?.changeId ?? null;
  useEffect(() => {
    void showReview(documentFor(session), reviewId === null ? null : reviewRef.current);
  }, [session, reviewId]);

  useEffect(() => {
    void setLanguage(documentFor(session), fileName);
  }, [session, fileName]);

  // Before focus is claimed: keys typed while the file loaded go to the revealed place, as typed after it.
  useReveal(viewRef, session);

  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    if (hadFocusRef.current) {
      hadFocusRef.current = false;
      view.focus();
    }
    // Also without a request: text typed for this file while it loaded, before the person went elsewhere.
    const claim = claimFocus();
    if (claim === null) return;
    if (claim.focus) view.focus();
    if (claim.text) view.dispatch({ ...view.state.replaceSelection(claim.text), userEvent: "input.type", scrollIntoView: claim.focus });
  }, [focusRequested, session, claimFocus]);

  return <div ref={parentRef} className="editor-cm" data-testid="code-editor" />;
}

/**
 * Selects and scrolls to the place a search result asked for (the store's `reveal`), once this editor shows that
 * file; a line or column past the end (the file changed since the search) is clamped to the text.
 *
 * Once per request: the effect may run again with the same request before the store's end of it has re-rendered
 * this component (StrictMode's second run of a new component's effects, in development), by then after the effect
 * below inserted the keys typed while the file loaded. Selecting the place again then selected those keys (the
 * match's column and length), and the next key typed over them: "greet" became "reet}".
 */
function useReveal(viewRef: React.RefObject<EditorView | null>, session: DocumentSession) {
  const reveal = useAppStore((s) => (s.reveal?.fileId === session.fileId ? s.reveal : null));
  useEffect(() => {
    const view = viewRef.current;
    if (!view || reveal === null || useAppStore.getState().reveal?.number !== reveal.number) return;
    const doc = view.state.doc;
    const line = doc.line(Math.min(Math.max(1, reveal.line), doc.lines));
    const from = Math.min(line.from + reveal.column, line.to);
    const to = Math.min(from + reveal.length, line.to);
    view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
    useAppStore.getState().endReveal(reveal.number);
  }, [viewRef, reveal]);
}

/** A read-only editor for text served from storage (over the inline size limit). */
export function ReadOnlyText({ text, fileName, path }: { text: string; fileName: string; path: string }) {
  const parentRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  useTabFocusMode(viewRef);
  useLayoutEffect(() => {
    const state = EditorState.create({
      doc: text,
      extensions: baseExtensions([EditorState.readOnly.of(true), editorLabel(`${path} (read-only)`)]),
    });
    const view = new EditorView({ state, parent: parentRef.current! });
    view.setTabFocusMode(useAppStore.getState().tabMovesFocus);
    viewRef.current = view;
    const doc: TabDocument = { state, view, scroll: null, languageFor: null, labelFor: null };
    void setLanguage(doc, fileName);
    return () => {
      viewRef.current = null;
      view.destroy();
    };
  }, [text, fileName, path]);
  return <div ref={parentRef} className="editor-cm" data-testid="code-editor" />;
}

/** Keeps the view's Tab behaviour on the app's mode (tabFocus.ts) when Ctrl+M or the status bar switches it. */
function useTabFocusMode(viewRef: React.RefObject<EditorView | null>) {
  const tabMovesFocus = useAppStore((state) => state.tabMovesFocus);
  useLayoutEffect(() => {
    viewRef.current?.setTabFocusMode(tabMovesFocus);
  }, [viewRef, tabMovesFocus]);
}
