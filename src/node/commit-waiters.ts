// Client writes waiting for their entry to be applied. A write is acknowledged only when the entry at the index it was
// proposed at is applied *with the same tid*; if a new leader overwrote that index, the write failed (false) and the
// client retries with its tid. Keyed by index so applying an entry costs one map lookup, whatever the load.
import type { Clock, TimerHandle } from '../util/clock.js';

interface CommitWaiter {
  tid: string;
  resolve: (committed: boolean) => void;
  timer: TimerHandle;
}

export class CommitWaiters {
  private readonly byIndex = new Map<number, CommitWaiter[]>();

  constructor(private readonly clock: Clock) {}

  /** Resolves true once `index` is applied holding `tid`, false if it holds another entry or after timeoutMs. */
  wait(index: number, tid: string, timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const waiter: CommitWaiter = {
        tid,
        resolve,
        timer: this.clock.setTimer(() => {
          this.remove(index, waiter);
          resolve(false);
        }, timeoutMs),
      };
      const list = this.byIndex.get(index);
      if (list) list.push(waiter);
      else this.byIndex.set(index, [waiter]);
    });
  }

  /** Called for every applied entry, in index order. */
  applied(index: number, tid: string): void {
    const list = this.byIndex.get(index);
    if (list === undefined) return;
    this.byIndex.delete(index);
    for (const w of list) {
      this.clock.clearTimer(w.timer);
      w.resolve(w.tid === tid);
    }
  }

  /** On shutdown: nothing more will be applied by this process. */
  failAll(): void {
    for (const list of this.byIndex.values()) {
      for (const w of list) {
        this.clock.clearTimer(w.timer);
        w.resolve(false);
      }
    }
    this.byIndex.clear();
  }

  private remove(index: number, waiter: CommitWaiter): void {
    const list = this.byIndex.get(index);
    if (list === undefined) return;
    const rest = list.filter((w) => w !== waiter);
    if (rest.length > 0) this.byIndex.set(index, rest);
    else this.byIndex.delete(index);
  }
}
