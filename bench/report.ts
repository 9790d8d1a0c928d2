// The side-by-side table: our cluster, etcd, and the ratio (throughput: ours/etcd, higher is better; latency and
// failover: ours/etcd, lower is better). Plain text, fixed columns, so it pastes into a README or an issue.
import type { RaftlogAudit } from './raftlog-audit.js';
import type { RecoveryResult } from './recovery.js';
import type { SystemResult } from './run-system.js';
import { CLIENT_LABELS } from './clients/kv-client.js';
import { sameWorkload, workloadKey, workloadLabel } from './load/workload.js';

const ETCD_NAMES: Record<string, string> = { add: 'put', set: 'put', get: 'range' };

function fmt(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  return v.toFixed(digits);
}

function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined || !(b > 0) || Number.isNaN(a)) return '-';
  return (a / b).toFixed(2);
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd());
}

const SHORT_SYSTEM: Record<string, string> = { 'raft-lib': 'ours', 'raft-xmlrpc': 'ours', 'etcd-json': 'etcd', 'etcd-grpc': 'etcd' };

/**
 * Every workload through every client, with the CPU it cost: the cluster's (all member processes, per 1,000
 * operations acknowledged in the window) and the bench client's. The last column divides each row's server CPU by
 * etcd's through gRPC (its native interface) on the same workload, the figure issue 16's targets are stated in.
 */
function cpuTable(all: SystemResult[]): string[] {
  const base = all.find((r) => r.client === 'etcd-grpc');
  const rows: string[][] = [['workload', 'system, client', 'ops/s', 'p50', 'p99 ms', 'server CPU ms/1k', 'client CPU %', 'ms/1k', ...(base ? ['server CPU vs etcd gRPC'] : [])]];
  const first = all[0];
  // A level may repeat (--concurrency 32,32,32: rounds): the k-th occurrence of a workload pairs with the k-th.
  const seen = new Map<string, number>();
  for (const l of first.load) {
    const key = workloadKey(l);
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    for (const r of all) {
      const x = sameWorkload(r.load, l)[k];
      if (x === undefined) continue;
      const b = base ? sameWorkload(base.load, l)[k] : undefined;
      rows.push([
        workloadLabel(l),
        `${SHORT_SYSTEM[r.client]}, ${CLIENT_LABELS[r.client]}`,
        fmt(x.opsPerSec),
        fmt(x.latencyMs.p50, 2),
        fmt(x.latencyMs.p99, 2),
        fmt(x.serverCpuMsPer1k),
        fmt(x.clientCpuPercent),
        fmt(x.clientCpuMsPer1k),
        ...(base ? [ratio(x.serverCpuMsPer1k, b?.serverCpuMsPer1k)] : []),
      ]);
    }
  }
  return table(rows);
}

export function renderReport(
  ours: SystemResult,
  etcd: SystemResult | null,
  recovery: RecoveryResult | null,
  audits: { name: string; audit: RaftlogAudit | null }[],
  allClients: SystemResult[] = [ours, ...(etcd ? [etcd] : [])],
): string[] {
  const out: string[] = [];
  const head = ['workload', 'ours ops/s', 'p50', 'p99', 'p99.9 ms'];
  if (etcd) head.push('etcd ops/s', 'p50', 'p99', 'p99.9 ms', 'ratio ops/s', 'ratio p99');
  const rows: string[][] = [head];
  for (const l of ours.load) {
    const name = workloadLabel(l) + (etcd ? ` (${ETCD_NAMES[l.op]})` : '');
    const row = [name, fmt(l.opsPerSec), fmt(l.latencyMs.p50, 1), fmt(l.latencyMs.p99, 1), fmt(l.latencyMs.p999, 1)];
    if (etcd) {
      const e = sameWorkload(etcd.load, l)[0];
      row.push(fmt(e?.opsPerSec), fmt(e?.latencyMs.p50, 1), fmt(e?.latencyMs.p99, 1), fmt(e?.latencyMs.p999, 1), ratio(l.opsPerSec, e?.opsPerSec), ratio(l.latencyMs.p99, e?.latencyMs.p99));
    }
    rows.push(row);
  }
  if (ours.load.length > 0) out.push(...table(rows), '');
  if (ours.load.length > 0) out.push('CPU per 1,000 operations, each workload through each client (server: every cluster process, utime+stime):', ...cpuTable(allClients), '');

  const rows2: string[][] = [['', 'ours', ...(etcd ? ['etcd', 'ratio'] : [])]];
  const add = (name: string, a: number | null | undefined, b: number | null | undefined, digits = 0): void => {
    rows2.push([name, fmt(a, digits), ...(etcd ? [fmt(b, digits), ratio(a, b)] : [])]);
  };
  if (ours.failover) {
    add(`failover median ms (${ours.failover.rounds.length} kills)`, ours.failover.medianMs, etcd?.failover?.medianMs);
    add('failover max ms', ours.failover.maxMs, etcd?.failover?.maxMs);
  }
  if (ours.stability) {
    add(`term changes in ${ours.stability.seconds} s at x${ours.stability.concurrency}`, ours.stability.termChanges, etcd?.stability?.termChanges);
    add(`  (ops/s during that run)`, ours.stability.load.opsPerSec, etcd?.stability?.load.opsPerSec);
  }
  const peak = (r: SystemResult | null): number | null => {
    const v = r?.rssAfterLoad.flatMap((s) => (s ? [s.peakMiB] : [])) ?? [];
    return v.length ? Math.max(...v) : null;
  };
  if (ours.rssAfterLoad.length > 0) add('peak RSS per node during load, MiB (max)', peak(ours), peak(etcd), 1);
  if (rows2.length > 1) out.push(...table(rows2), '');

  if (ours.rssAfterLoad.length > 0) {
    out.push(`peak RSS per node during load (MiB): ours ${ours.rssAfterLoad.map((s) => fmt(s?.peakMiB, 1)).join(', ')}` + (etcd ? `; etcd ${etcd.rssAfterLoad.map((s) => fmt(s?.peakMiB, 1)).join(', ')}` : ''));
  }
  if (recovery) {
    out.push(
      `recovery with ${recovery.entries} committed entries: follower kill -9 -> READY ${recovery.restartToReadyMs} ms, -> all applied ${recovery.restartToCaughtUpMs} ms; ` +
        `cold cluster start -> first write ${recovery.coldStartToFirstWriteMs} ms (data written in ${recovery.fillMs} ms)`,
    );
    out.push(`RSS per node at ${recovery.entries} entries (MiB, now/peak): ${recovery.rss.map((s) => (s ? `${s.rssMiB}/${s.peakMiB}` : '-')).join(', ')}`);
  }
  for (const r of allClients) for (const w of r.warnings) out.push(`warning: ${r.client === 'raft-lib' || r.client === 'etcd-json' ? '' : `${CLIENT_LABELS[r.client]}: `}${w}`);
  for (const a of audits) out.push(`raftlog check (${a.name}): ${a.audit === null ? 'not checked (no raftlog files we can read)' : `${a.audit.ok ? 'ok' : 'FAILED'}: ${a.audit.message}`}`);
  return out;
}
