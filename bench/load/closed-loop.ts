// Load for a warm-up and then a measured window, in one of two shapes. Closed loop: `concurrency` loops, each sending
// its next request as soon as the previous one is answered (throughput is what the system and the client reach
// together). Open loop (`rate`): requests start on a fixed schedule whatever the answers do, at most `concurrency` in
// flight, so two systems can be compared at the same offered load: then CPU per operation is not skewed by one of
// them batching more because it ran faster. Latency is taken from each request's scheduled start (a late start counts
// against the system, not hidden: no coordinated omission). Only operations that start and finish inside the window
// count toward throughput and latency; every acknowledged write is remembered (tids) so the raftlog audit can look
// for it.
import { SampleBuffer } from '../latency.js';
import type { KvClient } from '../clients/kv-client.js';

export type OpKind = 'add' | 'set' | 'get';

export interface LoadJob {
  op: OpKind;
  /** Calls in flight (closed loop), or the most allowed in flight (open loop). */
  concurrency: number;
  /** Offered operations per second, open loop; null: closed loop. */
  rate: number | null;
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
  /** Open loop: operations due while `concurrency` were already in flight, not sent (the system fell behind). */
  missedInWindow: number;
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
  let missed = 0;
  let ackedInWindow = 0;
  let ackedTotal = 0;
  let seq = 0;

  /** One operation, counted against `t0` (when it started, or was due to in an open loop). */
  const one = async (t0: number): Promise<void> => {
    const n = seq++;
    const tid = `${job.tidPrefix}-${n}`;
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
  };

  if (job.rate === null) {
    const loop = async (): Promise<void> => {
      while (performance.now() < windowEnd) await one(performance.now());
    };
    await Promise.all(Array.from({ length: job.concurrency }, loop));
  } else {
    // Every millisecond, start what the schedule says is due (operation k is due at start + k / rate).
    const rate = job.rate;
    const running = new Set<Promise<void>>();
    let due = 0;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const now = performance.now();
        const until = Math.min(now, windowEnd);
        while (start + (due * 1000) / rate <= until) {
          const at = start + (due * 1000) / rate;
          due++;
          if (running.size >= job.concurrency) {
            if (at >= windowStart) missed++;
            continue;
          }
          const p: Promise<void> = one(at).finally(() => running.delete(p));
          running.add(p);
        }
        if (now >= windowEnd) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(tick, 1);
    });
    await Promise.all(running);
  }
  return {
    okInWindow: ok,
    ackedInWindow,
    ackedTotal,
    failedInWindow: failed,
    missedInWindow: missed,
    latencies: latencies.toArray(),
    starts: starts.toArray(),
    ackedTids,
    windowMs: job.measureMs,
  };
}
