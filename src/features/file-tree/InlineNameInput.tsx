import { useEffect, useId, useMemo, useRef, useState } from "react";
import { siblingNameProblem } from "../../../convex/model/names";

export interface InlineEditor {
  kind: "rename" | "newFile" | "newFolder";
  initial: string;
  /** Names already used in the target folder (read lazily: a folder can hold 100k files). */
  siblingNames: () => readonly string[];
  onCommit: (name: string) => void;
  onCancel: () => void;
}

const LABELS = { rename: "Rename", newFile: "New file name", newFolder: "New folder name" } as const;

/**
 * The in-place name editor. Enter commits a valid name, Escape cancels, blur commits when valid and
 * cancels otherwise. An invalid name is explained in place (aria-invalid + message) and nothing is sent.
 */
export function InlineNameInput({ editor }: { editor: InlineEditor }) {
  const [value, setValue] = useState(editor.initial);
  const [touched, setTouched] = useState(false);
  const done = useRef(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const messageId = useId();
  const siblings = useMemo(() => editor.siblingNames(), [editor]);
  const currentName = editor.kind === "rename" ? editor.initial : undefined;
  const problem = siblingNameProblem(value, siblings, currentName);
  const shownProblem = touched || value !== editor.initial ? problem : null;

  // Once per edit, not per `editor` object: the row's parent passes a new one whenever it renders (a folder created
  // just before gets its server id, a write is confirmed), and selecting again then put the caret back at the start
  // of what was being typed ("inner.ts" typed at once after creating its folder became "r.tsinne").
  const { kind, initial } = editor;
  useEffect(() => {
    const input = inputRef.current;
    if (!input) return;
    input.focus({ preventScroll: true });
    const dot = kind === "rename" ? initial.lastIndexOf(".") : -1;
    input.setSelectionRange(0, dot > 0 ? dot : initial.length);
  }, [kind, initial]);

  const finish = (commit: boolean) => {
    if (done.current) return;
    done.current = true;
    if (commit) editor.onCommit(value);
    else editor.onCancel();
  };

  return (
    <span className="file-tree-edit">
      <input
        ref={inputRef}
        className="file-tree-input"
        aria-label={LABELS[editor.kind]}
        aria-invalid={shownProblem ? true : undefined}
        aria-describedby={shownProblem ? messageId : undefined}
        value={value}
        spellCheck={false}
        autoComplete="off"
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === "Enter") {
            e.preventDefault();
            if (editor.kind !== "rename" && value === "") finish(false);
            else if (value === currentName) finish(false);
            else if (problem) setTouched(true);
            else finish(true);
          } else if (e.key === "Escape") {
            e.preventDefault();
            finish(false);
          }
        }}
        onBlur={() => finish(!problem && value !== currentName)}
      />
      {shownProblem && (
        <span id={messageId} role="alert" className="file-tree-input-error">
          {shownProblem}
        </span>
      )}
    </span>
  );
}
