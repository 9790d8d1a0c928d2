// Calls waiting for an answer that a later Ready will produce (a peer's RPC waiting for the core's response, a read
// waiting for its ReadIndex). Every wait has a deadline, so no caller ever hangs on a message the core dropped.
import type { Clock, TimerHandle } from '../util/clock.js';

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
}

export class PendingRequests<T> {
  private readonly waiters = new Map<number, Waiter<T>>();
  private nextId = 1;

  constructor(private readonly clock: Clock) {}

  /** Allocates an id and the promise its answer resolves; rejects with TimeoutError after timeoutMs. */
  register(timeoutMs: number, what: string): { id: number; answer: Promise<T> } {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimer(() => {
        this.waiters.delete(id);
        reject(new TimeoutError(`${what}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
    });
    return { id, answer };
  }

  resolve(id: number, value: T): boolean {
    const w = this.take(id);
    if (w) w.resolve(value);
    return w !== undefined;
  }

  reject(id: number, err: Error): boolean {
    const w = this.take(id);
    if (w) w.reject(err);
    return w !== undefined;
  }

  rejectAll(err: Error): void {
    for (const id of [...this.waiters.keys()]) this.reject(id, err);
  }

  private take(id: number): Waiter<T> | undefined {
    const w = this.waiters.get(id);
    if (w === undefined) return undefined;
    this.clock.clearTimer(w.timer);
    this.waiters.delete(id);
    return w;
  }
}
