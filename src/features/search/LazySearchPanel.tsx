import { lazy, Suspense, useRef } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import "./search.css";

// The Search panel and what it needs (RE2 and glob matching, about two thirds of the workspace's code before this
// split) load when the panel first opens, or once the tree has shown its first rows (prefetchSearchPanel), not
// before the first tree row.
const loadSearchPanel = () => import("./SearchPanel");
const SearchPanel = lazy(() => loadSearchPanel().then((m) => ({ default: m.SearchPanel })));

/** Starts loading the Search panel's code (once; a failure shows when the panel opens). */
export function prefetchSearchPanel(): void {
  loadSearchPanel().catch(() => {});
}

/**
 * The Search panel, loaded on demand. Until its code is in, a stand-in with the same query field takes focus and
 * keeps what is typed, which the panel starts from: pressing Ctrl/Cmd+Shift+F and typing at once loses nothing.
 */
export function LazySearchPanel({ projectId, onClose }: { projectId: Id<"projects">; onClose: () => void }) {
  const draft = useRef("");
  return (
    <Suspense fallback={<SearchPanelStandIn draft={draft} onClose={onClose} />}>
      <SearchPanel projectId={projectId} onClose={onClose} draft={draft} />
    </Suspense>
  );
}

function SearchPanelStandIn({ draft, onClose }: { draft: { current: string }; onClose: () => void }) {
  return (
    <section className="search-panel" aria-label="Search" aria-busy="true">
      <div className="search-head">
        <h2>Search</h2>
        <button type="button" className="btn btn-ghost btn-small" aria-label="Close search" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="search-fields">
        <div className="search-query">
          <input
            autoFocus
            type="text"
            aria-label="Search"
            placeholder="Search"
            defaultValue={draft.current}
            onChange={(e) => {
              draft.current = e.target.value;
            }}
            onKeyDown={(e) => {
              if (e.key === "Escape") {
                e.preventDefault();
                onClose();
              }
            }}
            spellCheck={false}
          />
        </div>
      </div>
    </section>
  );
}
