// Latency samples (milliseconds) and the summary the report prints: percentiles by nearest rank on the sorted samples.
// Samples are kept whole (not bucketed): a 10 s window at 10,000 ops/s is 100,000 doubles, and exact p99.9 is cheap.
import { percentile } from '../src/util/percentile.js';

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}


/** Merges sample arrays (e.g. one per client thread) and summarizes them. */
export function summarize(parts: Float64Array[]): LatencySummary {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Float64Array(total);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  all.sort();
  const round = (v: number): number => Math.round(v * 100) / 100;
  return {
    count: total,
    p50: round(percentile(all, 0.5)),
    p99: round(percentile(all, 0.99)),
    p999: round(percentile(all, 0.999)),
    max: total === 0 ? NaN : round(all[total - 1]),
  };
}

/** Growable sample buffer: closed-loop workers push one latency per completed operation. */
export class SampleBuffer {
  private buf = new Float64Array(4096);
  private n = 0;

  push(v: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = v;
  }

  toArray(): Float64Array {
    return this.buf.slice(0, this.n);
  }
}
