/**
 * Calls `report` at most once per `intervalMs`, always with the latest state: the first request reports at
 * once, requests during the interval are folded into one report at its end. The outbox's state feeds the app
 * store, whose every change reaches all its subscribers, so a replay answering entry after entry must not
 * report each one.
 */
export function throttleLatest(report: () => void, intervalMs: number): { request(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let due = false;
  let cancelled = false;
  const request = () => {
    if (cancelled) return;
    if (timer !== undefined) {
      due = true;
      return;
    }
    report();
    timer = setTimeout(() => {
      timer = undefined;
      if (!due) return;
      due = false;
      request();
    }, intervalMs);
  };
  return {
    request,
    cancel() {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
