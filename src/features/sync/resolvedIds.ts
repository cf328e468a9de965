import type { Outbox } from "./outbox";
import { idFromResult, tempIdFor } from "./ids";
import { resultsAddedSince } from "./resultLog";
import type { StoredResult } from "./types";

/**
 * Calls `onResolved(tempId, realId)` for every create the server confirmed, first for those already known, then
 * for each new confirmation (this tab's or another tab's outbox). It runs inside the outbox's notification, in
 * the same turn that removes the pending row from the overlay: UI state keyed by a temporary id can be moved to
 * the real id before any render shows the row gone. Returns the unsubscribe function.
 */
export function watchResolvedIds(
  outbox: Pick<Outbox, "subscribe" | "getResults">,
  onResolved: (tempId: string, realId: string) => void,
): () => void {
  let seen: ReadonlyMap<string, StoredResult> = new Map();
  const check = () => {
    const results = outbox.getResults();
    if (results === seen) return;
    const before = seen;
    seen = results;
    for (const [opId, stored] of resultsAddedSince(results, before)) {
      const realId = idFromResult(stored.result);
      if (realId !== undefined) onResolved(tempIdFor(opId), realId);
    }
  };
  const unsubscribe = outbox.subscribe(check);
  check();
  return unsubscribe;
}
