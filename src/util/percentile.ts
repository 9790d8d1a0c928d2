// Latency percentiles by nearest rank: the value at rank ceil(p * n) of the sorted samples, so every figure printed is
// a latency that was actually observed. Shared by run_client's summary line and the benchmark's report.

/** p in [0, 1]; `sorted` ascending. NaN for no samples. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[rank];
}
