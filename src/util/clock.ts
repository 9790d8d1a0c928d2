// The clock port: everything the node runtime and its helpers know about time goes through here, so the simulator can
// run the production runtime on simulated time (FoundationDB and TigerBeetle swap only clock, network and disk).
// Production passes systemClock: the monotonic clock and Node's timers.

/** An opaque handle from setTimer/setRepeating, for clearTimer. */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

export interface Clock {
  /** Monotonic milliseconds (only differences mean anything). */
  now(): number;
  /** Calls fn once after ms; the handle cancels it. Timers never keep the process alive. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  /** Calls fn every ms until cleared. */
  setRepeating(fn: () => void, ms: number): TimerHandle;
  clearTimer(h: TimerHandle | null): void;
  /**
   * Calls fn after everything already waiting in this turn (I/O callbacks included) has run: setImmediate. The runtime
   * uses it so that all requests parsed in one turn ride one Ready.
   */
  defer(fn: () => void): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t as unknown as TimerHandle;
  },
  setRepeating: (fn, ms) => {
    const t = setInterval(fn, ms);
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimer: (h) => {
    if (h !== null) clearTimeout(h as unknown as NodeJS.Timeout);
  },
  defer: (fn) => {
    setImmediate(fn);
  },
};
