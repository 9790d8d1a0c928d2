// One client operation of a chaos run as it happened, times in ms since the run started. This is the single record
// the checkers, the history file (--history) and the timeline (--report) are all derived from, so the verdict of the
// run and the verdict of a checker reading the file are computed from the same numbers.
import type { AddOperation } from '../check/log-model.js';
import type { KvOperation } from '../check/kv-model.js';

/**
 * ok: the answer arrived. unknown: a write whose call ended without an acknowledgement (timeout, false, connection
 * lost): it may or may not take effect, at any time after its call. failed: a read that got no answer; reads change
 * nothing, so it constrains nothing.
 */
export type ChaosOutcome = 'ok' | 'unknown' | 'failed';

export type ChaosOpInput =
  | { op: 'add'; tid: string; data: string }
  | { op: 'set'; key: string; value: string; tid: string }
  | { op: 'get'; key: string };

export interface ChaosOpRecord {
  /** Unique in the run; the checkers' messages name operations by it (#id). */
  id: number;
  /** The client that issued it (c1, c2, ...); each client runs one operation at a time. */
  process: string;
  input: ChaosOpInput;
  /** When the call was issued. */
  call: number;
  /** When the client stopped waiting (answer, error or give-up); null while in flight. */
  end: number | null;
  /** null while in flight. */
  outcome: ChaosOutcome | null;
  /** For ok: true for a write, the value read for a get. */
  output?: string | true;
}

/** Rounds a time to the microsecond: the history file and the checkers then see exactly the same numbers. */
export function runTime(performanceNow: number, runStart: number): number {
  return Math.round((performanceNow - runStart) * 1000) / 1000;
}

/** The addEntry/setVal calls as the log checker sees them (a set is an append of its value under its tid). */
export function toAddOperations(records: readonly ChaosOpRecord[]): AddOperation[] {
  const out: AddOperation[] = [];
  for (const r of records) {
    if (r.input.op === 'get') continue;
    const data = r.input.op === 'add' ? r.input.data : r.input.value;
    const acked = r.outcome === 'ok' && r.end !== null;
    out.push({ id: r.id, client: r.process, input: { tid: r.input.tid, data }, output: acked ? true : undefined, call: r.call, ret: acked ? r.end! : Infinity });
  }
  return out;
}

/** setVal/getVal as the register checker sees them: unknown sets end at infinity, reads without an answer are left out. */
export function toKvOperations(records: readonly ChaosOpRecord[]): KvOperation[] {
  const out: KvOperation[] = [];
  for (const r of records) {
    const i = r.input;
    const ok = r.outcome === 'ok' && r.end !== null;
    if (i.op === 'set') {
      out.push({ id: r.id, client: r.process, input: { kind: 'set', key: i.key, value: i.value }, output: ok ? true : undefined, call: r.call, ret: ok ? r.end! : Infinity });
    } else if (i.op === 'get' && ok && typeof r.output === 'string') {
      out.push({ id: r.id, client: r.process, input: { kind: 'get', key: i.key }, output: r.output, call: r.call, ret: r.end! });
    }
  }
  return out;
}
