import { indentWithTab } from "@codemirror/commands";
import { diff } from "@codemirror/merge";
import {
  Compartment,
  EditorState,
  Prec,
  Transaction,
  type ChangeSpec,
  type Extension,
  type StateEffect,
  type TransactionSpec,
} from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { reviewMarks, setReviewBase } from "../review/reviewMarks";
import type { DocumentSession } from "./documentSession";
import { loadLanguage } from "./languages";
import { EDITOR_KEYS_HELP_ID, toggleTabMovesFocus } from "./tabFocus";
import { editorTheme } from "./theme";

/**
 * CodeMirror state of one tab. The pane has ONE EditorView and swaps these states in and out when the active
 * tab changes: an EditorState carries the text, undo history and selection, so a tab keeps them while it is in
 * the background, and a single view keeps memory and DOM flat however many tabs are open. Scroll position is
 * not part of the state, so it is kept beside it as a scroll snapshot.
 */
export interface TabDocument {
  state: EditorState;
  view: EditorView | null;
  scroll: StateEffect<unknown> | null;
  languageFor: string | null;
  labelFor: string | null;
  /** The assistant change whose marks the state shows (or is loading them for); null when none. */
  reviewFor?: string | null;
}

const language = new Compartment();
// The accessible name of the editing area ("Editor: src/app.ts"), which follows renames.
const label = new Compartment();
// Extensions added per file by other features (AI ghost text, quick edit), loaded after the state exists.
const features = new Compartment();

/**
 * Loads extra editor extensions for one file; called once per tab document. `currentFileId` follows the file
 * when it gets its real id (created offline), so extensions should ask it rather than keep `fileId`.
 */
export type ExtensionLoader = (fileId: string, currentFileId: () => string) => Promise<Extension>;

// Ctrl+M replaces CodeMirror's own binding (per view, invisible) with the app's mode (tabFocus.ts).
const tabFocusKeys = Prec.highest(
  keymap.of([{ key: "Ctrl-m", mac: "Shift-Alt-m", run: () => (toggleTabMovesFocus(), true) }]),
);
const keysHelp = EditorView.contentAttributes.of({ "aria-describedby": EDITOR_KEYS_HELP_ID });

export function baseExtensions(extra: Extension[] = []): Extension[] {
  return [
    basicSetup,
    keymap.of([indentWithTab]),
    tabFocusKeys,
    keysHelp,
    editorTheme,
    language.of([]),
    label.of([]),
    features.of([]),
    reviewMarks(),
    ...extra,
  ];
}

/** The changes turning `from` into `to`, as small edits so selections and scroll map through them. */
export function minimalChanges(from: string, to: string): ChangeSpec[] {
  return diff(from, to).map((c) => ({ from: c.fromA, to: c.toA, insert: to.slice(c.fromB, c.toB) }));
}

function apply(doc: TabDocument, spec: TransactionSpec) {
  if (doc.view) doc.view.dispatch(spec);
  else doc.state = doc.state.update(spec).state;
}

const documents = new WeakMap<DocumentSession, TabDocument>();

/** The CodeMirror document of a session, created from the session's server text on first use. */
export function documentFor(session: DocumentSession, loadExtensions?: ExtensionLoader): TabDocument {
  const doc = documents.get(session);
  if (doc) return doc;
  const created: TabDocument = {
    state: EditorState.create({ doc: session.initialText, extensions: baseExtensions() }),
    view: null,
    scroll: null,
    languageFor: null,
    labelFor: null,
  };
  documents.set(session, created);
  session.attachBuffer({
    getText: () => created.state.doc.toString(),
    applyRemoteText: (text) =>
      apply(created, {
        changes: minimalChanges(created.state.doc.toString(), text),
        annotations: [Transaction.remote.of(true), Transaction.addToHistory.of(false)],
      }),
  });
  loadExtensions?.(session.fileId, () => session.fileId).then(
    (extension) => apply(created, { effects: features.reconfigure(extension) }),
    (error: unknown) => console.error("Editor extensions failed to load; editing works without them.", error),
  );
  return created;
}

/** Sets the language from the file name (again after a rename changes the extension). */
export async function setLanguage(doc: TabDocument, fileName: string): Promise<void> {
  if (doc.languageFor === fileName) return;
  doc.languageFor = fileName;
  const support = await loadLanguage(fileName);
  if (doc.languageFor !== fileName) return;
  apply(doc, { effects: language.reconfigure(support ?? []) });
}

/** Names the editing area for assistive technology: "Editor: <path>". */
export function editorLabel(path: string): Extension {
  return EditorView.contentAttributes.of({ "aria-label": `Editor: ${path}` });
}

export function setEditorLabel(doc: TabDocument, path: string): void {
  if (doc.labelFor === path) return;
  doc.labelFor = path;
  apply(doc, { effects: label.reconfigure(editorLabel(path)) });
}

/** An assistant change of the file waiting for review, and how to read the file's text before it (null: none to compare). */
export interface ReviewBase {
  changeId: string;
  loadBefore: () => Promise<string | null>;
}

/**
 * Marks the lines the change `review` made (reviewMarks.ts), or clears them with null. The text before the answer is
 * read once per change and document, not on every switch to the tab; a failed read leaves the file unmarked.
 */
export async function showReview(doc: TabDocument, review: ReviewBase | null): Promise<void> {
  const key = review?.changeId ?? null;
  if ((doc.reviewFor ?? null) === key) return;
  doc.reviewFor = key;
  if (review === null) {
    apply(doc, { effects: setReviewBase.of(null) });
    return;
  }
  let before: string | null = null;
  try {
    before = await review.loadBefore();
  } catch (error) {
    console.error("The text before the assistant's change could not be read; its lines are not marked.", error);
  }
  if (doc.reviewFor === key) apply(doc, { effects: setReviewBase.of(before) });
}

export function isUserChange(tr: Transaction): boolean {
  return tr.docChanged && !tr.annotation(Transaction.remote);
}

export { EditorState, EditorView };
