// The replicated key-value state machine fed by committed 'set' entries. It holds one value per key (not per entry),
// so memory grows with the number of distinct keys, never with the length of the log.
import type { Entry } from '../raft/types.js';

export class KvStore {
  private readonly values = new Map<string, string>();

  apply(e: Entry): void {
    if (e.type === 'set') this.values.set(e.key, e.data);
  }

  /** '' for a key never set, as getVal's contract says. */
  get(key: string): string {
    return this.values.get(key) ?? '';
  }

  get size(): number {
    return this.values.size;
  }
}
