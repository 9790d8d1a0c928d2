// The shape of a recorded client history, shared by the simulator, the chaos runner and the checkers.
// A history is a set of operations, each with the time its call was issued and the time its answer arrived.
// An operation whose answer never arrived (timeout, crash, connection reset) has an unknown outcome: it may or may
// not have taken effect, so its completion time is +Infinity and its output is undefined.

export interface Operation<I, O> {
  /** Unique within one history; used only to name operations in reports. */
  id: number;
  /** Who issued it (a client number or name); only for reports. */
  client: string;
  input: I;
  /** undefined when the outcome is unknown. */
  output: O | undefined;
  /** Invocation time (any monotonic clock: simulated steps, hrtime nanoseconds, ...). */
  call: number;
  /** Completion time; +Infinity when the outcome is unknown. Must be >= call. */
  ret: number;
}

/**
 * A sequential specification. `step` says whether applying `input` in `state` may produce `output`
 * (output undefined = the caller never saw it, so any output is acceptable) and returns the resulting state,
 * or undefined when the transition is illegal.
 */
export interface Model<S, I, O> {
  init(): S;
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** A value equal for equal states (memoization key). Strings and numbers compare by value. */
  stateKey(state: S): string | number;
  describe(op: Operation<I, O>): string;
}

export type Verdict = 'ok' | 'violation' | 'unknown';

export interface CheckResult {
  verdict: Verdict;
  /** Operations examined. */
  ops: number;
  /** For a violation: what could not be linearized and where the search got stuck; for unknown: why it gave up. */
  message: string;
  /** For a violation: when the offending operation completed (or was called, if it never completed), if known. */
  at?: number;
}

export const OK_EMPTY: CheckResult = { verdict: 'ok', ops: 0, message: '' };

/** Formats a time for reports, keeping infinite completions readable. */
export function formatTime(t: number): string {
  return t === Infinity ? 'inf' : String(t);
}
