// One simulated process's clock (the runtime's Clock port): its time is the simulation's tick times the tick length,
// scaled by this boot's clock rate (lease runs give every node its own), counted from boot. Timers and deferred
// callbacks run only when the simulation says so (fireDue, runDeferred), in a fixed order, so a seed replays exactly;
// a paused process (SIGSTOP) simply is not asked; a crashed one is killed and never runs anything again.
import type { Clock, TimerHandle } from '../util/clock.js';

interface SimTimer {
  id: number;
  due: number;
  fn: () => void;
  /** Repeating timers: the period in ms. */
  every: number;
}

export class SimClock implements Clock {
  private readonly timers = new Map<number, SimTimer>();
  private deferred: (() => void)[] = [];
  private nextId = 1;
  private dead = false;

  constructor(
    /** The simulation's current tick. */
    private readonly tickNow: () => number,
    private readonly tickMs: number,
    private readonly rate: number,
    private readonly bootTick: number,
  ) {}

  now(): number {
    return (this.tickNow() - this.bootTick) * this.tickMs * this.rate;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, 0);
  }

  setRepeating(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(ms, 1e-9));
  }

  clearTimer(h: TimerHandle | null): void {
    if (h !== null) this.timers.delete(h as unknown as number);
  }

  defer(fn: () => void): void {
    if (!this.dead) this.deferred.push(fn);
  }

  /** The process is gone: nothing it scheduled runs, now or later. */
  kill(): void {
    this.dead = true;
    this.timers.clear();
    this.deferred = [];
  }

  hasDeferred(): boolean {
    return this.deferred.length > 0;
  }

  /** Runs the callbacks deferred so far (not those they defer in turn); true if any ran. */
  runDeferred(): boolean {
    if (this.dead || this.deferred.length === 0) return false;
    const batch = this.deferred;
    this.deferred = [];
    for (const fn of batch) if (!this.dead) fn();
    return true;
  }

  /**
   * Runs every timer due by now, earliest first (ties in creation order); true if any ran. A repeating timer that fell
   * behind fires once and is rescheduled from now, as setInterval does after the event loop was blocked.
   */
  fireDue(): boolean {
    let ran = false;
    for (let guard = 0; guard < 10_000 && !this.dead; guard++) {
      const t = this.nextDue();
      if (t === undefined) return ran;
      ran = true;
      if (t.every > 0) {
        t.due += t.every;
        if (t.due <= this.now()) t.due = this.now() + t.every;
      } else {
        this.timers.delete(t.id);
      }
      t.fn();
    }
    return ran;
  }

  private nextDue(): SimTimer | undefined {
    const now = this.now();
    let best: SimTimer | undefined;
    for (const t of this.timers.values()) {
      if (t.due <= now && (best === undefined || t.due < best.due || (t.due === best.due && t.id < best.id))) best = t;
    }
    return best;
  }

  private add(fn: () => void, ms: number, every: number): TimerHandle {
    const id = this.nextId++;
    if (!this.dead) this.timers.set(id, { id, due: this.now() + Math.max(0, ms), fn, every });
    return id as unknown as TimerHandle;
  }
}
