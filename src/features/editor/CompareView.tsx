import { MergeView, unifiedMergeView } from "@codemirror/merge";
import { useLayoutEffect, useRef } from "react";
import { EditorState, EditorView, baseExtensions, setLanguage } from "./codemirror";

export interface CompareViewProps {
  /** The left (older) text. */
  theirs: string;
  /** The right (newer) text. */
  mine: string;
  fileName: string;
  /** What the two sides are; by default the server's version and this tab's text (the editor's Compare panel). */
  labels?: [string, string];
  /** One editor showing the newer text with the older lines inline above each change, instead of side by side. */
  inline?: boolean;
}

/**
 * Two versions of a file, both read-only: side by side, or inline. The lazily loaded Compare panel of the editor,
 * and the diff of an assistant's change (src/features/review).
 */
export default function CompareView({ theirs, mine, fileName, labels = ["Server version", "Your version"], inline = false }: CompareViewProps) {
  const parentRef = useRef<HTMLDivElement>(null);
  const [left, right] = labels;
  useLayoutEffect(() => {
    const extensions = (label: string, extra: ReturnType<typeof unifiedMergeView> | [] = []) =>
      baseExtensions([EditorState.readOnly.of(true), EditorView.contentAttributes.of({ "aria-label": label }), ...extra]);
    const views: EditorView[] = [];
    let destroy: () => void;
    if (inline) {
      const view = new EditorView({
        doc: mine,
        extensions: extensions(`${right} of ${fileName}, with ${left.toLowerCase()} inline`, unifiedMergeView({
          original: theirs,
          mergeControls: false,
          collapseUnchanged: { margin: 3, minSize: 6 },
        })),
        parent: parentRef.current!,
      });
      views.push(view);
      destroy = () => view.destroy();
    } else {
      const merge = new MergeView({
        a: { doc: theirs, extensions: extensions(`${left} of ${fileName}`) },
        b: { doc: mine, extensions: extensions(`${right} of ${fileName}`) },
        parent: parentRef.current!,
        collapseUnchanged: { margin: 3, minSize: 6 },
      });
      views.push(merge.a, merge.b);
      destroy = () => merge.destroy();
    }
    for (const view of views) {
      void setLanguage({ state: view.state, view, scroll: null, languageFor: null, labelFor: null }, fileName);
    }
    return destroy;
  }, [theirs, mine, fileName, left, right, inline]);
  return (
    <div className="editor-compare">
      {!inline && (
        <div className="editor-compare-labels" aria-hidden="true">
          <span>{left}</span>
          <span>{right}</span>
        </div>
      )}
      <div ref={parentRef} className="editor-compare-view" data-testid="compare-view" />
    </div>
  );
}
