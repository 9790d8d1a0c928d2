// Human-readable output of simulated runs: a violation report (seed, step, last events, replay command) and summaries.
import { FAULT_KINDS, type FaultKind } from './faults.js';
import type { SimResult, SimSummary } from './simulation.js';

export function formatViolation(r: SimResult): string {
  const v = r.violation;
  if (!v) return '';
  return [
    `VIOLATION of ${v.invariant} (seed ${r.summary.seed}, step ${v.step})`,
    v.message,
    `config: ${r.summary.config}`,
    `last ${v.lastEvents.length} events:`,
    ...v.lastEvents.map((l) => `  ${l}`),
    `replay: ${r.replay}`,
  ].join('\n');
}

export function formatSummary(s: SimSummary): string {
  const faults = FAULT_KINDS.filter((k) => s.faults[k] > 0).map((k) => `${k} ${s.faults[k]}`);
  const net = s.network;
  return [
    `seed ${s.seed}: ${s.steps} steps (${(s.simulatedMs / 1000).toFixed(1)} s simulated), ${s.config}`,
    `  faults: ${faults.join(', ') || 'none'}; messages sent ${net.sent}, lost ${net.lost}, duplicated ${net.duplicated}, ` +
      `late ${net.late}, cut by partitions ${net.blocked}`,
    `  leaders elected ${s.leadersElected}, entries committed ${s.committed}, writes acked ${s.writesAcked}, ` +
      `reads acked ${s.readsAcked}, ops with unknown outcome ${s.opsUnknown}, ` +
      `recovery after heal ${s.recoveryTicks === null ? 'n/a' : s.recoveryTicks + ' ticks'}`,
  ].join('\n');
}

/** Totals over many runs, for the batch summary line. */
export interface Totals {
  runs: number;
  failed: number;
  steps: number;
  simulatedMs: number;
  faults: Record<FaultKind, number>;
  lost: number;
  duplicated: number;
  late: number;
  blocked: number;
  leaders: number;
  committed: number;
  writesAcked: number;
  readsAcked: number;
  maxRecoveryTicks: number;
}

export function emptyTotals(): Totals {
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  return { runs: 0, failed: 0, steps: 0, simulatedMs: 0, faults, lost: 0, duplicated: 0, late: 0, blocked: 0, leaders: 0, committed: 0, writesAcked: 0, readsAcked: 0, maxRecoveryTicks: 0 };
}

export function addToTotals(t: Totals, r: SimResult): void {
  const s = r.summary;
  t.runs++;
  if (!r.ok) t.failed++;
  t.steps += s.steps;
  t.simulatedMs += s.simulatedMs;
  for (const k of FAULT_KINDS) t.faults[k] += s.faults[k];
  t.lost += s.network.lost;
  t.duplicated += s.network.duplicated;
  t.late += s.network.late;
  t.blocked += s.network.blocked;
  t.leaders += s.leadersElected;
  t.committed += s.committed;
  t.writesAcked += s.writesAcked;
  t.readsAcked += s.readsAcked;
  if (s.recoveryTicks !== null) t.maxRecoveryTicks = Math.max(t.maxRecoveryTicks, s.recoveryTicks);
}

export function formatTotals(t: Totals): string {
  const faults = FAULT_KINDS.filter((k) => t.faults[k] > 0).map((k) => `${k} ${t.faults[k]}`);
  return [
    `${t.runs} runs, ${t.failed} failed; ${t.steps} steps, ${(t.simulatedMs / 1000).toFixed(0)} s simulated`,
    `  faults: ${faults.join(', ') || 'none'}; messages lost ${t.lost}, duplicated ${t.duplicated}, late ${t.late}, ` +
      `cut by partitions ${t.blocked}`,
    `  leaders elected ${t.leaders}, entries committed ${t.committed}, writes acked ${t.writesAcked}, reads acked ${t.readsAcked}, ` +
      `slowest recovery after heal ${t.maxRecoveryTicks} ticks`,
  ].join('\n');
}
