// The first load's order (issue 18, docs/architecture.md "First load"): what the first tree row does not need
// (the chat and its Markdown, CodeMirror, the Search panel, Go to File's matcher) starts loading only once the
// tree has shown its rows, so its fetching, parsing and running do not compete with them for the network, the main
// thread and the CPU the backend answering them shares on a small machine. A person acting first does not wait:
// any key or pointer press releases everything at once, and anything opened (a file, the Search panel) loads on
// demand regardless.

import { useEffect, useState } from "react";

let released = false;
let release: () => void = () => {};
const shown = new Promise<void>((resolve) => {
  release = resolve;
});

function onInput(): void {
  releaseAfterFirstRows();
}

/** Resolves once the tree has shown its first rows (or said why it has none), or the person has pressed a key. */
export function afterFirstRows(): Promise<void> {
  if (!released && typeof window !== "undefined") {
    window.addEventListener("keydown", onInput, { capture: true, once: true });
    window.addEventListener("pointerdown", onInput, { capture: true, once: true });
  }
  return shown;
}

/** Called by the file tree when its first rows (or its empty or preparing state) are on the page. */
export function releaseAfterFirstRows(): void {
  if (released) return;
  released = true;
  if (typeof window !== "undefined") {
    window.removeEventListener("keydown", onInput, { capture: true });
    window.removeEventListener("pointerdown", onInput, { capture: true });
  }
  release();
}

/**
 * False until the tree has shown its first rows (or a key or pointer was pressed), then true: for a component whose
 * query the first rows do not need (the assistant's provider state, the changes waiting for review), so it is sent
 * once the listing's answers have been shown instead of competing with them on the socket and the backend.
 */
export function useAfterFirstRows(): boolean {
  const [shownNow, setShown] = useState(released);
  useEffect(() => {
    if (!shownNow) void afterFirstRows().then(() => setShown(true));
  }, [shownNow]);
  return shownNow;
}
