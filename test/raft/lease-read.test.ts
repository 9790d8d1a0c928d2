// Leader leases for reads (thesis §6.4.1, issue 16): a leader whose heartbeat round a majority acknowledged less than
// leaseTicks ago answers a read at once, with no round of its own; followers keep their side of the bargain by voting
// for nobody until an election timeout has passed since they last heard from a leader, or since they started.
import { expect } from 'chai';
import { leaseTicksFor, type AppendRequest } from '../../src/raft/types.js';
import { TestNet, ids } from './net.js';

const ELECTION = 10;
const LEASE = leaseTicksFor(ELECTION, 0.05);
const tuning = { readMode: 'lease' as const, leaseTicks: LEASE, electionTicks: ELECTION, heartbeatTicks: 2 };

function leaseNet(n = 3): { net: TestNet; leader: string } {
  const net = new TestNet(ids(n), { tuning });
  const leader = net.electLeader();
  // A new leader first waits out any earlier lease (an election timeout of its own ticks).
  for (let t = 0; t < ELECTION + 2; t++) {
    net.tick(1);
    net.run();
  }
  return { net, leader };
}

const roundsFrom = (net: TestNet, leader: string, since: number): AppendRequest[] =>
  net.sent.slice(since).filter((m): m is AppendRequest => m.type === 'append' && m.from === leader && m.entries.length === 0);

describe('raft core: lease reads', () => {
  it('sizes the lease below the election timeout by the clock-drift bound', () => {
    // (lease + 1) <= (election - 1) * (1 - drift) / (1 + drift)
    expect(leaseTicksFor(15, 0.05)).to.equal(11);
    expect(leaseTicksFor(10, 0.05)).to.equal(7);
    expect(leaseTicksFor(10, 0)).to.equal(8);
  });

  it('answers at once while the lease holds: no heartbeat round for the read', () => {
    const { net, leader } = leaseNet();
    const before = net.sent.length;
    const commit = net.core(leader).status().commitIndex;
    net.core(leader).readIndex(1);
    const rd = net.processReady(leader);
    expect(rd?.reads).to.deep.equal([{ ctx: 1, index: commit }]);
    expect(roundsFrom(net, leader, before)).to.deep.equal([]);
  });

  it('a new leader waits an election timeout before its first lease read (ReadIndex meanwhile)', () => {
    const net = new TestNet(ids(3), { tuning });
    const leader = net.electLeader();
    net.run();
    const before = net.sent.length;
    net.core(leader).readIndex(1);
    const rd = net.processReady(leader);
    expect(rd?.reads ?? []).to.deep.equal([]);
    net.run();
    expect(net.node(leader).reads.map((r) => r.ctx)).to.deep.equal([1]);
    expect(roundsFrom(net, leader, before).length).to.be.greaterThan(0);
  });

  it('a leader cut off from its followers stops answering alone once its lease has run out', () => {
    const { net, leader } = leaseNet();
    net.isolate(leader);
    for (let t = 0; t < LEASE; t++) net.tick(1, [leader]);
    net.core(leader).readIndex(9);
    net.run();
    expect(net.node(leader).reads.map((r) => r.ctx)).to.not.include(9);
  });

  it('followers refuse to vote for another candidate until an election timeout after they last heard the leader', () => {
    const { net, leader } = leaseNet();
    const [a, b] = net.peers.filter((id) => id !== leader);
    // b is cut off from the leader and campaigns; a still hears the leader and must refuse b.
    net.cutLink(leader, b);
    net.cutLink(b, leader);
    for (let t = 0; t < 4 * ELECTION; t++) {
      net.tick(1);
      net.run();
    }
    expect(net.core(leader).status().role).to.equal('leader');
    expect(net.core(a).status().leader).to.equal(leader);
  });

  it('a restarted follower keeps the promise: no vote within an election timeout of starting', () => {
    const { net, leader } = leaseNet();
    const [a, b] = net.peers.filter((id) => id !== leader);
    net.isolate(leader);
    // b's promise runs out and its election timer is ready to fire; only then does a restart.
    for (let t = 0; t < 2 * ELECTION - 1; t++) net.tick(1, [b]);
    net.restart(a);
    // b campaigns at once; a, just restarted, must not vote until ELECTION ticks of its own have passed.
    let electedAt = -1;
    for (let t = 1; t <= 5 * ELECTION && electedAt < 0; t++) {
      net.tick(1, [a, b]);
      net.run();
      if ([a, b].some((id) => net.core(id).status().role === 'leader')) electedAt = t;
    }
    expect(electedAt, 'a new leader is elected eventually').to.be.greaterThan(0);
    expect(electedAt, 'but not before the restarted follower waited an election timeout').to.be.at.least(ELECTION);
  });
});
