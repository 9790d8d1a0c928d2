// Failover: under light load (a few writes in flight), kill -9 the leader and time how long until a write sent after
// the kill is acknowledged by another member; then restart the killed member so the next round starts at full size.
import { makeClient } from './clients/make-client.js';
import { benchValue } from './load/closed-loop.js';
import type { SystemUnderTest } from './systems/system.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FailoverRound {
  killed: string;
  /** kill -9 to the first acknowledgement of a write sent after it; null if none came within the bound. */
  ms: number | null;
  /**
   * When each write was acknowledged, ms relative to the kill (negative: before it), from STEADY_BEFORE_KILL_MS
   * before the kill to TAIL_MS after the first acknowledgement; at most MAX_ACKS_PER_ROUND. The HTML report draws it.
   */
  acksMs: number[];
}

export interface FailoverResult {
  rounds: FailoverRound[];
  medianMs: number | null;
  maxMs: number | null;
  writersInFlight: number;
}

const ROUND_BOUND_MS = 30_000;
const STEADY_BEFORE_KILL_MS = 500;
const TAIL_MS = 500;
const MAX_ACKS_PER_ROUND = 3000;

export async function runFailover(sys: SystemUnderTest, kills: number, writersInFlight: number, tidPrefix: string, acked: string[]): Promise<FailoverResult> {
  const client = makeClient(sys.clientSpec(writersInFlight));
  let watch: { killAt: number; killed: string; firstAckAt: number | null } | null = null;
  let running = true;
  let seq = 0;
  let recording: number[] | null = null;
  const writer = async (): Promise<void> => {
    while (running) {
      const n = seq++;
      const tid = `${tidPrefix}-${n}`;
      const out = await client.add(tid, benchValue(100, n));
      if (!out.ok) continue;
      acked.push(tid);
      if (recording !== null && recording.length < MAX_ACKS_PER_ROUND) recording.push(performance.now());
      const w = watch;
      if (w !== null && w.firstAckAt === null && out.sentAt >= w.killAt && out.node !== w.killed) w.firstAckAt = performance.now();
    }
  };
  const writers = Array.from({ length: writersInFlight }, writer);
  const rounds: FailoverRound[] = [];
  try {
    for (let k = 0; k < kills; k++) {
      const leader = await sys.waitForLeader(ROUND_BOUND_MS);
      const acks: number[] = [];
      recording = acks;
      await sleep(STEADY_BEFORE_KILL_MS);
      const killed = sys.endpoints[leader.index];
      const w = { killAt: performance.now(), killed, firstAckAt: null as number | null };
      watch = w;
      await sys.kill(leader.index);
      const giveUp = w.killAt + ROUND_BOUND_MS;
      while (w.firstAckAt === null && performance.now() < giveUp) await sleep(2);
      watch = null;
      if (w.firstAckAt !== null) await sleep(TAIL_MS); // the writes resuming, for the picture
      recording = null;
      const acksMs = acks.map((t) => Math.round(t - w.killAt)).filter((t) => t >= -STEADY_BEFORE_KILL_MS);
      rounds.push({ killed, ms: w.firstAckAt === null ? null : Math.round(w.firstAckAt - w.killAt), acksMs });
      await sys.restart(leader.index);
      await sys.waitCaughtUp(ROUND_BOUND_MS);
    }
  } finally {
    running = false;
    await Promise.race([Promise.all(writers), sleep(25_000)]);
    client.close();
  }
  const times = rounds.flatMap((r) => (r.ms === null ? [] : [r.ms])).sort((a, b) => a - b);
  return {
    rounds,
    medianMs: times.length === 0 ? null : times.length % 2 === 1 ? times[(times.length - 1) / 2] : Math.round((times[times.length / 2 - 1] + times[times.length / 2]) / 2),
    maxMs: rounds.some((r) => r.ms === null) ? null : times.length === 0 ? null : times[times.length - 1],
    writersInFlight,
  };
}
