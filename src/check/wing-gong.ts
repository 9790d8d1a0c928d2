// Linearizability search in the manner of Wing & Gong, with the memoization Lowe and Porcupine added:
// walk the history's call/return events in time order; at each point try to linearize any operation whose call
// precedes the earliest pending return; on reaching a return whose operation is not yet linearized, backtrack.
// A configuration (set of linearized operations, model state) already explored is never explored again, which turns
// the exponential search into something close to linear for histories with bounded concurrency.
import { Bitset } from './bitset.js';
import { formatTime, type CheckResult, type Model, type Operation } from './history.js';

/** A node of the doubly linked event list; a call node points at its return node. */
interface EventNode {
  opIndex: number;
  isCall: boolean;
  time: number;
  match: EventNode | null;
  prev: EventNode | null;
  next: EventNode | null;
}

export interface SearchOptions {
  /** Give up (verdict 'unknown') after this many search steps; protects the test suite from pathological histories. */
  maxSteps?: number;
}

const DEFAULT_MAX_STEPS = 20_000_000;

/** Builds the event list: sorted by time, calls before returns at equal times (touching operations overlap). */
function buildEvents<I, O>(ops: Operation<I, O>[]): EventNode {
  const events: EventNode[] = [];
  ops.forEach((op, opIndex) => {
    const ret: EventNode = { opIndex, isCall: false, time: op.ret, match: null, prev: null, next: null };
    const call: EventNode = { opIndex, isCall: true, time: op.call, match: ret, prev: null, next: null };
    events.push(call, ret);
  });
  events.sort((a, b) => {
    if (a.time !== b.time) return a.time < b.time ? -1 : 1;
    if (a.isCall !== b.isCall) return a.isCall ? -1 : 1;
    return a.opIndex - b.opIndex; // stable and deterministic
  });
  const head: EventNode = { opIndex: -1, isCall: false, time: -Infinity, match: null, prev: null, next: null };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

/** Removes a call and its return from the list; they keep their own links so unlift can put them back. */
function lift(call: EventNode): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

/** Undoes lift; valid because lifts and unlifts happen in stack order. */
function unlift(call: EventNode): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

interface MemoEntry {
  linearized: Bitset;
  stateKey: string | number;
}

interface StackFrame<S> {
  call: EventNode;
  stateBefore: S;
}

/** Checks that one history (already partitioned, if the model allows) is linearizable with respect to `model`. */
export function checkLinearizable<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  opts: SearchOptions = {},
): CheckResult {
  const n = ops.length;
  if (n === 0) return { verdict: 'ok', ops: 0, message: '' };
  for (const op of ops) {
    if (!(op.ret >= op.call)) throw new RangeError(`operation ${op.id} completes (${op.ret}) before its call (${op.call})`);
  }
  const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  const head = buildEvents(ops);
  const memo = new Map<number, MemoEntry[]>();
  const stack: StackFrame<S>[] = [];
  const linearized = Bitset.ofSize(n);
  let state = model.init();
  let entry: EventNode | null = head.next;

  // What to report if no linearization exists: the deepest point reached and the operation that blocked it.
  let deepest = -1;
  let blockedOp = -1;
  let deepestTail: number[] = [];

  let steps = 0;
  while (head.next !== null) {
    if (++steps > maxSteps) {
      return { verdict: 'unknown', ops: n, message: `search gave up after ${maxSteps} steps (${stack.length}/${n} linearized)` };
    }
    if (entry === null) throw new Error('internal: ran off the event list'); // a return always ends the list
    if (entry.isCall) {
      const op = ops[entry.opIndex];
      const next = model.step(state, op.input, op.output);
      if (next !== undefined) {
        const candidate = linearized.clone().set(entry.opIndex);
        const key = model.stateKey(next);
        const h = candidate.hash();
        const bucket = memo.get(h);
        const seen = bucket !== undefined && bucket.some((m) => m.stateKey === key && m.linearized.equals(candidate));
        if (!seen) {
          if (bucket) bucket.push({ linearized: candidate, stateKey: key });
          else memo.set(h, [{ linearized: candidate, stateKey: key }]);
          stack.push({ call: entry, stateBefore: state });
          state = next;
          linearized.set(entry.opIndex);
          lift(entry);
          entry = head.next;
          continue;
        }
      }
      entry = entry.next;
    } else {
      // A return whose operation is still pending: nothing more can be linearized before it on this path.
      if (stack.length >= deepest) {
        deepest = stack.length;
        blockedOp = entry.opIndex;
        deepestTail = stack.slice(-8).map((f) => f.call.opIndex);
      }
      const top = stack.pop();
      if (top === undefined) return violation(model, ops, deepest, blockedOp, deepestTail);
      state = top.stateBefore;
      linearized.clear(top.call.opIndex);
      unlift(top.call);
      entry = top.call.next;
    }
  }
  return { verdict: 'ok', ops: n, message: '' };
}

function violation<S, I, O>(
  model: Model<S, I, O>,
  ops: Operation<I, O>[],
  deepest: number,
  blockedOp: number,
  tail: number[],
): CheckResult {
  const show = (i: number): string => {
    const op = ops[i];
    return `#${op.id} client ${op.client} [${formatTime(op.call)}, ${formatTime(op.ret)}] ${model.describe(op)}`;
  };
  const lines = [
    `not linearizable: at best ${deepest} of ${ops.length} operations linearize, then ${show(blockedOp)} cannot be placed`,
    'last operations of that longest linearization:',
    ...tail.map((i) => `  ${show(i)}`),
  ];
  const blocked = ops[blockedOp];
  const at = blocked.ret === Infinity ? blocked.call : blocked.ret;
  return { verdict: 'violation', ops: ops.length, message: lines.join('\n'), at };
}
