// Calls waiting for an answer that a later Ready will produce (a peer's RPC waiting for the core's response, a read
// waiting for its ReadIndex). Every wait has a deadline, so no caller ever hangs on a message the core dropped.

export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class PendingRequests<T> {
  private readonly waiters = new Map<number, Waiter<T>>();
  private nextId = 1;

  /** Allocates an id and the promise its answer resolves; rejects with TimeoutError after timeoutMs. */
  register(timeoutMs: number, what: string): { id: number; answer: Promise<T> } {
    const id = this.nextId++;
    const answer = new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new TimeoutError(`${what}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
    });
    return { id, answer };
  }

  has(id: number): boolean {
    return this.waiters.has(id);
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

  get size(): number {
    return this.waiters.size;
  }

  private take(id: number): Waiter<T> | undefined {
    const w = this.waiters.get(id);
    if (w === undefined) return undefined;
    clearTimeout(w.timer);
    this.waiters.delete(id);
    return w;
  }
}
