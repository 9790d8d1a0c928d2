// The retry loop both systems' bench clients share: send to the leader we know; on an error, a refusal or a timeout,
// forget it, find the leader again (one discovery at a time, shared by every request in flight) and retry, until the
// operation's deadline. Writes keep their tid across retries, so our cluster applies each at most once.
import { parseNodeStatus } from '../../src/protocol/status.js';
import type { OpOutcome } from './kv-client.js';
import { setTimeout as sleep } from 'node:timers/promises';

const MIN_BACKOFF_MS = 2;
const MAX_BACKOFF_MS = 50;
/** Pause between discovery rounds while no member claims leadership (an election is running). */
const DISCOVERY_PAUSE_MS = 10;

export abstract class LeaderFollowingClient {
  private leader: string | null = null;
  private discovery: Promise<string | null> | null = null;
  protected closed = false;

  constructor(
    protected readonly endpoints: string[],
    protected readonly attemptTimeoutMs: number,
    private readonly opDeadlineMs: number,
  ) {}

  currentLeader(): string | null {
    return this.leader;
  }

  /** One round of asking every member who leads; null if none claims it. */
  protected abstract discoverOnce(timeoutMs: number): Promise<string | null>;

  /** Runs `attempt` (true = acknowledged) against the leader until acknowledged or the deadline passes. */
  protected async withLeader(attempt: (leader: string, timeoutMs: number) => Promise<boolean>): Promise<OpOutcome> {
    const deadline = performance.now() + this.opDeadlineMs;
    let backoff = MIN_BACKOFF_MS;
    let sentAt = performance.now();
    for (let attempts = 1; attempts <= 100_000 && !this.closed; attempts++) {
      const leader = this.leader ?? (await this.findLeader(deadline));
      const remaining = deadline - performance.now();
      if (leader === null || remaining <= 0) return { ok: false, sentAt, attempts, node: leader };
      sentAt = performance.now();
      let ok = false;
      try {
        ok = await attempt(leader, Math.min(this.attemptTimeoutMs, remaining));
      } catch {
        ok = false;
      }
      if (ok) return { ok: true, sentAt, attempts, node: leader };
      if (this.leader === leader) this.leader = null;
      await sleep(Math.min(backoff, Math.max(0, deadline - performance.now())));
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
    return { ok: false, sentAt, attempts: 0, node: null };
  }

  private findLeader(deadline: number): Promise<string | null> {
    if (this.discovery === null) {
      this.discovery = this.discoverUntil(deadline).finally(() => {
        this.discovery = null;
      });
    }
    return this.discovery;
  }

  private async discoverUntil(deadline: number): Promise<string | null> {
    while (!this.closed && performance.now() < deadline) {
      const found = await this.discoverOnce(Math.min(this.attemptTimeoutMs, 500)).catch(() => null);
      if (found !== null) {
        this.leader = found;
        return found;
      }
      await sleep(DISCOVERY_PAUSE_MS);
    }
    return null;
  }
}

/**
 * Discovery for our cluster's bench clients, whatever carries the call: every node's status at once; the self-declared
 * leader with the highest term wins (an old leader that has not heard of the new term yet loses to it).
 */
export async function leaderByStatus(endpoints: string[], status: (ep: string) => Promise<unknown>): Promise<string | null> {
  const answers = await Promise.all(
    endpoints.map(async (ep) => {
      try {
        const s = parseNodeStatus(await status(ep), ep);
        return s.role === 'leader' ? { ep, term: s.term } : null;
      } catch {
        return null;
      }
    }),
  );
  let best: { ep: string; term: number } | null = null;
  for (const a of answers) if (a !== null && (best === null || a.term > best.term)) best = a;
  return best?.ep ?? null;
}
