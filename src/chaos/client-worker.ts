// A chaos client: issues addEntry / setVal / getVal one at a time through RaftClient (which finds the leader and
// retries under the same tid) and records each call with its invocation and completion times (ChaosOpRecord), from
// which the checkers' histories, the history file and the timeline are all derived.
// A write that fails or throws has an unknown outcome (it may still commit); a read that fails changes nothing.
import type { RaftClient } from '../client/raft-client.js';
import type { ChaosOpRecord, ChaosOutcome } from './op-record.js';

export interface WorkerCounts {
  writesAcked: number;
  writesUnknown: number;
  readsOk: number;
  readsFailed: number;
}

export interface WorkerOptions {
  index: number;
  client: RaftClient;
  /** Every operation is pushed here when it is called and completed in place. */
  records: ChaosOpRecord[];
  counts: WorkerCounts;
  keys: readonly string[];
  /** Distinguishes this run's tids from any other run's. */
  runTag: string;
  random: () => number;
  nextOpId: () => number;
  shouldStop: () => boolean;
  /** ms since the run started. */
  now: () => number;
}

export async function runClientWorker(o: WorkerOptions): Promise<void> {
  const name = `c${o.index}`;
  for (let n = 1; !o.shouldStop(); n++) {
    const roll = o.random();
    const key = o.keys[Math.floor(o.random() * o.keys.length)];
    const id = o.nextOpId();
    const tid = `${o.runTag}-${name}-${n}`;
    if (roll < 0.4) {
      const r = start(o, { id, process: name, input: { op: 'add', tid, data: `chaos ${name} #${n}` }, call: o.now(), end: null, outcome: null });
      const ok = await o.client.addEntry(`chaos ${name} #${n}`, tid).then((x) => x.ok, () => false);
      settleWrite(o, r, ok);
    } else if (roll < 0.7) {
      const value = `${name}.${n}`; // unique per write: keeps the register search small and reports readable
      const r = start(o, { id, process: name, input: { op: 'set', key, value, tid }, call: o.now(), end: null, outcome: null });
      const ok = await o.client.setVal(key, value, tid).then((x) => x, () => false);
      settleWrite(o, r, ok);
    } else {
      const r = start(o, { id, process: name, input: { op: 'get', key }, call: o.now(), end: null, outcome: null });
      try {
        const value = await o.client.getVal(key);
        finish(o, r, 'ok', value);
        o.counts.readsOk++;
      } catch {
        finish(o, r, 'failed');
        o.counts.readsFailed++; // a read that never answered constrains nothing
      }
    }
  }
}

function start(o: WorkerOptions, r: ChaosOpRecord): ChaosOpRecord {
  o.records.push(r);
  return r;
}

function finish(o: WorkerOptions, r: ChaosOpRecord, outcome: ChaosOutcome, output?: string | true): void {
  r.end = Math.max(r.call, o.now());
  r.outcome = outcome;
  if (output !== undefined) r.output = output;
}

function settleWrite(o: WorkerOptions, r: ChaosOpRecord, ok: boolean): void {
  if (ok) {
    finish(o, r, 'ok', true);
    o.counts.writesAcked++;
  } else {
    finish(o, r, 'unknown');
    o.counts.writesUnknown++;
  }
}
