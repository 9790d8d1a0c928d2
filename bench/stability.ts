// Spurious elections: a full-load run with no faults, watching the term (every election moves it, even one the old
// leader wins again) and who leads. A healthy cluster under load keeps one leader and one term throughout.
import type { Cleanup } from './cleanup.js';
import type { ClientSpec } from './clients/kv-client.js';
import type { LoadJob } from './load/closed-loop.js';
import { runLoad, type LoadResult } from './load/run-load.js';
import type { SystemUnderTest } from './systems/system.js';

export interface StabilityResult {
  seconds: number;
  concurrency: number;
  termBefore: number | null;
  termAfter: number | null;
  /** termAfter - termBefore: elections that happened during the run. */
  termChanges: number | null;
  /** Leader changes seen by polling every POLL_MS. */
  leaderChanges: number;
  /** When each was seen, ms after the load started (the HTML report marks them on the latency chart). */
  leaderChangesAtMs: number[];
  load: LoadResult;
}

const POLL_MS = 500;

export async function runStability(sys: SystemUnderTest, spec: ClientSpec, job: LoadJob, threads: number, cleanup: Cleanup, acked: string[]): Promise<StabilityResult> {
  const first = await sys.waitForLeader(30_000);
  const termBefore = await sys.maxTerm();
  let leader = first.index;
  let leaderChanges = 0;
  const leaderChangesAtMs: number[] = [];
  let polling = true;
  const t0 = performance.now();
  const poll = (async () => {
    while (polling) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const l = await sys.waitForLeader(POLL_MS * 4).catch(() => null);
      if (l !== null && l.index !== leader) {
        leaderChanges++;
        leaderChangesAtMs.push(Math.round(performance.now() - t0));
        leader = l.index;
      }
    }
  })();
  let out;
  try {
    out = await runLoad(spec, job, threads, cleanup);
  } finally {
    polling = false;
    await poll;
  }
  for (const t of out.ackedTids) acked.push(t); // not push(...): 100,000s of arguments overflow the stack
  const termAfter = await sys.maxTerm();
  return {
    seconds: job.measureMs / 1000,
    concurrency: job.concurrency,
    termBefore,
    termAfter,
    termChanges: termBefore === null || termAfter === null ? null : termAfter - termBefore,
    leaderChanges,
    leaderChangesAtMs,
    load: out.result,
  };
}
