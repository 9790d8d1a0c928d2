// Faults a node can be asked to inject into itself, for the dashboard and for teaching: cut it off from chosen peers
// for a while (isolate), or make it time out now (campaign). Both end or settle by themselves: nothing here needs a
// second call to undo, so a dashboard that goes away cannot leave a node broken.
import type { NodeId } from '../raft/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';

export const MAX_ISOLATE_SECONDS = 3600;

/**
 * A set of peers whose messages this node drops, in both directions, until a deadline. The runtime asks blocks() before
 * it sends to a peer, before it serves a peer's request and before it steps a peer's response.
 */
export class PeerIsolation {
  private peers = new Set<NodeId>();
  private until = 0;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly onChange: (msg: string) => void = () => {},
  ) {}

  /** Replaces any isolation in force (an empty list ends it now). */
  isolate(peers: NodeId[], seconds: number): void {
    this.clock.clearTimer(this.timer);
    this.timer = null;
    this.peers = new Set(peers);
    this.until = peers.length > 0 ? this.clock.now() + seconds * 1000 : 0;
    if (peers.length === 0) {
      this.onChange('isolation ended');
      return;
    }
    this.onChange(`isolated from ${peers.join(', ')} for ${seconds} s: their messages are dropped both ways`);
    this.timer = this.clock.setTimer(() => {
      this.timer = null;
      this.peers.clear();
      this.onChange('isolation over: talking to every peer again');
    }, seconds * 1000);
  }

  blocks(peer: NodeId): boolean {
    return this.peers.size > 0 && this.clock.now() < this.until && this.peers.has(peer);
  }

  /** The peers cut off right now and the ms left; empty when none. */
  current(): { peers: NodeId[]; remainingMs: number } {
    const left = this.until - this.clock.now();
    if (this.peers.size === 0 || left <= 0) return { peers: [], remainingMs: 0 };
    return { peers: [...this.peers], remainingMs: Math.ceil(left) };
  }

  stop(): void {
    this.clock.clearTimer(this.timer);
    this.timer = null;
    this.peers.clear();
  }
}

/** When this node last received an AppendEntries (from whoever sent it): "time since leader contact". */
export class LeaderContact {
  private from: NodeId | null = null;
  private at = 0;

  constructor(private readonly clock: Clock) {}

  heard(from: NodeId): void {
    this.from = from;
    this.at = this.clock.now();
  }

  /** ms since `leader` last sent us an AppendEntries; -1 if it never did (or no leader is known). */
  sinceMs(leader: NodeId | null): number {
    if (leader === null || this.from !== leader) return -1;
    return Math.floor(this.clock.now() - this.at); // whole ms: the status struct carries an int
  }
}

/**
 * Makes a follower's election timer expire now by ticking its core until it leaves the follower role (bounded by
 * maxTicks, which should exceed the largest randomized election timeout). The campaign that follows is an ordinary
 * one, pre-vote included: while a healthy leader holds its followers' lease they refuse it, which is the point Raft
 * makes (a node cut off cannot depose a working leader); with the leader gone or isolated it wins quickly.
 */
export function timeoutNow(core: { tick(): void; status(): { role: string } }, maxTicks: number): string {
  const before = core.status().role;
  if (before === 'leader') throw new Error('campaign: this node is already the leader');
  for (let i = 0; i < maxTicks && core.status().role === 'follower'; i++) core.tick();
  return core.status().role;
}
