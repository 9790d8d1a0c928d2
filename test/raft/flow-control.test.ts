// Per-follower flow control: bounded in-flight requests and batch sizes, probing after failures, and a slow or dead
// follower never holding back the others.
import { expect } from 'chai';
import type { AppendRequest } from '../../src/raft/types.js';
import { TestNet, ids } from './net.js';

const tuning = { maxInflightAppends: 4, maxEntriesPerAppend: 16, maxBytesPerAppend: 400 };

function appendsTo(net: TestNet, to: string, since: number): AppendRequest[] {
  return net.sent.slice(since).filter((m): m is AppendRequest => m.type === 'append' && m.to === to && m.entries.length > 0);
}

describe('raft core: flow control', () => {
  it('keeps at most maxInflightAppends requests of bounded size in flight to a silent follower', () => {
    const net = new TestNet(ids(3), { tuning });
    const leader = net.electLeader();
    const [fast, silent] = net.peers.filter((id) => id !== leader);
    net.cutLink(silent, leader); // the follower receives but its replies are lost
    const since = net.sent.length;
    for (let k = 0; k < 1000; k++) net.core(leader).propose('add', `t${k}`, 'd'.repeat(k % 40), '');
    net.run();
    const toSilent = appendsTo(net, silent, since);
    expect(toSilent.length).to.equal(tuning.maxInflightAppends);
    for (const m of appendsTo(net, fast, since).concat(toSilent)) {
      expect(m.entries.length).to.be.at.most(tuning.maxEntriesPerAppend);
      const bytes = m.entries.reduce((s, e) => s + e.data.length + e.tid.length + e.key.length, 0);
      expect(bytes <= tuning.maxBytesPerAppend || m.entries.length === 1).to.equal(true);
    }
    // The silent follower delays nobody: everything committed with the fast one.
    expect(net.node(leader).applied).to.have.length(1001);
    expect(net.node(fast).log.lastIndex()).to.equal(1001);
  });

  it('drops an unreachable follower back to probing: one request at a time, then catches it up', () => {
    const net = new TestNet(ids(3), { tuning });
    const leader = net.electLeader();
    const [, dead] = net.peers.filter((id) => id !== leader);
    net.isolate(dead);
    net.core(leader).reportUnreachable(dead);
    const since = net.sent.length;
    for (let k = 0; k < 200; k++) net.core(leader).propose('add', `t${k}`, 'x', '');
    net.run();
    expect(appendsTo(net, dead, since)).to.have.length.at.most(1);
    expect(net.core(leader).status().progress[dead].active).to.equal(true);
    net.heal();
    net.tick(6);
    expect(net.node(dead).log.all()).to.deep.equal(net.node(leader).log.all());
  });

  it('recovers from lost AppendRequests (retransmits after a stall or a rejection)', () => {
    const net = new TestNet(ids(3), { tuning });
    const leader = net.electLeader();
    let dropped = 0;
    net.filter = (m) => !(m.type === 'append' && m.entries.length > 0 && dropped++ % 3 === 0);
    for (let k = 0; k < 300; k++) {
      net.core(leader).propose('add', `t${k}`, 'x', '');
      if (k % 50 === 0) net.tick(1);
    }
    net.run();
    net.filter = null;
    net.tick(30);
    for (const id of net.peers) expect(net.node(id).log.all()).to.deep.equal(net.node(leader).log.all());
    expect(net.node(leader).log.lastIndex()).to.equal(301);
  });
});

describe('raft core: determinism', () => {
  function scriptedRun(seed: number): string {
    const net = new TestNet(ids(5), { seed, recordReadys: true });
    const leader = net.electLeader();
    for (let k = 0; k < 30; k++) net.core(leader).propose('set', `t${k}`, `v${k}`, `k${k % 3}`);
    net.run();
    net.isolate(leader);
    net.tick(60);
    net.heal();
    net.tick(20);
    return JSON.stringify(net.peers.map((id) => net.node(id).readys));
  }

  it('produces the same sequence of Readys for the same seed, and a different one for another seed', () => {
    const a = scriptedRun(7);
    expect(scriptedRun(7)).to.equal(a);
    expect(scriptedRun(8)).to.not.equal(a);
  });
});
