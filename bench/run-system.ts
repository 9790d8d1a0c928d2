// The phases the systems under test go through, in order: closed-loop load (each operation at each number of requests
// in flight), the no-fault stability run, peak memory, then the leader kills. Writes the bench saw acknowledged are
// collected for the raftlog audit.
import type { Cleanup } from './cleanup.js';
import { CLIENT_LABELS, type ClientKind } from './clients/kv-client.js';
import { runFailover, type FailoverResult } from './failover.js';
import type { LoadJob, OpKind } from './load/closed-loop.js';
import { runLoad, type LoadResult } from './load/run-load.js';
import { readRss, type RssSample } from './memory.js';
import type { BenchOptions } from './options.js';
import { runStability, type StabilityResult } from './stability.js';
import type { SystemUnderTest } from './systems/system.js';

export interface SystemResult {
  system: string;
  /** How it was driven (see ClientKind). */
  client: ClientKind;
  load: LoadResult[];
  stability: StabilityResult | null;
  /** Per member, right after load and stability (peakMiB is VmHWM: the most the process ever held). */
  rssAfterLoad: (RssSample | null)[];
  failover: FailoverResult | null;
  /** Nodes that exited without being asked to, and other things worth knowing. */
  warnings: string[];
}

const KEY_SPACE = 1000;
/** Open-loop workloads (--rates) allow this many operations in flight; more that fall due are counted as not sent. */
export const OPEN_LOOP_MAX_IN_FLIGHT = 256;
const VALUE_BYTES = 100;

export function emptyResult(system: string, client: ClientKind): SystemResult {
  return { system, client, load: [], stability: null, rssAfterLoad: [], failover: null, warnings: [] };
}

/**
 * A system under test driven by one kind of client, with the result it fills and the acknowledged writes it collects.
 * The primary contender of a system (our library, etcd's JSON gateway) also runs the stability and failover phases;
 * the others (the npm xmlrpc client, gRPC) run the load workloads only, for their throughput and CPU per operation.
 */
export interface Contender {
  sys: SystemUnderTest;
  client: ClientKind;
  primary: boolean;
  result: SystemResult;
  acked: string[];
}

/**
 * Makes the jobs of one run. Every job gets its own tid prefix (a sequence number, then a readable tag): a tid the
 * cluster has already committed is acknowledged again without a new entry (that is what makes retries safe), so a
 * workload repeated with the same tids (`--concurrency 32,32,32`) measured the duplicate check, not replication. It
 * did, until this numbering: later rounds ran at 2-3 times the rate of the first with few new entries in the raftlogs.
 */
export function loadJobs(runTag: string): (op: OpKind, concurrency: number, warmupMs: number, measureMs: number, tag: string, rate?: number) => LoadJob {
  let seq = 0;
  return (op, concurrency, warmupMs, measureMs, tag, rate) => ({
    op,
    concurrency,
    rate: rate ?? null,
    warmupMs,
    measureMs,
    tidPrefix: `${runTag}-${seq++}-${tag}`,
    keySpace: KEY_SPACE,
    valueBytes: VALUE_BYTES,
  });
}

/**
 * Runs the phases over every contender, filling each result phase by phase (a run that breaks off still reports what
 * it measured). Each load workload runs on every contender back to back (ours through each client, then etcd through
 * each, then the next workload),
 * so a burst of other work on a shared machine disturbs both sides of a ratio alike rather than one system's whole run.
 */
export async function runSystems(contenders: Contender[], o: BenchOptions, cleanup: Cleanup, progress: (line: string) => void): Promise<void> {
  const runTag = `bench-${Date.now().toString(36)}`;
  const loadJob = loadJobs(runTag);
  for (const sys of new Set(contenders.map((c) => c.sys))) await sys.waitForLeader(30_000);

  if (o.phases.includes('load')) {
    // Unmeasured writes on each fresh cluster first. A node's cost per write falls by half or more over its first
    // 10-20 s of load while V8 optimizes function after function (measured: a follower's CPU per write 130 -> 70 µs,
    // optimizations logged until ~14 s), so without this the first rounds measured the JIT, and two clusters compared
    // round by round were at different points of it. Bursts of 2 s, their rates printed, show where the ramp ends.
    for (const { sys, client, acked } of o.prewarmSeconds > 0 ? contenders.filter((x) => x.primary) : []) {
      const rates: number[] = [];
      let writes = 0;
      for (let left = o.prewarmSeconds * 1000; left > 0; left -= 2000) {
        const out = await runLoad(sys.clientSpec(32, client), loadJob('add', 32, 0, Math.min(2000, left), `${client}-warm${rates.length}`), o.clientThreads, cleanup);
        for (const t of out.ackedTids) acked.push(t);
        writes += out.ackedTids.length;
        rates.push(out.result.opsPerSec);
      }
      progress(`${sys.label}: warmed up with ${writes} writes over ${o.prewarmSeconds} s (not measured; ops/s per burst: ${rates.join(', ')})`);
    }
    // Closed-loop levels, then open-loop rates (at most OPEN_LOOP_MAX_IN_FLIGHT in flight), each on every contender
    // back to back.
    const shapes = [...o.concurrency.map((c) => ({ c, rate: undefined as number | undefined })), ...o.rates.map((rate) => ({ c: OPEN_LOOP_MAX_IN_FLIGHT, rate }))];
    for (const op of o.ops) {
      for (const { c, rate } of shapes) {
        for (const { sys, client, result, acked } of contenders) {
          const level = rate === undefined ? `x${c}` : `@${rate}/s`;
          const job = loadJob(op, c, o.warmupSeconds * 1000, o.seconds * 1000, `${client}-${op}${rate === undefined ? c : `r${rate}`}`, rate);
          const out = await runLoad(sys.clientSpec(c, client), job, o.clientThreads, cleanup, () => sys.pids());
          for (const t of out.ackedTids) acked.push(t); // not push(...): 100,000s of arguments overflow the stack
          result.load.push(out.result);
          if (out.result.clientCpuPercent >= 90) {
            result.warnings.push(`${op} ${level}: the bench client used ${out.result.clientCpuPercent}% of a core: the figure may be the client's limit (try --client-threads 2)`);
          }
          if (out.result.missed > 0) result.warnings.push(`${op} ${level}: ${out.result.missed} operations not sent (${c} already in flight): the system did not keep up with the offered rate`);
          const l = out.result.latencyMs;
          const cpu = out.result.serverCpuMsPer1k === null ? '' : `, server CPU ${out.result.serverCpuMsPer1k} ms per 1,000`;
          progress(`${sys.label}, ${CLIENT_LABELS[client]}: ${op} ${level}: ${out.result.opsPerSec} ops/s, p50 ${l.p50} ms, p99 ${l.p99} ms, p99.9 ${l.p999} ms` + (out.result.failed ? `, ${out.result.failed} failed` : '') + (out.result.missed ? `, ${out.result.missed} not sent` : '') + cpu + `, client CPU ${out.result.clientCpuPercent}%`);
        }
      }
    }
  }

  const primaries = contenders.filter((x) => x.primary);
  for (const { sys, result, acked } of primaries) {
    if (o.phases.includes('stability') && o.stabilitySeconds > 0) {
      const c = o.concurrency.length > 0 ? Math.max(...o.concurrency) : 32;
      result.stability = await runStability(sys, sys.clientSpec(c), loadJob('add', c, 0, o.stabilitySeconds * 1000, 'stab'), o.clientThreads, cleanup, acked);
      const s = result.stability;
      progress(`${sys.label}: ${s.seconds} s of addEntry x${c} (${s.load.opsPerSec} ops/s): ${s.termChanges} term change(s), ${s.leaderChanges} leader change(s)`);
    }
    if (o.phases.includes('load') || o.phases.includes('stability')) result.rssAfterLoad = sys.pids().map(readRss);
  }

  for (const { sys, result, acked } of primaries) {
    if (!o.phases.includes('failover') || o.kills === 0) continue;
    if (!sys.controlsProcesses) {
      result.warnings.push('failover skipped: the bench did not start these nodes');
      continue;
    }
    result.failover = await runFailover(sys, o.kills, o.failoverWriters, `${runTag}-fo`, acked);
    const f = result.failover;
    progress(`${sys.label}: failover (kill -9 leader -> next acknowledged write): ${f.rounds.map((r) => (r.ms === null ? 'none' : `${r.ms} ms`)).join(', ')}`);
  }
}
