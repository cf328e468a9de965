import type { JSONValue } from "convex/values";

// The results of mutations sent with an idempotency key (the sync session id + request id), so a re-sent
// mutation returns its first result instead of running again. Invariants:
// - A key is remembered in the same commit that applied its mutation (its log record carries key and result),
//   and compaction copies every remembered key into the snapshot: a result survives restarts exactly as long
//   as it is remembered.
// - At most IDEMPOTENCY_ENTRIES keys are kept; past that the oldest is forgotten first.

const IDEMPOTENCY_ENTRIES = 10_000;

export class Idempotency {
  private readonly done = new Map<string, { ts: bigint; result: JSONValue }>();

  get(key: string): { ts: bigint; result: JSONValue } | undefined {
    return this.done.get(key);
  }

  remember(key: string, ts: bigint, result: JSONValue) {
    this.done.set(key, { ts, result });
    if (this.done.size > IDEMPOTENCY_ENTRIES) this.done.delete(this.done.keys().next().value!);
  }

  /** Every remembered result as the snapshot stores it: [key, ts, result]. */
  entries(): [string, string, JSONValue][] {
    return [...this.done].map(([k, v]) => [k, v.ts.toString(), v.result]);
  }
}
