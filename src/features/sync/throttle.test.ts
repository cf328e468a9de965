import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { throttleLatest } from "./throttle";

describe("throttleLatest", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("reports in a task of its own, never inside the call that asked", () => {
    const seen: number[] = [];
    let state = 1;
    const throttle = throttleLatest(() => seen.push(state), 32, () => Date.now());
    throttle.request();
    expect(seen).toEqual([]);
    state = 2;
    vi.advanceTimersByTime(0);
    expect(seen).toEqual([2]);
  });

  it("reports at most once per interval, with the latest state", () => {
    const seen: number[] = [];
    let state = 0;
    const throttle = throttleLatest(() => seen.push(state), 32, () => Date.now());
    throttle.request();
    vi.advanceTimersByTime(0);
    for (state = 1; state <= 10; state++) {
      throttle.request();
      vi.advanceTimersByTime(5);
    }
    // 50 ms of requests after the first report: one more report at 32 ms (the state then), one pending.
    expect(seen).toEqual([0, 7]);
    state = 11;
    vi.advanceTimersByTime(32);
    expect(seen).toEqual([0, 7, 11]);
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([0, 7, 11]);
  });

  it("reports nothing after cancel", () => {
    const report = vi.fn();
    const throttle = throttleLatest(report, 32, () => Date.now());
    throttle.request();
    throttle.cancel();
    throttle.request();
    vi.advanceTimersByTime(100);
    expect(report).not.toHaveBeenCalled();
  });
});
