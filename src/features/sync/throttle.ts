/**
 * Calls `report` at most once per `intervalMs`, always with the latest state, and always in a timer task of its
 * own, never inside the task that requested it. The outbox's state feeds the app store, whose every change
 * reaches all its subscribers, so a replay answering entry after entry must not report each one; and a store
 * change is a synchronous React render (useSyncExternalStore) that also takes in every other pending update:
 * reported from inside the task confirming a batch of answers, it put the whole workspace's render into that
 * task (bench/offline with BENCH_PROFILE_LARGE, 5,000 writes: the longest tasks were confirm + render).
 */
export function throttleLatest(
  report: () => void,
  intervalMs: number,
  now: () => number = () => performance.now(),
): { request(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = -Infinity;
  let cancelled = false;
  return {
    request() {
      if (cancelled || timer !== undefined) return;
      timer = setTimeout(
        () => {
          timer = undefined;
          if (cancelled) return;
          last = now();
          report();
        },
        Math.max(0, last + intervalMs - now()),
      );
    },
    cancel() {
      cancelled = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
