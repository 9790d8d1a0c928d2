// The addEntry checker: the committed log must hold every acknowledged tid exactly once, unknown-outcome tids at most
// once, nothing nobody proposed, in an order that respects real time.
import { expect } from 'chai';
import { checkAppendLog, type AddOperation } from '../../src/check/log-model.js';
import { seededRandom } from '../../src/util/seeded-random.js';

let nextId = 0;
function add(tid: string, call: number, ret: number, client = 'c1'): AddOperation {
  const unknown = ret === Infinity;
  return { id: nextId++, client, input: { tid, data: `d-${tid}` }, output: unknown ? undefined : true, call, ret };
}

describe('linearizability checker: addEntry log', () => {
  it('accepts a log holding every acknowledged tid once, in real-time order', () => {
    const r = checkAppendLog([add('a', 0, 1), add('b', 2, 3), add('c', 4, 5)], ['a', 'b', 'c']);
    expect(r.verdict).to.equal('ok');
  });

  it('rejects a log that lost an acknowledged entry', () => {
    const r = checkAppendLog([add('a', 0, 1), add('b', 2, 3)], ['a']);
    expect(r.verdict).to.equal('violation');
    expect(r.message).to.contain('acknowledged addEntry lost').and.contain('tid b');
  });

  it('rejects a retried tid applied twice', () => {
    const r = checkAppendLog([add('a', 0, 1), add('b', 2, 3)], ['a', 'b', 'a']);
    expect(r.verdict).to.equal('violation');
    expect(r.message).to.contain('appears twice');
  });

  it('rejects an entry nobody proposed', () => {
    const r = checkAppendLog([add('a', 0, 1)], ['a', 'zzz']);
    expect(r.verdict).to.equal('violation');
    expect(r.message).to.contain('never proposed');
  });

  it('accepts an unknown-outcome entry present or absent', () => {
    const ops = [add('a', 0, 1), add('u', 2, Infinity), add('b', 3, 4)];
    expect(checkAppendLog(ops, ['a', 'b']).verdict).to.equal('ok');
    expect(checkAppendLog(ops, ['a', 'u', 'b']).verdict).to.equal('ok');
    // It may land after later calls too: its caller gave up, the leader did not.
    expect(checkAppendLog(ops, ['a', 'b', 'u']).verdict).to.equal('ok');
  });

  it('rejects an unknown-outcome entry placed before an operation that completed before it was called', () => {
    const r = checkAppendLog([add('a', 0, 1), add('u', 2, Infinity)], ['u', 'a']);
    expect(r.verdict).to.equal('violation');
    expect(r.message).to.contain('real time');
  });

  it('accepts concurrent entries in either order but rejects reordering of sequential ones', () => {
    const concurrent = [add('a', 0, 10, 'c1'), add('b', 1, 5, 'c2')];
    expect(checkAppendLog(concurrent, ['b', 'a']).verdict).to.equal('ok');
    expect(checkAppendLog(concurrent, ['a', 'b']).verdict).to.equal('ok');
    const sequential = [add('a', 0, 1, 'c1'), add('b', 2, 3, 'c2')];
    expect(checkAppendLog(sequential, ['b', 'a']).verdict).to.equal('violation');
  });

  it('checks 5,000 concurrent entries quickly and finds one reordering among them', () => {
    const rnd = seededRandom(7);
    const ops: AddOperation[] = [];
    const commitOrder: { tid: string; at: number }[] = [];
    const clientFreeAt = new Array<number>(16).fill(0);
    for (let i = 0; i < 5000; i++) {
      const c = rnd(16);
      const call = clientFreeAt[c] + rnd(3);
      const at = call + 1 + rnd(30);
      const ret = at + 1 + rnd(30);
      clientFreeAt[c] = ret + 1;
      const timedOut = rnd(50) === 0;
      ops.push(add(`t${i}`, call, timedOut ? Infinity : ret, `c${c}`));
      if (!timedOut || rnd(2) === 0) commitOrder.push({ tid: `t${i}`, at });
    }
    commitOrder.sort((x, y) => x.at - y.at);
    const log = commitOrder.map((x) => x.tid);
    const t0 = Date.now();
    const good = checkAppendLog(ops, log);
    expect(good.verdict, good.message).to.equal('ok');
    // Swap the first entry with the last: the last was called long after the first completed.
    const swapped = [log[log.length - 1], ...log.slice(1, -1), log[0]];
    const bad = checkAppendLog(ops, swapped);
    expect(bad.verdict).to.equal('violation');
    expect(Date.now() - t0).to.be.below(15_000); // hang-catching bound only
  });
});
