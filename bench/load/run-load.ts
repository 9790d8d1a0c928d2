// Runs one workload (operation x requests in flight) over `threads` client threads (0: in this thread) and merges
// their parts into the figures the report prints, with the client process's own CPU use beside them: if the client
// used a whole core, the number says more about the client than about the cluster.
import { Worker } from 'node:worker_threads';
import { makeClient } from '../clients/make-client.js';
import type { ClientSpec } from '../clients/kv-client.js';
import { summarize, type LatencySummary } from '../latency.js';
import { latencySeries, type LatencySeries } from '../latency-series.js';
import type { Cleanup } from '../cleanup.js';
import { processesCpuMs } from '../server-cpu.js';
import { runClosedLoop, type LoadJob, type LoadPart, type OpKind } from './closed-loop.js';
import type { ThreadJob } from './load-thread.js';

export interface LoadResult {
  op: OpKind;
  concurrency: number;
  /** Offered ops/s of an open-loop workload; null for a closed loop. */
  rate: number | null;
  opsPerSec: number;
  latencyMs: LatencySummary;
  failed: number;
  /** Open loop: operations that fell due while the in-flight cap was reached, and were not sent. */
  missed: number;
  /** CPU time of the whole bench process (all client threads) per second of wall time, in % of one core. */
  clientCpuPercent: number;
  /** The bench process's CPU per 1,000 acknowledged operations, ms. */
  clientCpuMsPer1k: number | null;
  /**
   * CPU of every cluster process (utime+stime) per 1,000 operations acknowledged during the measured window, ms; null
   * when the bench cannot read the processes (nodes it did not start, or not Linux).
   */
  serverCpuMsPer1k: number | null;
  clientThreads: number;
  /** p50/p99/max per interval of the measured window, for the HTML report's latency-over-time charts. */
  series: LatencySeries;
}

const THREAD_URL = new URL('./load-thread.js', import.meta.url);

function runInThread(spec: ClientSpec, job: LoadJob, cleanup: Cleanup): Promise<LoadPart> {
  const worker = new Worker(THREAD_URL, { workerData: { client: spec, job } satisfies ThreadJob });
  const forget = cleanup.add('client thread', () => worker.terminate().then(() => undefined));
  return new Promise<LoadPart>((resolve, reject) => {
    worker.once('message', (m: LoadPart | { error: string }) => {
      if ('error' in m) reject(new Error(`client thread: ${m.error}`));
      else resolve(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`client thread exited with code ${code} before reporting`)));
  }).finally(() => {
    forget();
    void worker.terminate();
  });
}

/** Splits `total` requests in flight over `threads` as evenly as possible (threads with none are not started). */
export function shares(total: number, threads: number): number[] {
  const n = Math.max(1, threads);
  return Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0)).filter((c) => c > 0);
}

/**
 * Samples the cluster's CPU when the measured window opens and when it closes (timers in this thread; they may fire a
 * little late, so the CPU is taken as a rate over the time actually between the samples). The load can end a moment
 * before the closing timer fires (its loops stop at the window's end): then the closing sample is taken at the end.
 */
function sampleServerCpu(pids: () => (number | null)[], job: LoadJob): { finish: () => number | null } {
  type Sample = { cpu: number | null; at: number };
  const take = (): Sample => ({ cpu: processesCpuMs(pids()), at: performance.now() });
  let first: Sample | null = null;
  let last: Sample | null = null;
  const timers = [setTimeout(() => (first = take()), job.warmupMs), setTimeout(() => (last = take()), job.warmupMs + job.measureMs)];
  return {
    /** Server CPU ms per second of the window, or null when it could not be read. */
    finish: () => {
      for (const t of timers) clearTimeout(t);
      const a = first as Sample | null;
      const b = (last as Sample | null) ?? take();
      if (a === null || a.cpu === null || b.cpu === null || b.at <= a.at) return null;
      return ((b.cpu - a.cpu) / (b.at - a.at)) * 1000;
    },
  };
}

export async function runLoad(
  spec: ClientSpec,
  job: LoadJob,
  threads: number,
  cleanup: Cleanup,
  serverPids: () => (number | null)[] = () => [],
): Promise<{ result: LoadResult; ackedTids: string[] }> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const server = sampleServerCpu(serverPids, job);
  let parts: LoadPart[];
  if (threads <= 0) {
    const client = makeClient({ ...spec, maxSockets: Math.max(spec.maxSockets, job.concurrency) });
    try {
      parts = [await runClosedLoop(client, job)];
    } finally {
      client.close();
    }
  } else {
    const split = shares(job.concurrency, threads);
    parts = await Promise.all(
      // An open loop's rate is shared out like its in-flight cap.
      split.map((c, i) => runInThread({ ...spec, maxSockets: Math.max(spec.maxSockets, c) }, { ...job, concurrency: c, rate: job.rate === null ? null : (job.rate * c) / job.concurrency, tidPrefix: `${job.tidPrefix}t${i}` }, cleanup)),
    );
  }
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  const ok = parts.reduce((n, p) => n + p.okInWindow, 0);
  const ackedPerSecond = parts.reduce((n, p) => n + p.ackedInWindow, 0) / (job.measureMs / 1000);
  const serverMsPerSecond = server.finish();
  const clientCpuMs = (cpu.user + cpu.system) / 1000;
  const ackedAll = parts.reduce((n, p) => n + p.ackedTotal, 0);
  return {
    result: {
      op: job.op,
      concurrency: job.concurrency,
      rate: job.rate,
      opsPerSec: Math.round(ok / (job.measureMs / 1000)),
      latencyMs: summarize(parts.map((p) => p.latencies)),
      failed: parts.reduce((n, p) => n + p.failedInWindow, 0),
      missed: parts.reduce((n, p) => n + p.missedInWindow, 0),
      clientCpuPercent: Math.round((clientCpuMs / wallMs) * 100),
      clientCpuMsPer1k: ackedAll > 0 ? Math.round((clientCpuMs / ackedAll) * 1000) : null,
      serverCpuMsPer1k: serverMsPerSecond !== null && ackedPerSecond > 0 ? Math.round((serverMsPerSecond / ackedPerSecond) * 1000) : null,
      clientThreads: threads <= 0 ? 0 : parts.length,
      series: latencySeries(parts, job.measureMs),
    },
    ackedTids: parts.flatMap((p) => p.ackedTids),
  };
}
