// What every benchmark reports the same way: one percentile rule, and the machine a run was on, read from the
// machine itself rather than written into prose. Pure except `machine()`, which reads `node:os`; the tree
// benchmark's page imports `percentile` only.

/** Nearest-rank percentile of `samples` (need not be sorted), p in (0, 1]; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** The median (the 0.5 nearest-rank percentile). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}
