// Closed-loop load: `concurrency` loops, each sending its next request as soon as the previous one is answered, for
// a warm-up and then a measured window. Only operations that start and finish inside the window count toward
// throughput and latency; every acknowledged write is remembered (tids) so the raftlog audit can look for it.
import { SampleBuffer } from '../latency.js';
import type { KvClient } from '../clients/kv-client.js';

export type OpKind = 'add' | 'set' | 'get';

export interface LoadJob {
  op: OpKind;
  concurrency: number;
  warmupMs: number;
  measureMs: number;
  /** Makes tids unique across phases and threads. */
  tidPrefix: string;
  /** setVal/getVal spread over this many keys. */
  keySpace: number;
  valueBytes: number;
}

export interface LoadPart {
  okInWindow: number;
  /** Operations acknowledged while the window was open, wherever they started: what the server completed in it. */
  ackedInWindow: number;
  /** Operations acknowledged in the whole run, warm-up included (the client's CPU is measured over all of it). */
  ackedTotal: number;
  failedInWindow: number;
  /** Latency (ms) of every acknowledged operation inside the window. */
  latencies: Float64Array;
  /** When each of those operations started, ms after the window opened (same order): latency over time. */
  starts: Float64Array;
  /** Tids of acknowledged writes (adds and sets), whole run including warm-up. */
  ackedTids: string[];
  windowMs: number;
}

export function benchValue(bytes: number, seq: number): string {
  const head = `v${seq}-`;
  return head + 'x'.repeat(Math.max(0, bytes - head.length));
}

export const benchKey = (n: number): string => `bench-key-${n}`;

export async function runClosedLoop(client: KvClient, job: LoadJob): Promise<LoadPart> {
  const start = performance.now();
  const windowStart = start + job.warmupMs;
  const windowEnd = windowStart + job.measureMs;
  const latencies = new SampleBuffer();
  const starts = new SampleBuffer();
  const ackedTids: string[] = [];
  let ok = 0;
  let failed = 0;
  let ackedInWindow = 0;
  let ackedTotal = 0;
  let seq = 0;

  const loop = async (): Promise<void> => {
    while (performance.now() < windowEnd) {
      const n = seq++;
      const tid = `${job.tidPrefix}-${n}`;
      const t0 = performance.now();
      const out =
        job.op === 'add'
          ? await client.add(tid, benchValue(job.valueBytes, n))
          : job.op === 'set'
            ? await client.set(benchKey(n % job.keySpace), benchValue(job.valueBytes, n), tid)
            : await client.get(benchKey(n % job.keySpace));
      const t1 = performance.now();
      if (out.ok && job.op !== 'get') ackedTids.push(tid);
      if (out.ok) ackedTotal++;
      if (out.ok && t1 >= windowStart && t1 < windowEnd) ackedInWindow++;
      if (t0 >= windowStart && t1 <= windowEnd) {
        if (out.ok) {
          ok++;
          latencies.push(t1 - t0);
          starts.push(t0 - windowStart);
        } else failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, loop));
  return { okInWindow: ok, ackedInWindow, ackedTotal, failedInWindow: failed, latencies: latencies.toArray(), starts: starts.toArray(), ackedTids, windowMs: job.measureMs };
}
