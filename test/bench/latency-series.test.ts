// Latency over time for the bench's charts: bounded in points whatever the window, every sample in exactly one
// interval, and an interval with nothing acknowledged left out (the chart shows it as a break).
import { expect } from 'chai';
import { latencySeries } from '../../bench/latency-series.js';

describe('bench latency series', function () {
  it('cuts a long busy window into at most 100 intervals and keeps every sample', function () {
    const n = 200_000;
    const starts = new Float64Array(n);
    const latencies = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      starts[i] = (i / n) * 60_000;
      latencies[i] = 1 + (i % 100); // 1..100 ms in every interval
    }
    const s = latencySeries([{ starts: starts.subarray(0, n / 2), latencies: latencies.subarray(0, n / 2) }, { starts: starts.subarray(n / 2), latencies: latencies.subarray(n / 2) }], 60_000);
    expect(s.intervalMs).to.equal(600);
    expect(s.points).to.have.length(100);
    expect(s.points.reduce((k, p) => k + p.n, 0)).to.equal(n);
    for (const p of s.points) expect([p.p50, p.p99, p.max]).to.deep.equal([50, 99, 100]);
  });

  it('uses intervals of at least 50 ms and leaves out the ones where nothing was acknowledged', function () {
    // 1 s window; operations only in the first and last 200 ms: a stall in between.
    const starts = Float64Array.from([10, 60, 120, 850, 990]);
    const latencies = Float64Array.from([2, 3, 4, 5, 6]);
    const s = latencySeries([{ starts, latencies }], 1000);
    expect(s.intervalMs).to.equal(50);
    expect(s.points.map((p) => p.t)).to.deep.equal([0, 50, 100, 850, 950]);
    expect(s.points.map((p) => p.p50)).to.deep.equal([2, 3, 4, 5, 6]);
  });
});
