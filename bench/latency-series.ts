// Latency over time: the measured window cut into at most MAX_POINTS intervals (none shorter than MIN_INTERVAL_MS),
// each summarized by its count, p50, p99 and max, by when the operation started. Small enough for the JSON results
// and for the HTML report's charts, whatever the window's length or the throughput.
import { percentile } from '../src/util/percentile.js';

export interface SeriesPoint {
  /** Interval start, ms after the window opened. */
  t: number;
  /** Operations started in the interval (and acknowledged inside the window). */
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LatencySeries {
  intervalMs: number;
  /** Intervals with at least one operation; an interval with none is a gap in the chart. */
  points: SeriesPoint[];
}

const MAX_POINTS = 100;
const MIN_INTERVAL_MS = 50;

export function latencySeries(parts: { starts: Float64Array; latencies: Float64Array }[], windowMs: number): LatencySeries {
  const intervalMs = Math.max(MIN_INTERVAL_MS, Math.ceil(windowMs / MAX_POINTS));
  const count = Math.max(1, Math.ceil(windowMs / intervalMs));
  const bins: number[][] = Array.from({ length: count }, () => []);
  for (const p of parts) {
    for (let i = 0; i < p.latencies.length; i++) {
      const b = Math.min(count - 1, Math.max(0, Math.floor(p.starts[i] / intervalMs)));
      bins[b].push(p.latencies[i]);
    }
  }
  const round = (v: number): number => Math.round(v * 100) / 100;
  const points: SeriesPoint[] = [];
  bins.forEach((bin, i) => {
    if (bin.length === 0) return;
    const sorted = Float64Array.from(bin).sort();
    points.push({ t: i * intervalMs, n: bin.length, p50: round(percentile(sorted, 0.5)), p99: round(percentile(sorted, 0.99)), max: round(sorted[sorted.length - 1]) });
  });
  return { intervalMs, points };
}
