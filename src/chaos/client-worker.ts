// A chaos client: issues addEntry / setVal / getVal one at a time through RaftClient (which finds the leader and
// retries under the same tid) and records each call with its invocation and completion times for the checkers.
// A write that fails or throws has an unknown outcome (it may still commit); a read that fails is left out.
import type { AddOperation } from '../check/log-model.js';
import type { KvOperation } from '../check/kv-model.js';
import type { RaftClient } from '../client/raft-client.js';

export interface ChaosHistory {
  writes: AddOperation[];
  kv: KvOperation[];
}

export interface WorkerCounts {
  writesAcked: number;
  writesUnknown: number;
  readsOk: number;
  readsFailed: number;
}

export interface WorkerOptions {
  index: number;
  client: RaftClient;
  history: ChaosHistory;
  counts: WorkerCounts;
  keys: readonly string[];
  /** Distinguishes this run's tids from any other run's. */
  runTag: string;
  random: () => number;
  nextOpId: () => number;
  shouldStop: () => boolean;
}

const now = (): number => performance.now();

export async function runClientWorker(o: WorkerOptions): Promise<void> {
  const name = `c${o.index}`;
  for (let n = 1; !o.shouldStop(); n++) {
    const roll = o.random();
    const key = o.keys[Math.floor(o.random() * o.keys.length)];
    const id = o.nextOpId();
    if (roll < 0.4) {
      const tid = `${o.runTag}-${name}-${n}`;
      const op: AddOperation = { id, client: name, input: { tid, data: `chaos ${name} #${n}` }, output: undefined, call: now(), ret: Infinity };
      o.history.writes.push(op);
      const ok = await o.client.addEntry(op.input.data, tid).then((r) => r.ok, () => false);
      settleWrite(o, ok, [op]);
    } else if (roll < 0.7) {
      const tid = `${o.runTag}-${name}-${n}`;
      const value = `${name}.${n}`; // unique per write: keeps the register search small and reports readable
      const call = now();
      const op: AddOperation = { id, client: name, input: { tid, data: value }, output: undefined, call, ret: Infinity };
      const kvOp: KvOperation = { id, client: name, input: { kind: 'set', key, value }, output: undefined, call, ret: Infinity };
      o.history.writes.push(op);
      o.history.kv.push(kvOp);
      const ok = await o.client.setVal(key, value, tid).then((r) => r, () => false);
      settleWrite(o, ok, [op, kvOp]);
    } else {
      const op: KvOperation = { id, client: name, input: { kind: 'get', key }, output: undefined, call: now(), ret: Infinity };
      try {
        const value = await o.client.getVal(key);
        op.ret = now();
        op.output = value;
        o.history.kv.push(op);
        o.counts.readsOk++;
      } catch {
        o.counts.readsFailed++; // a read that never answered constrains nothing
      }
    }
  }
}

function settleWrite(o: WorkerOptions, ok: boolean, ops: (AddOperation | KvOperation)[]): void {
  if (!ok) {
    o.counts.writesUnknown++;
    return;
  }
  const ret = now();
  for (const op of ops) {
    op.output = true;
    op.ret = ret;
  }
  o.counts.writesAcked++;
}
