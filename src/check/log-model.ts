// addEntry as clients see it: an append-only log of tids. The committed log (a raftlog) is the one big read at the end
// of a run. What must hold: every acknowledged tid appears exactly once; a tid whose call timed out (unknown outcome)
// appears at most once; nothing appears that nobody proposed; and the log's order respects real time (if addEntry(a)
// returned before addEntry(b) was called, a precedes b). The order is checked by the Wing-Gong search with a model
// whose state is "how many log entries have been explained so far".
import { checkLinearizable, type SearchOptions } from './wing-gong.js';
import { formatTime, type CheckResult, type Model, type Operation } from './history.js';

export interface AddInput {
  tid: string;
  data: string;
}

/** true when addEntry answered true; undefined when the outcome is unknown (timeout, false, lost connection). */
export type AddOperation = Operation<AddInput, true>;

/** A model over a fixed observed log: linearizing op X at position p is legal iff the log holds X's tid at p. */
export function appendLogModel(observedTids: readonly string[]): Model<number, AddInput, true> {
  return {
    init: () => 0,
    step: (p, input) => (observedTids[p] === input.tid ? p + 1 : undefined),
    stateKey: (p) => p,
    describe: (op) => `addEntry(${op.input.tid}) -> ${op.output === undefined ? '?' : 'true'}`,
  };
}

/**
 * Checks addEntry operations against the committed log, given as the tids of its 'add' entries in index order.
 * Each operation is one logical call, retries included (they reuse the tid), so tids are unique among operations.
 */
export function checkAppendLog(ops: AddOperation[], observedTids: readonly string[], opts: SearchOptions = {}): CheckResult {
  const opByTid = new Map<string, AddOperation>();
  for (const op of ops) {
    if (opByTid.has(op.input.tid)) throw new RangeError(`two operations share tid ${op.input.tid}; a retry is one operation`);
    opByTid.set(op.input.tid, op);
  }
  const positionByTid = new Map<string, number>();
  for (let p = 0; p < observedTids.length; p++) {
    const tid = observedTids[p];
    const earlier = positionByTid.get(tid);
    if (earlier !== undefined) {
      return bad(ops.length, `tid ${tid} appears twice in the log (positions ${earlier} and ${p}): a retry was applied twice`);
    }
    if (!opByTid.has(tid)) return bad(ops.length, `tid ${tid} at log position ${p} was never proposed by any client`);
    positionByTid.set(tid, p);
  }
  for (const op of ops) {
    if (op.output === true && !positionByTid.has(op.input.tid)) {
      return {
        ...bad(
          ops.length,
          `acknowledged addEntry lost: #${op.id} client ${op.client} tid ${op.input.tid} ` +
            `[${formatTime(op.call)}, ${formatTime(op.ret)}] is not in the log`,
        ),
        at: op.ret,
      };
    }
  }
  // An unknown-outcome call absent from the log can be linearized after everything else (its completion is at
  // infinity) and changes nothing, so leave it out: keeping it would only multiply the search's configurations.
  const present = ops.filter((op) => positionByTid.has(op.input.tid));
  const result = checkLinearizable(appendLogModel(observedTids), present, opts);
  if (result.verdict === 'violation') {
    return { ...bad(ops.length, `log order contradicts real time: ${result.message}`), at: result.at };
  }
  return { ...result, ops: ops.length };
}

function bad(ops: number, message: string): CheckResult {
  return { verdict: 'violation', ops, message };
}
