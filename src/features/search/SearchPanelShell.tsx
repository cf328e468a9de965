import { useLayoutEffect, useRef, type KeyboardEvent, type ReactNode, type RefObject } from "react";

// The Search panel's head and query field, outside its lazy chunk: the stand-in shown while the chunk loads
// (LazySearchPanel) and the panel itself (SearchPanel) are drawn by the same components, and the query is one state
// held above both (LazySearchPanel's), so the swap from one to the other shows nothing new in the head and loses
// nothing typed.

/** The panel's region and head (its title and Close); `busy` while the panel's code is still loading. */
export function SearchPanelFrame({ busy = false, onClose, children }: { busy?: boolean; onClose: () => void; children: ReactNode }) {
  return (
    <section className="search-panel" aria-label="Search" aria-busy={busy ? "true" : undefined}>
      <div className="search-head">
        <h2>Search</h2>
        <button type="button" className="btn btn-ghost btn-small" aria-label="Close search" onClick={onClose}>
          ×
        </button>
      </div>
      {children}
    </section>
  );
}

/**
 * The query field, focused as it appears with the caret after what it holds (what was typed into the stand-in's
 * field goes on in the panel's), and what follows it on its row (the panel's option toggles).
 */
export function SearchQueryField({
  query,
  onChange,
  onKeyDown,
  inputRef,
  children,
}: {
  query: string;
  onChange: (query: string) => void;
  onKeyDown: (e: KeyboardEvent<HTMLInputElement>) => void;
  inputRef?: RefObject<HTMLInputElement | null>;
  children?: ReactNode;
}) {
  const own = useRef<HTMLInputElement>(null);
  const ref = inputRef ?? own;
  // Once, as the field appears (StrictMode runs a layout effect again later, by which time the caret is the
  // person's). autoFocus has focused it by now: children's mounts come before their parent's effects.
  const placed = useRef(false);
  useLayoutEffect(() => {
    const input = ref.current;
    if (placed.current || !input) return;
    placed.current = true;
    if (document.activeElement === input) input.setSelectionRange(input.value.length, input.value.length);
  }, [ref]);
  return (
    <div className="search-query">
      <input
        ref={ref}
        autoFocus
        type="text"
        aria-label="Search"
        placeholder="Search"
        value={query}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={onKeyDown}
        spellCheck={false}
      />
      {children}
    </div>
  );
}
