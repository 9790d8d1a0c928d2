// The key-value store as clients see it through setVal/getVal: one register per key, '' when never set.
// Registers are independent, so the history is partitioned by key and each key is checked on its own
// (linearizability is compositional: the whole is linearizable iff every key is), which keeps the search small.
import { checkLinearizable, type SearchOptions } from './wing-gong.js';
import type { CheckResult, Model, Operation } from './history.js';

export type KvInput = { kind: 'set'; key: string; value: string } | { kind: 'get'; key: string };

/** For a get: the value read. For a set: true once acknowledged (a set with unknown outcome has output undefined). */
export type KvOutput = string | true;

export type KvOperation = Operation<KvInput, KvOutput>;

/** The value of an unset key, as getVal returns it. */
export const UNSET = '';

export const registerModel: Model<string, KvInput, KvOutput> = {
  init: () => UNSET,
  step(state, input, output) {
    if (input.kind === 'set') return input.value;
    // A get with unknown output constrains nothing; a get that answered must have read the current value.
    return output === undefined || output === state ? state : undefined;
  },
  stateKey: (state) => state,
  describe(op) {
    const out = op.output === undefined ? '?' : JSON.stringify(op.output);
    return op.input.kind === 'set'
      ? `set(${op.input.key}, ${JSON.stringify(op.input.value)}) -> ${out}`
      : `get(${op.input.key}) -> ${out}`;
  },
};

/** Checks a whole key-value history; the first key that fails is reported (keys are checked in sorted order). */
export function checkKvHistory(ops: KvOperation[], opts: SearchOptions = {}): CheckResult {
  const byKey = new Map<string, KvOperation[]>();
  for (const op of ops) {
    // A get that never answered says nothing about the store: leaving it out keeps the search smaller.
    if (op.input.kind === 'get' && op.output === undefined) continue;
    const list = byKey.get(op.input.key);
    if (list) list.push(op);
    else byKey.set(op.input.key, [op]);
  }
  let checked = 0;
  for (const [key, list] of byKey) {
    const reduced = reduceUnknownSets(list);
    if (!Array.isArray(reduced)) {
      return { verdict: 'violation', ops: ops.length, message: `key ${JSON.stringify(key)}: ${reduced.message}`, at: reduced.at };
    }
    byKey.set(key, reduced);
  }
  let gaveUp: string[] = [];
  for (const key of [...byKey.keys()].sort()) {
    const result = checkLinearizable(registerModel, byKey.get(key)!, opts);
    checked += result.ops;
    if (result.verdict === 'violation') {
      return { ...result, ops: checked, message: `key ${JSON.stringify(key)}: ${result.message}` };
    }
    if (result.verdict === 'unknown') gaveUp = [...gaveUp, `key ${JSON.stringify(key)}: ${result.message}`];
  }
  if (gaveUp.length > 0) return { verdict: 'unknown', ops: checked, message: gaveUp.join('\n') };
  return { verdict: 'ok', ops: checked, message: '' };
}

/**
 * Exact simplifications that keep the search from exploding on calls that timed out (their completion is at infinity,
 * so without help they stay pending to the end and double the configurations at every step):
 *  - a value that some get returned must have been written by a set of that key: otherwise report it right away;
 *  - an unknown-outcome set whose value nobody read can be linearized last, where it changes nothing: drop it;
 *  - an unknown-outcome set whose value was read must take effect before every read of it completes: its completion
 *    becomes the earliest completion among those reads.
 * Values are assumed to identify their set when sets write distinct values (the simulator and chaos clients do); if
 * two sets write the same value (or the empty value, which also means unset), the reductions are skipped for that
 * value, which is merely slower.
 * Returns the reduced list, or a message naming a read of a value never written.
 */
function reduceUnknownSets(ops: KvOperation[]): KvOperation[] | { message: string; at: number } {
  const settersByValue = new Map<string, number>();
  for (const op of ops) {
    if (op.input.kind === 'set') settersByValue.set(op.input.value, (settersByValue.get(op.input.value) ?? 0) + 1);
  }
  const firstReadReturn = new Map<string, number>();
  for (const op of ops) {
    if (op.input.kind !== 'get' || typeof op.output !== 'string') continue;
    const value = op.output;
    if (value !== UNSET && !settersByValue.has(value)) {
      return {
        message: `#${op.id} client ${op.client} [${op.call}, ${op.ret}] ${registerModel.describe(op)} reads a value never written`,
        at: op.ret,
      };
    }
    firstReadReturn.set(value, Math.min(firstReadReturn.get(value) ?? Infinity, op.ret));
  }
  const out: KvOperation[] = [];
  for (const op of ops) {
    if (op.input.kind === 'set' && op.ret === Infinity && op.input.value !== UNSET && settersByValue.get(op.input.value) === 1) {
      const readBy = firstReadReturn.get(op.input.value);
      if (readBy === undefined) continue;
      out.push({ ...op, ret: Math.max(op.call, readBy) });
      continue;
    }
    out.push(op);
  }
  return out;
}
