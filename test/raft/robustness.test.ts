// Well-typed nonsense from a buggy or hostile peer must be ignored, never thrown on, never trusted.
import { expect } from 'chai';
import { RaftCore } from '../../src/raft/core.js';
import { MemoryLog } from '../../src/raft/memory-log.js';
import type { Entry, Message } from '../../src/raft/types.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { TestNet, ids } from './net.js';

function randomMessage(rnd: (n: number) => number, from: string, to: string): Message {
  const num = (): number => [0, 1, 2, 3, 5, 1000, -1, 2 ** 40, 0.5, Number.NaN][rnd(10)];
  const base = { from, to, term: num() };
  switch (rnd(5)) {
    case 0:
      return { ...base, type: 'vote', preVote: rnd(2) === 0, lastLogIndex: num(), lastLogTerm: num(), transfer: rnd(2) === 0 };
    case 4:
      return { ...base, type: 'timeoutNow' };
    case 1:
      return { ...base, type: 'voteResp', preVote: rnd(2) === 0, granted: rnd(2) === 0 };
    case 2: {
      const entries: Entry[] = Array.from({ length: rnd(3) }, () => ({
        index: num(), term: num(), type: 'add', tid: `x${rnd(5)}`, data: 'd', key: '',
      }));
      return { ...base, type: 'append', prevLogIndex: num(), prevLogTerm: num(), entries, leaderCommit: num(), seq: num() };
    }
    default:
      return {
        ...base, type: 'appendResp', success: rnd(2) === 0, matchIndex: num(), conflictIndex: num(), conflictTerm: num(),
        lastLogIndex: num(), seq: num(),
      };
  }
}

describe('raft core: robustness', () => {
  it('never throws on well-typed nonsense, and a healthy cluster keeps one leader and identical logs', () => {
    const net = new TestNet(ids(3));
    const leader = net.electLeader();
    net.propose(leader, 'before');
    const rnd = seededRandom(99);
    for (let k = 0; k < 3000; k++) {
      const to = net.peers[rnd(3)];
      const from = rnd(10) === 0 ? 'stranger' : net.peers[rnd(3)];
      expect(() => net.core(to).step(randomMessage(rnd, from, to))).to.not.throw();
    }
    net.run();
    net.tick(60);
    const [now] = net.leaders();
    expect(net.leaders()).to.have.length(1);
    net.propose(now, 'after');
    net.tick(4);
    const reference = net.node(now).log.all();
    for (const id of net.peers) expect(net.node(id).applied).to.deep.equal(reference);
  });

  it('ignores messages addressed to someone else', () => {
    const core = new RaftCore(
      { ...new TestNet(ids(3)).config('n1') },
      new MemoryLog(),
      { term: 1, vote: null, commit: 0 },
      0,
    );
    core.step({ type: 'vote', from: 'n2', to: 'n3', term: 5, preVote: false, lastLogIndex: 0, lastLogTerm: 0 });
    expect(core.status().term).to.equal(1);
    expect(core.hasReady()).to.equal(false);
  });

  it('seededRandom is deterministic per seed and stays in range', () => {
    const a = seededRandom(5);
    const b = seededRandom(5);
    const xs = Array.from({ length: 1000 }, () => a(7));
    expect(Array.from({ length: 1000 }, () => b(7))).to.deep.equal(xs);
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 7)).to.equal(true);
    expect(new Set(xs).size).to.equal(7);
  });
});
