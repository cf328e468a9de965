import { useEffect, useMemo } from "react";
import {
  usePaginatedQuery,
  type PaginatedQueryArgs,
  type PaginatedQueryItem,
  type PaginatedQueryReference,
  type UsePaginatedQueryReturnType,
} from "convex/react";
import { canonicalPath, queryToken } from "./queryKey";
import { useOutbox } from "./SyncProvider";
import { useCacheSnapshot } from "./useSyncedQuery";

/** The most items of one paginated query kept for offline (the newest pages the person has seen). */
export const CACHED_PAGE_ITEMS = 100;

export type PaginatedSyncedResult<Query extends PaginatedQueryReference> = UsePaginatedQueryReturnType<Query> & {
  /** True while `results` are the copy cached from an earlier visit (offline, or before the first page answers). */
  fromCache: boolean;
};

/**
 * The paginated face of the read path (read.ts): Convex's `usePaginatedQuery`, whose pages the client keeps
 * joined as they grow, plus the cache. The joined results (at most CACHED_PAGE_ITEMS) are cached as one result
 * under the query's args without pagination, so they persist like any cacheable query; while the first page has
 * not answered (offline, also after a reload) the cached copy is shown instead, with `fromCache` set and nothing
 * more to load. No SPA write is shown optimistically in a paginated list, so no overlay is applied.
 */
export function usePaginatedSyncedQuery<Query extends PaginatedQueryReference>(
  query: Query,
  args: PaginatedQueryArgs<Query> | "skip",
  options: { initialNumItems: number },
): PaginatedSyncedResult<Query> {
  const outbox = useOutbox();
  const path = canonicalPath(query);
  const paged = usePaginatedQuery(query, args, options);
  const cache = useCacheSnapshot(outbox);
  const token = args === "skip" ? null : queryToken(path, args);
  const live = paged.status !== "LoadingFirstPage";

  useEffect(() => {
    if (args === "skip" || !live) return;
    outbox.cache.setLive(path, args, paged.results.slice(0, CACHED_PAGE_ITEMS));
    // token stands for args' contents.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [outbox, path, token, live, paged.results]);

  const cached = token === null || live ? undefined : (cache.get(token)?.value as PaginatedQueryItem<Query>[] | undefined);
  return useMemo(
    () =>
      cached === undefined
        ? { ...paged, fromCache: false }
        : { results: cached, status: "Exhausted", isLoading: false, loadMore: () => {}, fromCache: true },
    [paged, cached],
  );
}
