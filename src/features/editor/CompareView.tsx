import { MergeView } from "@codemirror/merge";
import { useLayoutEffect, useRef } from "react";
import { EditorState, EditorView, baseExtensions, setLanguage } from "./codemirror";

/** Server version (left) beside this tab's text (right), both read-only; the lazily loaded Compare panel. */
export default function CompareView({ theirs, mine, fileName }: { theirs: string; mine: string; fileName: string }) {
  const parentRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const extensions = (label: string) =>
      baseExtensions([EditorState.readOnly.of(true), EditorView.contentAttributes.of({ "aria-label": label })]);
    const merge = new MergeView({
      a: { doc: theirs, extensions: extensions(`Server version of ${fileName}`) },
      b: { doc: mine, extensions: extensions(`Your version of ${fileName}`) },
      parent: parentRef.current!,
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    for (const view of [merge.a, merge.b]) {
      void setLanguage({ state: view.state, view, scroll: null, languageFor: null, labelFor: null }, fileName);
    }
    return () => merge.destroy();
  }, [theirs, mine, fileName]);
  return (
    <div className="editor-compare">
      <div className="editor-compare-labels" aria-hidden="true">
        <span>Server version</span>
        <span>Your version</span>
      </div>
      <div ref={parentRef} className="editor-compare-view" data-testid="compare-view" />
    </div>
  );
}
