// `npm run chaos -- --report FILE.html`: the run as one self-contained page, in the manner of Porcupine's and
// Maelstrom's timelines: one lane per client with each operation a bar from call to return, coloured ok / unknown /
// failed; the nemesis's faults as labelled bars (packed into as few rows as overlap allows) and as faint bands across
// the lanes; the leader of each term as a row of segments, with a mark where each new term's leader was first seen.
// Pure SVG with native tooltips (<title>): no script, no CDN. Big runs stay small: above `maxOps` operations, short
// operations are summed into 3-pixel buckets per lane (coloured by the worst outcome in them) and only operations
// wide enough to see are drawn one by one, so the element count is bounded by lanes x width, not by the run's length.
import { esc, htmlPage, niceTicks, px, tickLabel } from '../util/svg.js';
import { splitHostPort } from '../util/host-port.js';
import type { ChaosFault, FaultSpan } from './nemesis.js';
import type { ChaosOpRecord, ChaosOutcome } from './op-record.js';
import { formatChaosReport } from './report.js';
import type { ChaosReport } from './run-chaos.js';
import type { ChaosTimeline } from './timeline.js';

export interface ChaosHtmlOptions {
  /** Above this many operations, short ones are aggregated into buckets. */
  maxOps?: number;
}

const DEFAULT_MAX_OPS = 2500;
const BUCKET_PX = 3;
const LEFT = 170;
const RIGHT = 24;
const AXIS_H = 26;
const FAULT_ROW_H = 16;
const LEADER_ROW_H = 20;
const LANE_H = 20;
const LANE_GAP = 4;

export const OUTCOME_COLOURS: Record<ChaosOutcome, string> = { ok: '#4daf4a', unknown: '#f0a202', failed: '#e41a1c' };
/** An answered call this slow is drawn darker: otherwise a stall looks the same as a run of fast calls. */
const SLOW_MS = 250;
const SLOW_COLOUR = '#1b6e2a';
export const FAULT_COLOURS: Record<ChaosFault, string> = { kill: '#b2182b', pause: '#762a83', suspend: '#2166ac', partition: '#8c510a', oneway: '#35978f', replace: '#01665e' };
const FAULT_NAMES: Record<ChaosFault, string> = { kill: 'kill -9', pause: 'SIGSTOP', suspend: 'suspend', partition: 'partition', oneway: 'one-way partition', replace: 'member replaced' };
const NODE_COLOURS = ['#fdd49e', '#c6dbef', '#d9f0d3', '#e7d4e8', '#fee0d2', '#d9d9d9', '#ccebc5', '#ffffcc', '#decbe4'];
/** Worst first: a bucket takes the colour of the worst outcome it holds. */
const OUTCOME_ORDER: ChaosOutcome[] = ['failed', 'unknown', 'ok'];

export function renderChaosHtml(report: ChaosReport, opts: ChaosHtmlOptions = {}): string {
  const svg = renderTimelineSvg(report.timeline, opts.maxOps ?? DEFAULT_MAX_OPS);
  const verdict = report.ok ? '<span class="good">ok</span>' : '<span class="bad">FAILED</span>';
  const legend = [
    ...(['ok', 'unknown', 'failed'] as ChaosOutcome[]).map((o) => `<span><i style="background:${OUTCOME_COLOURS[o]}"></i>${o === 'ok' ? 'ok (answered)' : o === 'unknown' ? 'unknown outcome (write timed out: may or may not have happened)' : 'failed read (no answer)'}</span>`),
    `<span><i style="background:${SLOW_COLOUR}"></i>ok, but took ${SLOW_MS} ms or more</span>`,
    ...(Object.keys(FAULT_COLOURS) as ChaosFault[]).map((f) => `<span><i style="background:${FAULT_COLOURS[f]}"></i>${FAULT_NAMES[f]}</span>`),
    '<span><i style="background:none;border-left:2px dashed #333;width:0"></i>new leader (term)</span>',
  ].join('');
  const body = `<h1>Chaos run: ${verdict}</h1>
<pre>${esc(formatChaosReport(report))}</pre>
<div class="legend">${legend}</div>
<p>Time in seconds since the run started. Hover over a bar for the operation, fault or leader it stands for.</p>
<div class="scroll">${svg}</div>`;
  return htmlPage('Chaos run timeline', '.op:hover,.bucket:hover,.fault:hover{stroke:#000;stroke-width:1}', body);
}

/** The timeline alone (exported for tests and for other pages). */
export function renderTimelineSvg(t: ChaosTimeline, maxOps: number): string {
  const end = Math.max(t.end, ...t.ops.map((o) => o.end ?? o.call), ...t.faults.map((f) => f.end ?? f.start), 1);
  const plotW = Math.min(6000, Math.max(900, Math.round((end / 1000) * 30)));
  const x = (ms: number): number => LEFT + (Math.min(Math.max(ms, 0), end) / end) * plotW;
  const width = LEFT + plotW + RIGHT;
  const short = shortIds(t.nodes);

  // Fault rows: greedy interval packing in start order, so overlapping faults sit one above the other.
  const faults = [...t.faults].sort((a, b) => a.start - b.start);
  const rowEnds: number[] = [];
  const rowOf = faults.map((f) => {
    const fEnd = x(f.end ?? end);
    let row = rowEnds.findIndex((e) => e <= x(f.start));
    if (row < 0) row = rowEnds.push(0) - 1;
    rowEnds[row] = fEnd + 2;
    return row;
  });
  const faultTop = AXIS_H + 4;
  const leaderTop = faultTop + Math.max(1, rowEnds.length) * FAULT_ROW_H + 8;
  const lanesTop = leaderTop + LEADER_ROW_H + 8;
  const lanesBottom = lanesTop + t.clients.length * (LANE_H + LANE_GAP);
  const height = lanesBottom + AXIS_H + 14; // room for the phase labels under the bottom axis
  const out: string[] = [];
  const aggregate = t.ops.length > maxOps;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="timeline of the chaos run: ${t.clients.length} clients, ${t.ops.length} operations, ${t.faults.length} faults, ${t.leaders.length} leaders" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `data-ops="${t.ops.length}" data-faults="${t.faults.length}" data-leader-changes="${t.leaders.length}" data-mode="${aggregate ? 'aggregate' : 'each'}">`,
    `<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${OUTCOME_COLOURS.unknown}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern></defs>`,
  );

  // Axis: ticks top and bottom, with faint grid lines.
  const ticks = niceTicks(0, end / 1000, Math.max(4, Math.floor(plotW / 80)));
  out.push('<g class="axis">');
  for (const s of ticks) {
    const xx = px(x(s * 1000));
    out.push(`<line x1="${xx}" y1="${AXIS_H - 6}" x2="${xx}" y2="${lanesBottom}"/><text x="${xx}" y="${AXIS_H - 10}" text-anchor="middle">${tickLabel(s)} s</text><text x="${xx}" y="${lanesBottom + 16}" text-anchor="middle">${tickLabel(s)} s</text>`);
  }
  out.push('</g>');

  // Fault bands behind everything, then the labelled fault bars.
  out.push('<g class="bands">');
  for (const f of faults) {
    out.push(`<rect x="${px(x(f.start))}" y="${faultTop}" width="${px(Math.max(1, x(f.end ?? end) - x(f.start)))}" height="${lanesBottom - faultTop}" fill="${FAULT_COLOURS[f.kind]}" opacity="0.07"/>`);
  }
  out.push('</g>');
  out.push(`<text x="8" y="${faultTop + 12}">nemesis</text>`);
  faults.forEach((f, i) => {
    const x0 = x(f.start);
    const w = Math.max(2, x(f.end ?? end) - x0);
    const y = faultTop + rowOf[i] * FAULT_ROW_H;
    const label = faultLabel(f, short);
    const dur = f.end === null ? 'not undone before the run ended' : `${((f.end - f.start) / 1000).toFixed(1)} s`;
    const fits = Math.floor((w - 4) / 6);
    const text = fits >= 4 ? (label.length <= fits ? label : label.slice(0, fits - 1) + '…') : '';
    out.push(
      `<g class="fault" data-fault="${f.kind}"><title>${esc(`${f.label} at ${(f.start / 1000).toFixed(2)} s, ${dur}`)}</title>` +
        `<rect x="${px(x0)}" y="${y}" width="${px(w)}" height="${FAULT_ROW_H - 2}" fill="${FAULT_COLOURS[f.kind]}" rx="2"/>` +
        (text ? `<text x="${px(x0 + 3)}" y="${y + 11}" style="fill:#fff">${esc(text)}</text>` : '') +
        '</g>',
    );
  });

  // Leaders: a segment per term from when its leader was first seen leading it to the last time (or, for the last
  // term, the end of the run); a blank between segments is a time no node was seen leading.
  out.push(`<text x="8" y="${leaderTop + 14}">leader</text>`);
  const leaders = [...t.leaders].sort((a, b) => a.at - b.at);
  leaders.forEach((l, i) => {
    const x0 = x(l.at);
    const x1 = i + 1 < leaders.length ? Math.min(x(leaders[i + 1].at), x(l.lastAt + 250)) : x(end); // 250 ms: the observer's poll interval
    const colour = NODE_COLOURS[Math.max(0, t.nodes.indexOf(l.id)) % NODE_COLOURS.length];
    const label = `t${l.term} ${short.get(l.id) ?? l.id}`;
    const fits = Math.floor((x1 - x0 - 4) / 6);
    out.push(
      `<g class="leader-mark" data-term="${l.term}" data-node="${esc(l.id)}"><title>${esc(`term ${l.term}: ${l.id} leads (seen leading from ${(l.at / 1000).toFixed(2)} s to ${(l.lastAt / 1000).toFixed(2)} s)`)}</title>` +
        `<rect x="${px(x0)}" y="${leaderTop}" width="${px(Math.max(1, x1 - x0))}" height="${LEADER_ROW_H}" fill="${colour}"/>` +
        `<line x1="${px(x0)}" y1="${leaderTop - 2}" x2="${px(x0)}" y2="${lanesBottom}" stroke="#333" stroke-dasharray="3,3"/>` +
        (fits >= 3 ? `<text x="${px(x0 + 3)}" y="${leaderTop + 14}">${esc(label.length <= fits ? label : label.slice(0, fits - 1) + '…')}</text>` : '') +
        '</g>',
    );
  });

  // Phases: when faults began and when everything was healed.
  const phase = (ms: number, text: string): void => {
    out.push(`<line x1="${px(x(ms))}" y1="${AXIS_H - 6}" x2="${px(x(ms))}" y2="${lanesBottom}" stroke="#000" stroke-width="1.5"/><text x="${px(x(ms) + 3)}" y="${lanesBottom + 16 + 12}">${esc(text)}</text>`);
  };
  phase(t.nemesisStart, 'faults start');
  if (t.healedAt !== null) phase(t.healedAt, 'healed');

  // Client lanes.
  t.clients.forEach((c, lane) => {
    const y = lanesTop + lane * (LANE_H + LANE_GAP);
    out.push(`<text x="8" y="${y + 14}">client ${esc(c)}</text><rect x="${LEFT}" y="${y}" width="${plotW}" height="${LANE_H}" fill="#f7f7f7"/>`);
    const ops = t.ops.filter((o) => o.process === c).sort((a, b) => a.call - b.call);
    if (!aggregate) {
      for (const o of ops) out.push(opBar(o, x, end, y));
      return;
    }
    interface Bucket {
      ok: number;
      unknown: number;
      failed: number;
      slow: number;
      /** Right edge of the furthest operation in it, so a bucket reaches the next one without a white seam. */
      right: number;
    }
    const buckets = new Map<number, Bucket>();
    for (const o of ops) {
      const x0 = x(o.call);
      const x1 = x(o.end ?? end);
      if (x1 - x0 >= BUCKET_PX) {
        out.push(opBar(o, x, end, y));
        continue;
      }
      const b = Math.floor((x0 - LEFT) / BUCKET_PX);
      const bucket = buckets.get(b) ?? { ok: 0, unknown: 0, failed: 0, slow: 0, right: 0 };
      bucket[o.outcome ?? 'unknown']++;
      if (o.outcome === 'ok' && o.end !== null && o.end - o.call >= SLOW_MS) bucket.slow++;
      bucket.right = Math.max(bucket.right, x1);
      buckets.set(b, bucket);
    }
    for (const [b, k] of buckets) {
      const worst = OUTCOME_ORDER.find((o) => k[o] > 0)!;
      const fill = worst === 'ok' && k.slow > 0 ? SLOW_COLOUR : OUTCOME_COLOURS[worst];
      const x0 = LEFT + b * BUCKET_PX;
      const n = k.ok + k.unknown + k.failed;
      out.push(
        `<rect class="bucket ${worst}" data-ok="${k.ok}" data-unknown="${k.unknown}" data-failed="${k.failed}" x="${px(x0)}" y="${y + 3}" width="${px(Math.max(BUCKET_PX, k.right - x0))}" height="${LANE_H - 6}" fill="${fill}">` +
          `<title>${n} operations: ${k.ok} ok (${k.slow} of them ${SLOW_MS} ms or slower), ${k.unknown} unknown, ${k.failed} failed</title></rect>`,
      );
    }
  });
  out.push('</svg>');
  return out.join('\n');
}

function opBar(o: ChaosOpRecord, x: (ms: number) => number, end: number, laneY: number): string {
  const outcome = o.outcome ?? 'unknown';
  const x0 = x(o.call);
  const w = Math.max(1, x(o.end ?? end) - x0);
  const slow = outcome === 'ok' && o.end !== null && o.end - o.call >= SLOW_MS;
  const fill = outcome === 'unknown' ? 'url(#hatch)' : slow ? SLOW_COLOUR : OUTCOME_COLOURS[outcome];
  return (
    `<rect class="op ${outcome}" data-id="${o.id}" x="${px(x0)}" y="${laneY + 3}" width="${px(w)}" height="${LANE_H - 6}" fill="${fill}">` +
    `<title>${esc(describe(o))}</title></rect>`
  );
}

function describe(o: ChaosOpRecord): string {
  const i = o.input;
  const call = i.op === 'add' ? `addEntry(${JSON.stringify(i.data)}, tid ${i.tid})` : i.op === 'set' ? `setVal(${i.key}, ${JSON.stringify(i.value)})` : `getVal(${i.key})`;
  const result = o.outcome === 'ok' ? (o.output === true ? 'true' : JSON.stringify(o.output)) : (o.outcome ?? 'unknown');
  const span = o.end === null ? `from ${(o.call / 1000).toFixed(3)} s, never answered` : `${(o.call / 1000).toFixed(3)} s to ${(o.end / 1000).toFixed(3)} s (${(o.end - o.call).toFixed(1)} ms)`;
  return `#${o.id} ${o.process}: ${call} -> ${result}, ${span}`;
}

/** The fault label with node ids shortened the way the leader row shows them. */
function faultLabel(f: FaultSpan, short: Map<string, string>): string {
  let s = f.label;
  for (const [id, sh] of short) s = s.split(id).join(sh);
  return s;
}

/** When every node shares one host, ":port" is enough to tell them apart. */
function shortIds(nodes: string[]): Map<string, string> {
  const parts = nodes.map((n) => {
    try {
      return splitHostPort(n);
    } catch {
      return null; // a label only: an id that is not HOST:PORT is shown whole
    }
  });
  const hosts = new Set(parts.map((p) => p?.host ?? null));
  return new Map(nodes.map((n, i) => [n, hosts.size === 1 && parts[i] !== null ? `:${parts[i]!.port}` : n]));
}
