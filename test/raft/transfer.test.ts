// Leadership transfer (issue 14, Raft thesis §3.10): the leader stops taking proposals, brings the target up to date,
// then sends timeoutNow; the target campaigns at once (no pre-vote, requests marked so voters set stickiness and the
// lease promise aside) and wins the next term. The transfer gives up after an election timeout.
import { expect } from 'chai';
import { leaseTicksFor, type Message, type TimeoutNow, type VoteRequest } from '../../src/raft/types.js';
import { TestNet, ids } from './net.js';

const ELECTION = 10;

function cluster(n = 3, tuning = {}): { net: TestNet; leader: string; others: string[] } {
  const net = new TestNet(ids(n), { tuning: { electionTicks: ELECTION, heartbeatTicks: 2, ...tuning } });
  const leader = net.electLeader();
  net.propose(leader, 'first');
  net.tick(2);
  return { net, leader, others: net.peers.filter((id) => id !== leader) };
}

const isTimeoutNow = (m: Message): m is TimeoutNow => m.type === 'timeoutNow';
const votesFrom = (net: TestNet, id: string, since: number): VoteRequest[] =>
  net.sent.slice(since).filter((m): m is VoteRequest => m.type === 'vote' && m.from === id);

describe('raft core: leadership transfer (thesis §3.10)', () => {
  it('elects the target in the next term at once, with no pre-vote, despite check-quorum stickiness', () => {
    const { net, leader, others } = cluster(5);
    const target = others[2];
    const term = net.core(leader).status().term;
    const before = net.sent.length;
    expect(net.core(leader).transferLeadership(target)).to.deep.equal({ ok: true, target });
    net.run(); // no ticks: nothing but the transfer can have made anyone campaign
    expect(net.leaders()).to.deep.equal([target]);
    expect(net.core(target).status().term).to.equal(term + 1);
    expect(net.sent.slice(before).filter(isTimeoutNow).map((m) => [m.from, m.to, m.term])).to.deep.equal([[leader, target, term]]);
    const votes = votesFrom(net, target, before);
    expect(votes.length).to.equal(4);
    expect(votes.every((v) => !v.preVote && v.transfer === true && v.term === term + 1)).to.equal(true);
    expect(net.core(leader).status()).to.include({ role: 'follower', leader: target, transferTarget: null });
    // The new leader works: a proposal commits everywhere.
    net.propose(target, 'after');
    net.tick(2);
    const reference = net.node(target).log.all();
    expect(reference.map((e) => e.data)).to.include.members(['first', 'after']);
    for (const id of net.peers) expect(net.node(id).applied).to.deep.equal(reference);
  });

  it('without the transfer mark the same vote requests are refused: stickiness is what the mark sets aside', () => {
    const { net, leader, others } = cluster(3);
    const target = others[0];
    // Strip the mark in flight: the other follower still hears the leader and refuses the higher-term candidate.
    net.filter = (m) => {
      if (m.type === 'vote') delete m.transfer;
      return true;
    };
    const term = net.core(leader).status().term;
    net.core(leader).transferLeadership(target);
    net.run();
    expect(net.core(target).status()).to.include({ role: 'candidate', term: term + 1 });
    expect(net.core(others[1]).status(), 'refused without adopting the term').to.include({ term, leader });
    expect(net.leaders()).to.deep.equal([leader]);
  });

  it('refuses proposals during the transfer and accepts them again once it is abandoned after an election timeout', () => {
    const { net, leader, others } = cluster(3);
    const target = others[0];
    net.isolate(target); // the target never answers: the transfer cannot finish
    expect(net.core(leader).transferLeadership(target).ok).to.equal(true);
    expect(net.core(leader).status().transferTarget).to.equal(target);
    expect(net.core(leader).propose('add', 'during', 'x', '')).to.deep.equal({
      ok: false, reason: 'transferring', leader, target,
    });
    // A retry of an entry already in the log is still answered: it appends nothing.
    const retry = net.core(leader).propose('add', 'tid-first', 'first', '');
    expect(retry).to.include({ ok: true, duplicate: true });
    for (let t = 0; t < ELECTION - 1; t++) net.tick(1, [leader, others[1]]);
    expect(net.core(leader).propose('add', 'still', 'x', '').ok, 'refused for the whole election timeout').to.equal(false);
    net.tick(1, [leader, others[1]]);
    expect(net.core(leader).status()).to.include({ role: 'leader', transferTarget: null });
    const r = net.core(leader).propose('add', 'resumed', 'y', '');
    expect(r.ok).to.equal(true);
    net.run();
    expect(net.core(leader).status().commitIndex).to.equal(net.core(leader).status().lastLogIndex);
  });

  it('catches a lagging target up before telling it to campaign', () => {
    const { net, leader, others } = cluster(3);
    const [target, other] = others;
    net.isolate(target);
    for (let k = 0; k < 30; k++) net.propose(leader, `w${k}`);
    net.tick(2, [leader, other]);
    net.heal();
    const last = net.core(leader).status().lastLogIndex;
    expect(net.node(target).log.lastIndex()).to.be.below(last);
    // Every timeoutNow must find the target's durable log equal to the leader's.
    const targetLastAtTimeoutNow: number[] = [];
    net.filter = (m) => {
      if (isTimeoutNow(m)) targetLastAtTimeoutNow.push(net.node(target).log.lastIndex());
      return true;
    };
    expect(net.core(leader).transferLeadership(target).ok).to.equal(true);
    expect(net.sent.filter(isTimeoutNow), 'not at once: the target is behind').to.deep.equal([]);
    for (let t = 0; t < ELECTION && net.leaders()[0] !== target; t++) net.tick(1);
    expect(net.leaders()).to.deep.equal([target]);
    expect(targetLastAtTimeoutNow.length).to.be.greaterThan(0);
    expect(targetLastAtTimeoutNow.every((n) => n === last)).to.equal(true);
    net.tick(2);
    const reference = net.node(target).log.all();
    expect(reference.filter((e) => e.data.startsWith('w')).length).to.equal(30);
    for (const id of net.peers) expect(net.node(id).log.all()).to.deep.equal(reference);
  });

  it('refuses a transfer to itself, to a non-member, and on a follower', () => {
    const { net, leader, others } = cluster(3);
    expect(net.core(leader).transferLeadership(leader)).to.deep.equal({ ok: false, reason: 'self', target: leader });
    expect(net.core(leader).transferLeadership('n9')).to.deep.equal({ ok: false, reason: 'not-member', target: 'n9' });
    expect(net.core(others[0]).transferLeadership(others[1])).to.deep.equal({ ok: false, reason: 'not-leader', leader });
    expect(net.core(leader).status().transferTarget).to.equal(null);
    expect(net.core(leader).propose('add', 'fine', 'z', '').ok).to.equal(true);
  });

  it('ends the transfer when leadership changes another way', () => {
    const { net, leader, others } = cluster(3);
    net.isolate(others[0]);
    net.core(leader).transferLeadership(others[0]);
    // The leader loses its quorum: check-quorum makes it step down, which ends the transfer.
    net.isolate(leader);
    for (let t = 0; t < 2 * ELECTION && net.core(leader).status().role === 'leader'; t++) net.tick(1, [leader]);
    expect(net.core(leader).status()).to.include({ role: 'follower', transferTarget: null });
  });

  describe('lease reads', () => {
    const LEASE = leaseTicksFor(ELECTION, 0.05);
    const lease = { readMode: 'lease' as const, leaseTicks: LEASE };

    function leaseCluster(): { net: TestNet; leader: string; others: string[] } {
      const c = cluster(3, lease);
      for (let t = 0; t < ELECTION + 2; t++) c.net.tick(1); // a new leader waits out any earlier lease
      return c;
    }

    /** Asks for a read and returns whether the leader answered it in the very next Ready (a lease read). */
    function answeredAtOnce(net: TestNet, leader: string, ctx: number): boolean {
      net.core(leader).readIndex(ctx);
      const rd = net.processReady(leader);
      return (rd?.reads ?? []).some((r) => r.ctx === ctx);
    }

    it('the old leader stops serving lease reads once it sends timeoutNow, for the rest of its term', () => {
      const { net, leader, others } = leaseCluster();
      expect(answeredAtOnce(net, leader, 1), 'control: the lease holds before the transfer').to.equal(true);
      net.run();
      net.filter = (m) => !isTimeoutNow(m); // timeoutNow is lost: the target never campaigns, the leader stays
      expect(net.core(leader).transferLeadership(others[0]).ok).to.equal(true);
      expect(answeredAtOnce(net, leader, 2), 'no lease read after timeoutNow').to.equal(false);
      expect(net.sent.some(isTimeoutNow), 'timeoutNow went out in that Ready').to.equal(true);
      net.run();
      expect(net.node(leader).reads.map((r) => r.ctx), 'answered by a ReadIndex round instead').to.include(2);
      for (let t = 0; t < ELECTION + 1; t++) net.tick(1);
      expect(net.core(leader).status()).to.include({ role: 'leader', transferTarget: null });
      expect(answeredAtOnce(net, leader, 3), 'not after the transfer was abandoned either').to.equal(false);
      net.run();
      expect(net.node(leader).reads.map((r) => r.ctx)).to.include(3);
    });

    it('the target wins although every follower still keeps its lease promise to the old leader', () => {
      const { net, leader, others } = leaseCluster();
      const term = net.core(leader).status().term;
      net.core(leader).transferLeadership(others[1]);
      net.run();
      expect(net.leaders()).to.deep.equal([others[1]]);
      expect(net.core(others[1]).status().term).to.equal(term + 1);
    });
  });
});
