// The simulator's single source of randomness. Every choice in a run (fault schedule, message delays, client
// operations, each core's election timeouts) is drawn from one seeded generator, in program order, so a seed replays
// the same run bit for bit.
import { seededRandom } from '../util/seeded-random.js';
import type { RandomInt } from '../raft/types.js';

export class SimRandom {
  private readonly next: RandomInt;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return this.next(n);
  }

  /** Integer in [lo, hi] inclusive. */
  between(lo: number, hi: number): number {
    return lo + this.next(hi - lo + 1);
  }

  /** True with probability p (resolution 1e-6). */
  chance(p: number): boolean {
    return p > 0 && this.next(1_000_000) < p * 1_000_000;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.next(items.length)];
  }

  /** A new independent generator seeded from this one (e.g. one per core, so cores do not share a stream). */
  fork(): RandomInt {
    return seededRandom(this.next(0x100000000));
  }

  /** Fisher-Yates on a copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.next(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}
