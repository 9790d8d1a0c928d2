// The simulated network between cores: every message is lost, duplicated or delayed by a draw from the run's random
// source; random delays reorder messages, and a few very late ones arrive long after their sender moved on (the stale
// and reordered AppendEntries that real networks produce). Partitions are per directed link, so one-way partitions
// are just half of a symmetric one. Delivery order is (due tick, send order): fully deterministic.
import type { Message, NodeId } from '../raft/types.js';
import type { SimRandom } from './sim-random.js';

export interface NetworkProfile {
  /** Probability that a message vanishes. */
  loss: number;
  /** Probability that a message is delivered twice (the copy has its own delay). */
  duplicate: number;
  /** Extra random delay in ticks (0 = FIFO links with a one-tick latency). */
  jitterTicks: number;
  /** Probability that a message is held back for a long time (10..40 ticks), arriving stale. */
  lateProbability: number;
}

export const RELIABLE: NetworkProfile = { loss: 0, duplicate: 0, jitterTicks: 0, lateProbability: 0 };

export interface InFlight {
  due: number;
  order: number;
  msg: Message;
}

export interface NetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  late: number;
  blocked: number;
}

/** A binary min-heap on (due, order). */
class DueQueue {
  private readonly heap: InFlight[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(x: InFlight): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  peek(): InFlight | undefined {
    return this.heap[0];
  }

  pop(): InFlight | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }
}

function before(a: InFlight, b: InFlight): boolean {
  return a.due < b.due || (a.due === b.due && a.order < b.order);
}

/** Messages are copied on send, as serialization would: a receiver must never share objects with the sender. */
function copyMessage(m: Message): Message {
  return m.type === 'append' ? { ...m, entries: m.entries.map((e) => ({ ...e })) } : { ...m };
}

export class SimNetwork {
  profile: NetworkProfile = RELIABLE;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, late: 0, blocked: 0 };
  private readonly queue = new DueQueue();
  private order = 0;
  /** "from>to" -> how many active partitions block that link. */
  private readonly blockedLinks = new Map<string, number>();

  constructor(private readonly rng: SimRandom) {}

  /** Queues a message; returns what happened to it, for the trace. */
  send(msg: Message, now: number): 'sent' | 'lost' | 'dup' {
    this.stats.sent++;
    const p = this.profile;
    if (this.rng.chance(p.loss)) {
      this.stats.lost++;
      return 'lost';
    }
    this.enqueue(copyMessage(msg), now);
    if (this.rng.chance(p.duplicate)) {
      this.stats.duplicated++;
      this.enqueue(copyMessage(msg), now);
      return 'dup';
    }
    return 'sent';
  }

  /** Removes and returns the next message due at or before `now`, if any. */
  nextDue(now: number): Message | undefined {
    const top = this.queue.peek();
    if (top === undefined || top.due > now) return undefined;
    this.queue.pop();
    return top.msg;
  }

  /** Puts a message back for a later tick (its destination is paused and cannot read its socket yet). */
  hold(msg: Message, until: number): void {
    this.queue.push({ due: until, order: this.order++, msg });
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return (this.blockedLinks.get(`${from}>${to}`) ?? 0) > 0;
  }

  block(from: NodeId, to: NodeId): void {
    const k = `${from}>${to}`;
    this.blockedLinks.set(k, (this.blockedLinks.get(k) ?? 0) + 1);
  }

  unblock(from: NodeId, to: NodeId): void {
    const k = `${from}>${to}`;
    const n = (this.blockedLinks.get(k) ?? 0) - 1;
    if (n > 0) this.blockedLinks.set(k, n);
    else this.blockedLinks.delete(k);
  }

  /** Every link open again (the nemesis heals everything before the liveness phase). */
  unblockAll(): void {
    this.blockedLinks.clear();
  }

  inFlight(): number {
    return this.queue.size;
  }

  private enqueue(msg: Message, now: number): void {
    const p = this.profile;
    let delay = 1 + (p.jitterTicks > 0 ? this.rng.int(p.jitterTicks + 1) : 0);
    if (this.rng.chance(p.lateProbability)) {
      delay += this.rng.between(10, 40);
      this.stats.late++;
    }
    this.queue.push({ due: now + delay, order: this.order++, msg });
  }
}
