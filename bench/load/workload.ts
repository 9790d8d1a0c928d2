// What a workload is called and how its rows are matched across systems, clients and rounds: an operation with a
// number of calls in flight (closed loop: "addEntry x32"), or with an offered rate (open loop: "addEntry @3000/s").
import type { OpKind } from './closed-loop.js';

export const OP_NAMES: Record<OpKind, string> = { add: 'addEntry', set: 'setVal', get: 'getVal' };

export interface WorkloadShape {
  op: OpKind;
  concurrency: number;
  /** Offered operations per second (open loop), or null for a closed loop of `concurrency` calls. */
  rate: number | null;
}

/** "addEntry x32" or "addEntry @3000/s". */
export function workloadLabel(w: WorkloadShape): string {
  return `${OP_NAMES[w.op]} ${w.rate === null ? `x${w.concurrency}` : `@${w.rate}/s`}`;
}

/** Rows of the same workload share this key (a repeated level: rounds, matched in order). */
export function workloadKey(w: WorkloadShape): string {
  return w.rate === null ? `${w.op} x${w.concurrency}` : `${w.op} @${w.rate}/s`;
}

/** The rows of `load` with the same workload as `w`. */
export function sameWorkload<T extends WorkloadShape>(load: readonly T[], w: WorkloadShape): T[] {
  const k = workloadKey(w);
  return load.filter((x) => workloadKey(x) === k);
}

/** A short identifier for markup ("add32", "addr3000"): the HTML report's data-workload. */
export function workloadId(w: WorkloadShape): string {
  return w.rate === null ? `${w.op}${w.concurrency}` : `${w.op}r${w.rate}`;
}
