// The phases one system goes through, in order: closed-loop load (each operation at each number of requests in
// flight), the no-fault stability run, peak memory, then the leader kills. Writes the bench saw acknowledged are
// collected for the raftlog audit.
import type { Cleanup } from './cleanup.js';
import { runFailover, type FailoverResult } from './failover.js';
import type { LoadJob, OpKind } from './load/closed-loop.js';
import { runLoad, type LoadResult } from './load/run-load.js';
import { readRss, type RssSample } from './memory.js';
import type { BenchOptions } from './options.js';
import { runStability, type StabilityResult } from './stability.js';
import type { SystemUnderTest } from './systems/system.js';

export interface SystemResult {
  system: string;
  load: LoadResult[];
  stability: StabilityResult | null;
  /** Per member, right after load and stability (peakMiB is VmHWM: the most the process ever held). */
  rssAfterLoad: (RssSample | null)[];
  failover: FailoverResult | null;
  /** Nodes that exited without being asked to, and other things worth knowing. */
  warnings: string[];
}

const KEY_SPACE = 1000;
const VALUE_BYTES = 100;

export function emptyResult(system: string): SystemResult {
  return { system, load: [], stability: null, rssAfterLoad: [], failover: null, warnings: [] };
}

/** Fills `result` phase by phase, so a run that breaks off still reports what it measured. */
export async function runSystem(
  sys: SystemUnderTest,
  o: BenchOptions,
  cleanup: Cleanup,
  acked: string[],
  progress: (line: string) => void,
  result: SystemResult,
): Promise<void> {
  const runTag = `bench-${Date.now().toString(36)}`;
  await sys.waitForLeader(30_000);
  const job = (op: OpKind, concurrency: number, warmupMs: number, measureMs: number, tag: string): LoadJob => ({
    op,
    concurrency,
    warmupMs,
    measureMs,
    tidPrefix: `${runTag}-${tag}`,
    keySpace: KEY_SPACE,
    valueBytes: VALUE_BYTES,
  });

  if (o.phases.includes('load')) {
    for (const op of o.ops) {
      for (const c of o.concurrency) {
        const out = await runLoad(sys.clientSpec(c), job(op, c, o.warmupSeconds * 1000, o.seconds * 1000, `${op}${c}`), o.clientThreads, cleanup);
        for (const t of out.ackedTids) acked.push(t); // not push(...): 100,000s of arguments overflow the stack
        result.load.push(out.result);
        if (out.result.clientCpuPercent >= 90) {
          result.warnings.push(`${op} x${c}: the bench client used ${out.result.clientCpuPercent}% of a core: the figure may be the client's limit (try --client-threads 2)`);
        }
        const l = out.result.latencyMs;
        progress(`${sys.label}: ${op} x${c}: ${out.result.opsPerSec} ops/s, p50 ${l.p50} ms, p99 ${l.p99} ms, p99.9 ${l.p999} ms` + (out.result.failed ? `, ${out.result.failed} failed` : '') + `, client CPU ${out.result.clientCpuPercent}%`);
      }
    }
  }

  if (o.phases.includes('stability') && o.stabilitySeconds > 0) {
    const c = Math.max(...o.concurrency);
    result.stability = await runStability(sys, sys.clientSpec(c), job('add', c, 0, o.stabilitySeconds * 1000, 'stab'), o.clientThreads, cleanup, acked);
    const s = result.stability;
    progress(`${sys.label}: ${s.seconds} s of addEntry x${c} (${s.load.opsPerSec} ops/s): ${s.termChanges} term change(s), ${s.leaderChanges} leader change(s)`);
  }

  if (o.phases.includes('load') || o.phases.includes('stability')) result.rssAfterLoad = sys.pids().map(readRss);

  if (o.phases.includes('failover') && o.kills > 0) {
    if (!sys.controlsProcesses) result.warnings.push('failover skipped: the bench did not start these nodes');
    else {
      result.failover = await runFailover(sys, o.kills, o.failoverWriters, `${runTag}-fo`, acked);
      const f = result.failover;
      progress(`${sys.label}: failover (kill -9 leader -> next acknowledged write): ${f.rounds.map((r) => (r.ms === null ? 'none' : `${r.ms} ms`)).join(', ')}`);
    }
  }
}
