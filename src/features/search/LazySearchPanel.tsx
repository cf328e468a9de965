import { lazy, Suspense, useState } from "react";
import type { Id } from "../../../convex/_generated/dataModel";
import { SearchPanelFrame, SearchQueryField } from "./SearchPanelShell";
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
 * The Search panel, loaded on demand. Until its code is in, a stand-in with the same head and query field
 * (SearchPanelShell) takes focus. The query is held here, above both: pressing Ctrl/Cmd+Shift+F and typing at once
 * loses nothing, whenever the panel takes over.
 */
export function LazySearchPanel({ projectId, onClose }: { projectId: Id<"projects">; onClose: () => void }) {
  // Not a draft the panel copies as it appears: a copy taken then went stale when StrictMode ran the panel's
  // mount effects again a moment later, and the keys typed in between were lost (e2e search "typed during the swap").
  const [query, setQuery] = useState("");
  return (
    <Suspense fallback={<SearchPanelStandIn query={query} onQueryChange={setQuery} onClose={onClose} />}>
      <SearchPanel projectId={projectId} onClose={onClose} query={query} onQueryChange={setQuery} />
    </Suspense>
  );
}

function SearchPanelStandIn({ query, onQueryChange, onClose }: { query: string; onQueryChange: (query: string) => void; onClose: () => void }) {
  return (
    <SearchPanelFrame busy onClose={onClose}>
      <div className="search-fields">
        <SearchQueryField
          query={query}
          onChange={onQueryChange}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault();
              onClose();
            }
          }}
        />
      </div>
    </SearchPanelFrame>
  );
}
