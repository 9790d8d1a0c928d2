// `--security deployed,insecure`: the same workloads on one cluster per security mode, run back to back (runSystems
// interleaves them workload by workload), so a shared machine's bursts of other work hit both sides of the ratio.
// Repeating a level (--concurrency 32,32,32) gives interleaved rounds; the summary is their median.
import type { SystemResult } from './run-system.js';
import { sameWorkload, workloadLabel } from './load/workload.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Per workload: each mode's ops/s in every round, the medians, and each other mode's change against the first. */
export function renderSecurityComparison(first: SystemResult, others: SystemResult[]): string[] {
  if (others.length === 0 || first.load.length === 0) return [];
  const out = ['Security modes compared (rounds interleaved; ops/s, server CPU ms per 1,000 ops):'];
  const shapes = [...new Map(first.load.map((l) => [workloadLabel(l), l])).entries()];
  for (const [key, shape] of shapes) {
    const of = (r: SystemResult): { ops: number[]; cpu: number[] } => {
      const rows = sameWorkload(r.load, shape);
      return { ops: rows.map((l) => l.opsPerSec), cpu: rows.flatMap((l) => (l.serverCpuMsPer1k === null ? [] : [l.serverCpuMsPer1k])) };
    };
    const base = of(first);
    const baseMedian = median(base.ops);
    out.push(`  ${key}: ${first.system}: ${base.ops.join(', ')} (median ${baseMedian}; CPU ${base.cpu.join(', ')})`);
    for (const r of others) {
      const x = of(r);
      if (x.ops.length === 0) continue;
      const m = median(x.ops);
      // Each round's two figures ran back to back: their ratio is what a drift over the run (a warming JIT, other
      // work on the machine) disturbs least, so the median of those ratios is the summary figure.
      const ratios = x.ops.slice(0, base.ops.length).map((v, i) => (base.ops[i] > 0 ? v / base.ops[i] : NaN)).filter((v) => Number.isFinite(v));
      const pct = (v: number): string => `${((v - 1) * 100).toFixed(1)}%`;
      out.push(
        `  ${key}: ${r.system}: ${x.ops.join(', ')} (median ${m}; CPU ${x.cpu.join(', ')}); against the first, round by round: ` +
          `${ratios.map(pct).join(', ')} (median ${ratios.length > 0 ? pct(median(ratios)) : '-'})`,
      );
    }
  }
  out.push('');
  return out;
}
