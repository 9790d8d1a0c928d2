// `npm run bench -- --html FILE`: the run's figures as one self-contained page of inline SVG (no script, no CDN):
// latency over time for every workload (p50 and p99 per interval, ours and etcd on the same axes, log scale, gaps
// where nothing was acknowledged), the stability run the same way, and the failover rounds as lanes: every
// acknowledged write as a tick around the kill -9, the gap until the next one shaded and labelled.
import { esc, htmlPage, niceTicks, px, tickLabel } from '../src/util/svg.js';
import type { FailoverResult } from './failover.js';
import type { LatencySeries } from './latency-series.js';
import type { LoadResult } from './load/run-load.js';
import { sameWorkload, workloadId, workloadLabel } from './load/workload.js';
import type { SystemResult } from './run-system.js';

export interface BenchHtmlInput {
  /** The plain-text report (header and table), shown on top. */
  textLines: string[];
  ours: SystemResult;
  etcd: SystemResult | null;
  verdict: string;
  startedAt: string;
}

const SYSTEM_COLOURS = ['#1f77b4', '#ff7f0e'];
const W = 560;
const H = 230;
const M = { left: 52, right: 14, top: 26, bottom: 34 };

export function renderBenchHtml(input: BenchHtmlInput): string {
  const systems = [input.ours, ...(input.etcd ? [input.etcd] : [])];
  const legend = systems
    .map((s, i) => `<span><i style="background:${SYSTEM_COLOURS[i]}"></i>${esc(s.system)}</span>`)
    .concat('<span>solid: p50, dashed: p99 per interval</span>')
    .join('');
  const parts: string[] = [
    `<h1>Benchmark ${esc(input.startedAt)}: <span class="${input.verdict === 'ok' ? 'good' : 'bad'}">${esc(input.verdict)}</span></h1>`,
    `<pre>${esc(input.textLines.join('\n'))}</pre>`,
  ];
  if (input.ours.load.length > 0) {
    parts.push('<h2>Latency over time, per workload</h2>', `<div class="legend">${legend}</div>`, '<div class="grid">');
    for (const l of input.ours.load) {
      const other = input.etcd ? sameWorkload(input.etcd.load, l)[0] : undefined;
      const lines = [{ name: input.ours.system, load: l }, ...(other ? [{ name: input.etcd!.system, load: other }] : [])];
      parts.push(latencyChart(workloadLabel(l), workloadId(l), lines));
    }
    parts.push('</div>');
  }
  const stab = systems.flatMap((s) => (s.stability ? [{ name: s.system, load: s.stability.load, terms: s.stability.termChanges }] : []));
  if (stab.length > 0) {
    const s0 = input.ours.stability ?? input.etcd!.stability!;
    parts.push(
      `<h2>Stability: ${s0.seconds} s of addEntry x${s0.concurrency}, no faults</h2>`,
      `<p>Term changes: ${stab.map((s) => `${esc(s.name)} ${s.terms ?? '?'}`).join(', ')}. A red mark is a leader change seen by polling every 500 ms.</p>`,
      latencyChart(`addEntry x${s0.concurrency}, ${s0.seconds} s`, 'stability', stab, systems.flatMap((s, i) => (s.stability?.leaderChangesAtMs ?? []).map((at) => ({ at, colour: SYSTEM_COLOURS[i] })))),
    );
  }
  const fo = systems.flatMap((s, i) => (s.failover ? [{ name: s.system, colour: SYSTEM_COLOURS[i], f: s.failover }] : []));
  if (fo.length > 0) {
    parts.push(
      '<h2>Failover: kill -9 of the leader, then the next acknowledged write</h2>',
      '<p>Each tick is an acknowledged write, in ms relative to the kill; the shaded part is the gap from the kill to the first write acknowledged by another member.</p>',
      failoverChart(fo),
    );
  }
  const css = '.grid{display:flex;flex-wrap:wrap;gap:12px}.grid svg,.chart{border:1px solid #ddd}';
  return htmlPage(`Benchmark ${input.startedAt}`, css, parts.join('\n'));
}

interface Line {
  name: string;
  load: LoadResult;
}

function latencyChart(title: string, id: string, lines: Line[], marks: { at: number; colour: string }[] = []): string {
  const series = lines.map((l) => l.load.series).filter((s): s is LatencySeries => s !== undefined);
  const windowMs = Math.max(1, ...lines.map((l) => seriesEnd(l.load.series)));
  const values = series.flatMap((s) => s.points.flatMap((p) => [p.p50, p.p99])).filter((v) => v > 0);
  const lo = values.length ? Math.min(...values) : 1;
  const hi = values.length ? Math.max(...values) : 10;
  // Log scale: p50 and p99 often differ tenfold, and a stall next to sub-millisecond reads must both stay visible.
  const yLo = Math.log10(lo / 1.3);
  const yHi = Math.log10(Math.max(hi * 1.3, lo * 2));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (ms: number): number => M.left + (ms / windowMs) * pw;
  const y = (v: number): number => M.top + ph - ((Math.log10(Math.max(v, 1e-6)) - yLo) / (yHi - yLo)) * ph;
  const out: string[] = [`<svg class="latency-chart" data-workload="${esc(id)}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(`${title}: latency p50 and p99 over time`)}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`];
  const subtitle = lines.map((l) => `${l.load.opsPerSec} ops/s, p99 ${l.load.latencyMs.p99} ms`).join(' | ');
  out.push(`<text x="${M.left}" y="14" style="font-weight:bold">${esc(title)}</text><text x="${W - M.right}" y="14" text-anchor="end">${esc(subtitle)}</text>`);
  out.push('<g class="axis">');
  for (const v of logTicks(10 ** yLo, 10 ** yHi)) {
    out.push(`<line x1="${M.left}" y1="${px(y(v))}" x2="${W - M.right}" y2="${px(y(v))}"/><text x="${M.left - 4}" y="${px(y(v) + 4)}" text-anchor="end">${tickLabel(v)}</text>`);
  }
  for (const s of niceTicks(0, windowMs / 1000, 6)) {
    out.push(`<line x1="${px(x(s * 1000))}" y1="${M.top}" x2="${px(x(s * 1000))}" y2="${M.top + ph}"/><text x="${px(x(s * 1000))}" y="${H - M.bottom + 14}" text-anchor="middle">${tickLabel(s)}</text>`);
  }
  out.push(`<text x="${M.left + pw / 2}" y="${H - 4}" text-anchor="middle">seconds into the measured window</text>`);
  out.push(`<text transform="translate(12 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">latency ms (log)</text></g>`);
  for (const m of marks) {
    out.push(`<line class="leader-change" x1="${px(x(Math.min(m.at, windowMs)))}" y1="${M.top}" x2="${px(x(Math.min(m.at, windowMs)))}" y2="${M.top + ph}" stroke="#b2182b" stroke-width="2" opacity="0.7"><title>leader change seen at ${(m.at / 1000).toFixed(2)} s</title></line>`);
  }
  lines.forEach((l, i) => {
    const s = l.load.series;
    if (s === undefined) return;
    for (const q of ['p50', 'p99'] as const) {
      out.push(
        `<path class="${q}" data-system="${esc(l.name)}" data-points="${s.points.length}" d="${pathOf(s, q, x, y)}" fill="none" stroke="${SYSTEM_COLOURS[i]}" stroke-width="${q === 'p50' ? 1.8 : 1.2}"${q === 'p99' ? ' stroke-dasharray="4,3"' : ''}>` +
          `<title>${esc(`${l.name} ${q} per ${s.intervalMs} ms`)}</title></path>`,
      );
    }
  });
  out.push('</svg>');
  return out.join('\n');
}

/** The polyline of one percentile; a missing interval (nothing acknowledged) starts a new segment: a visible gap. */
function pathOf(s: LatencySeries, q: 'p50' | 'p99', x: (ms: number) => number, y: (v: number) => number): string {
  let d = '';
  let prevT = -Infinity;
  for (const p of s.points) {
    const cmd = p.t - prevT > s.intervalMs * 1.5 ? 'M' : 'L';
    d += `${cmd}${px(x(p.t + s.intervalMs / 2))},${px(y(p[q]))}`;
    prevT = p.t;
  }
  return d;
}

function seriesEnd(s: LatencySeries | undefined): number {
  if (s === undefined || s.points.length === 0) return 0;
  return s.points[s.points.length - 1].t + s.intervalMs;
}

/** 1, 2, 5 x 10^k within [lo, hi], thinned to at most about 8. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)) && out.length < 40; e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo && v <= hi) out.push(Number(v.toPrecision(3)));
    }
  }
  return out.length > 8 ? out.filter((v) => Math.abs(Math.log10(v) % 1) < 1e-9) : out;
}

const LANE_H = 26;
const FO_LEFT = 190;

function failoverChart(systems: { name: string; colour: string; f: FailoverResult }[]): string {
  const rounds = systems.flatMap((s) => s.f.rounds.map((r, i) => ({ ...s, r, i })));
  const gaps = rounds.map((x) => x.r.ms ?? 0);
  const lo = -500;
  const hi = Math.max(600, ...gaps.map((g) => g + 550)); // the recorded acks end 500 ms after the first one
  const pw = 900;
  const width = FO_LEFT + pw + 20;
  const height = 30 + rounds.length * LANE_H + 34;
  const x = (ms: number): number => FO_LEFT + ((Math.min(Math.max(ms, lo), hi) - lo) / (hi - lo)) * pw;
  const out: string[] = [`<svg class="chart failover-chart" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="failover rounds: acknowledged writes around each kill -9 of the leader" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`];
  const bottom = 30 + rounds.length * LANE_H;
  out.push('<g class="axis">');
  for (const t of niceTicks(lo, hi, 10)) out.push(`<line x1="${px(x(t))}" y1="24" x2="${px(x(t))}" y2="${bottom}"/><text x="${px(x(t))}" y="${bottom + 14}" text-anchor="middle">${tickLabel(t)}</text>`);
  out.push(`<text x="${FO_LEFT + pw / 2}" y="${bottom + 30}" text-anchor="middle">ms after kill -9 of the leader</text></g>`);
  out.push(`<line x1="${px(x(0))}" y1="18" x2="${px(x(0))}" y2="${bottom}" stroke="#b2182b" stroke-width="2"/><text x="${px(x(0))}" y="14" text-anchor="middle">kill -9</text>`);
  rounds.forEach(({ name, colour, r, i }, lane) => {
    const y = 30 + lane * LANE_H;
    const gap = r.ms;
    out.push(`<g class="failover-round" data-system="${esc(name)}" data-round="${i + 1}" data-gap-ms="${gap ?? 'none'}" data-acks="${r.acksMs?.length ?? 0}">`);
    out.push(`<title>${esc(`${name}, round ${i + 1}: killed ${r.killed}; ${gap === null ? 'no write acknowledged within the bound' : `next acknowledged write after ${gap} ms`}`)}</title>`);
    out.push(`<text x="6" y="${y + 16}">${esc(`${name.split(' ')[0]} #${i + 1} (${r.killed})`)}</text>`);
    out.push(`<rect x="${FO_LEFT}" y="${y + 2}" width="${pw}" height="${LANE_H - 4}" fill="#f7f7f7"/>`);
    out.push(`<rect class="gap" x="${px(x(0))}" y="${y + 2}" width="${px(x(gap ?? hi) - x(0))}" height="${LANE_H - 4}" fill="#b2182b" opacity="0.18"/>`);
    // One tick per pixel column at most: a busy round stays as many elements as the lane is wide.
    const columns = new Set<number>();
    for (const a of r.acksMs ?? []) {
      if (a >= lo && a <= hi) columns.add(Math.round(x(a)));
    }
    for (const c of columns) out.push(`<line class="ack" x1="${c}" y1="${y + 5}" x2="${c}" y2="${y + LANE_H - 5}" stroke="${colour}"/>`);
    const label = gap === null ? 'none within the bound' : `${gap} ms`;
    out.push(`<text class="gap-label" x="${px(x(gap ?? hi) + 4)}" y="${y + 17}" style="font-weight:bold;paint-order:stroke;stroke:#fff;stroke-width:3px">${esc(label)}</text></g>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
