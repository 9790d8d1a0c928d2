// Group commit: many callers, few fsyncs. At most one flush runs; callers arriving meanwhile all share ONE queued
// flush that starts when the running one ends (it must start after them: a flush only covers writes made before it
// began). So N concurrent sync() calls cost at most two flushes. After a failed flush every later sync() fails too:
// once fsync has reported an error, the kernel may have dropped the dirty pages, and retrying would claim
// durability for data that is gone.
export class GroupCommit {
  /** The running flush (what its callers await), or null. */
  private current: Promise<void> | null = null;
  /** The flush every caller that arrived during `current` shares; it starts when `current` ends. */
  private queued: Promise<void> | null = null;
  private failure: Error | null = null;
  /** Flushes started (each one round of fsyncs): sync() calls minus the ones that shared a flush. */
  flushes = 0;

  constructor(private readonly flush: () => Promise<void>) {}

  /** Resolves once everything written before the call is durable. */
  sync(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.current === null) return this.start();
    if (this.queued === null) {
      // By the time this runs, a caller woken by the end of `current` may already have started a new flush: that
      // one began after everyone waiting here called sync(), so it covers them too; share it instead of a second.
      const next = (): Promise<void> => {
        this.queued = null;
        if (this.failure !== null) return Promise.reject(this.failure);
        return this.current ?? this.start();
      };
      this.queued = this.current.then(next, next);
    }
    return this.queued;
  }

  private start(): Promise<void> {
    this.flushes++;
    const p = this.flush().catch((err: unknown) => {
      this.failure = err instanceof Error ? err : new Error(String(err));
      throw this.failure;
    });
    this.current = p;
    // Registered before anyone else can wait on p, so `current` is cleared before any waiter runs.
    const clear = (): void => {
      if (this.current === p) this.current = null;
    };
    p.then(clear, clear);
    return p;
  }
}
