// Random key-value histories that are linearizable by construction, for checker speed and mutation tests.
import type { KvOperation } from '../../src/check/kv-model.js';
import { seededRandom } from '../../src/util/seeded-random.js';

/**
 * A random history that is linearizable by construction: each operation takes effect at a random instant between its
 * call and its return; outputs are computed by replaying the effects in that order. Some sets time out (unknown
 * outcome) and take effect or not at random.
 */
export function generateLinearizableHistory(seed: number, count: number, clients: number, keys: number): KvOperation[] {
  const rnd = seededRandom(seed);
  type Pending = { op: KvOperation; at: number; applies: boolean };
  const pending: Pending[] = [];
  const clientFreeAt = new Array<number>(clients).fill(0);
  for (let i = 0; i < count; i++) {
    const c = rnd(clients);
    const call = clientFreeAt[c] + rnd(5);
    const at = call + 1 + rnd(20);
    const ret = at + 1 + rnd(20);
    clientFreeAt[c] = ret + 1;
    const key = `k${rnd(keys)}`;
    const isSet = rnd(2) === 0;
    const timedOut = isSet && rnd(20) === 0;
    const op: KvOperation = {
      id: i,
      client: `c${c}`,
      input: isSet ? { kind: 'set', key, value: `v${i}` } : { kind: 'get', key },
      output: undefined,
      call,
      ret: timedOut ? Infinity : ret,
    };
    if (timedOut) clientFreeAt[c] = ret + 1; // the client moves on after giving up
    pending.push({ op, at, applies: !timedOut || rnd(2) === 0 });
  }
  pending.sort((a, b) => a.at - b.at || a.op.id - b.op.id);
  const store = new Map<string, string>();
  for (const p of pending) {
    const input = p.op.input;
    if (input.kind === 'set') {
      if (p.applies) store.set(input.key, input.value);
      if (p.op.ret !== Infinity) p.op.output = true;
    } else {
      p.op.output = store.get(input.key) ?? '';
    }
  }
  return pending.map((p) => p.op).sort((a, b) => a.id - b.id);
}
