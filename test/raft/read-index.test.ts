// ReadIndex (thesis §6.4): linearizable reads without writing to the log.
import { expect } from 'chai';
import type { AppendRequest } from '../../src/raft/types.js';
import { TestNet, ids } from './net.js';

describe('raft core: ReadIndex', () => {
  it('answers only after a majority acknowledged a heartbeat round sent after the read arrived', () => {
    const net = new TestNet(ids(3));
    const leader = net.electLeader();
    const lead = net.node(leader);
    const commit = lead.core.status().commitIndex;
    lead.core.readIndex(7);
    const rd = net.processReady(leader);
    expect(rd?.reads, 'not before the round').to.deep.equal([]);
    const round = (rd?.messages ?? []).filter((m): m is AppendRequest => m.type === 'append' && m.entries.length === 0);
    expect(round.map((m) => m.to).sort()).to.deep.equal(net.peers.filter((id) => id !== leader).sort());
    net.run();
    expect(lead.reads).to.deep.equal([{ ctx: 7, index: commit }]);
  });

  it('batches reads that arrive together into one heartbeat round', () => {
    const net = new TestNet(ids(5));
    const leader = net.electLeader();
    const before = net.sent.length;
    for (let ctx = 1; ctx <= 50; ctx++) net.core(leader).readIndex(ctx);
    net.run();
    const heartbeats = net.sent.slice(before).filter((m) => m.type === 'append' && m.from === leader);
    expect(heartbeats).to.have.length(4);
    expect(net.node(leader).reads.map((r) => r.ctx)).to.deep.equal(Array.from({ length: 50 }, (_, k) => k + 1));
  });

  it('fails reads on a follower, and on a leader that is deposed before confirming them', () => {
    const net = new TestNet(ids(3));
    const leader = net.electLeader();
    const follower = net.peers.find((id) => id !== leader) as string;
    net.core(follower).readIndex(1);
    net.run();
    expect(net.node(follower).failedReads).to.deep.equal([1]);

    net.isolate(leader);
    net.core(leader).readIndex(2);
    net.run();
    expect(net.node(leader).reads).to.deep.equal([]);
    for (let t = 0; t < 30 && net.core(leader).status().role === 'leader'; t++) net.tick(1, [leader]);
    expect(net.node(leader).failedReads).to.deep.equal([2]);
    expect(net.node(leader).reads).to.deep.equal([]);
  });

  it('a new leader waits until an entry of its term is committed before fixing a read index', () => {
    const net = new TestNet(ids(3));
    net.filter = (m) => m.type !== 'appendResp'; // the new leader's no-op cannot commit
    const leader = net.electLeader();
    expect(net.core(leader).status().commitIndex).to.equal(0);
    net.core(leader).readIndex(5);
    net.tick(3);
    expect(net.node(leader).reads).to.deep.equal([]);
    net.filter = null;
    net.tick(3);
    const noop = net.node(leader).log.all()[0];
    expect(noop.type).to.equal('noop');
    expect(net.node(leader).reads).to.deep.equal([{ ctx: 5, index: noop.index }]);
  });

  it('the readNeedsQuorum hook is what protects reads: a variant without it answers while cut off', async () => {
    const { RaftCore } = await import('../../src/raft/core.js');
    class LeaseLessCore extends RaftCore {
      protected override readNeedsQuorum(): boolean {
        return false;
      }
    }
    const net = new TestNet(ids(3), { factory: (c, l, h, a) => new LeaseLessCore(c, l, h, a) });
    const leader = net.electLeader();
    net.isolate(leader);
    net.core(leader).readIndex(9);
    net.run();
    expect(net.node(leader).reads.map((r) => r.ctx)).to.deep.equal([9]);
  });
});
