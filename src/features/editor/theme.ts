import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorView } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

// Every colour is a CSS variable from editor.css, whose values switch with prefers-color-scheme. The editor
// therefore follows the system theme live without reconfiguring any EditorState (states of background tabs
// included).
const chrome = EditorView.theme({
  "&": {
    color: "var(--cm-fg)",
    backgroundColor: "var(--cm-bg)",
    height: "100%",
    fontSize: "var(--cm-font-size, 13px)",
  },
  // The focused editor shows the app's focus ring, not only its caret.
  "&.cm-focused": { outline: "var(--focus-ring)", outlineOffset: "-2px" },
  ".cm-scroller": { fontFamily: "var(--cm-font, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace)" },
  ".cm-content": { caretColor: "var(--cm-caret)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--cm-caret)" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection":
    { backgroundColor: "var(--cm-selection)" },
  ".cm-activeLine": { backgroundColor: "var(--cm-active-line)" },
  ".cm-gutters": {
    backgroundColor: "var(--cm-gutter-bg)",
    color: "var(--cm-gutter-fg)",
    borderRight: "1px solid var(--cm-border)",
  },
  ".cm-activeLineGutter": { backgroundColor: "var(--cm-active-line)" },
  ".cm-matchingBracket, &.cm-focused .cm-matchingBracket": {
    backgroundColor: "var(--cm-bracket)",
    outline: "1px solid var(--cm-border)",
  },
  ".cm-searchMatch": { backgroundColor: "var(--cm-search)" },
  ".cm-searchMatch.cm-searchMatch-selected": { backgroundColor: "var(--cm-search-selected)" },
  ".cm-panels": { backgroundColor: "var(--cm-gutter-bg)", color: "var(--cm-fg)" },
  ".cm-tooltip": { backgroundColor: "var(--cm-bg)", color: "var(--cm-fg)", border: "1px solid var(--cm-border)" },
  ".cm-foldPlaceholder": { backgroundColor: "var(--cm-bracket)", color: "var(--cm-fg)", border: "none" },
});

const highlight = HighlightStyle.define([
  { tag: [t.keyword, t.modifier, t.operatorKeyword, t.controlKeyword], color: "var(--cm-keyword)" },
  { tag: [t.string, t.special(t.string), t.regexp], color: "var(--cm-string)" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "var(--cm-number)" },
  { tag: [t.comment, t.lineComment, t.blockComment], color: "var(--cm-comment)", fontStyle: "italic" },
  { tag: [t.function(t.variableName), t.function(t.propertyName)], color: "var(--cm-function)" },
  { tag: [t.typeName, t.className, t.namespace], color: "var(--cm-type)" },
  { tag: [t.tagName, t.heading], color: "var(--cm-tag)", fontWeight: "bold" },
  { tag: [t.attributeName, t.propertyName], color: "var(--cm-property)" },
  { tag: [t.definition(t.variableName)], color: "var(--cm-definition)" },
  { tag: t.link, color: "var(--cm-string)", textDecoration: "underline" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.strong, fontWeight: "bold" },
  { tag: t.invalid, color: "var(--cm-invalid)" },
]);

export const editorTheme = [chrome, syntaxHighlighting(highlight)];
