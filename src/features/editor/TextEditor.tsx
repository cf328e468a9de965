import { useEffect, useLayoutEffect, useRef } from "react";
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
  type ExtensionLoader,
  type TabDocument,
} from "./codemirror";

interface TextEditorProps {
  session: DocumentSession;
  fileName: string;
  /** The file's path in the project, for the editor's accessible name. */
  path: string;
  /** Keyboard focus was asked for once this file is shown. */
  focusRequested: boolean;
  /** Ends the request; true when focus should still move into the editor. */
  claimFocus: () => boolean;
  /** Called on every edit a person makes (not on remote changes). */
  onUserEdit: () => void;
  loadExtensions?: ExtensionLoader;
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
}: TextEditorProps) {
  const parentRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const currentRef = useRef<{ session: DocumentSession; doc: TabDocument } | null>(null);
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
    viewRef.current = view;
    return () => {
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

  useEffect(() => {
    void setLanguage(documentFor(session), fileName);
  }, [session, fileName]);

  useEffect(() => {
    if (focusRequested && claimFocus()) viewRef.current?.focus();
  }, [focusRequested, session, claimFocus]);

  return <div ref={parentRef} className="editor-cm" data-testid="code-editor" />;
}

/** A read-only editor for text served from storage (over the inline size limit). */
export function ReadOnlyText({ text, fileName, path }: { text: string; fileName: string; path: string }) {
  const parentRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const state = EditorState.create({
      doc: text,
      extensions: baseExtensions([EditorState.readOnly.of(true), editorLabel(`${path} (read-only)`)]),
    });
    const view = new EditorView({ state, parent: parentRef.current! });
    const doc: TabDocument = { state, view, scroll: null, languageFor: null, labelFor: null };
    void setLanguage(doc, fileName);
    return () => view.destroy();
  }, [text, fileName, path]);
  return <div ref={parentRef} className="editor-cm" data-testid="code-editor" />;
}
