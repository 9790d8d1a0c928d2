// Membership change in the core (issue 14, Raft thesis ch. 4): single-server changes carried by 'config' entries that
// take effect when appended; learners first, then promotion once caught up; removal, the leader's included; one
// change at a time and none before the leader's own-term commit (the 2015 fix); etcd's strict reconfig check.
import { expect } from 'chai';
import { RaftAssertionError } from '../../src/raft/assert.js';
import { encodeConf } from '../../src/raft/conf.js';
import { RaftCore } from '../../src/raft/core.js';
import { MemoryLog } from '../../src/raft/memory-log.js';
import type { AppendRequest, ConfChange, Entry, LogReader, Message, NodeId, RaftConfig } from '../../src/raft/types.js';
import { TestNet, entry, ids, type CoreFactory } from './net.js';

const ELECTION = 10;

function cluster(n = 3, extra: { tuning?: Partial<RaftConfig>; factory?: CoreFactory } = {}) {
  const net = new TestNet(ids(n), { tuning: { electionTicks: ELECTION, heartbeatTicks: 2, ...extra.tuning }, factory: extra.factory, recordReadys: true });
  const leader = net.electLeader();
  for (let k = 0; k < 5; k++) net.propose(leader, `first${k}`);
  net.tick(2);
  return { net, leader, others: net.peers.filter((id) => id !== leader) };
}

/** Proposes a change that must be accepted, and runs until the leader has committed it. */
function change(net: TestNet, leader: NodeId, ch: ConfChange, force = false): number {
  const r = net.core(leader).proposeConfChange(ch, { force });
  if (!r.ok) throw new Error(`${ch.op} ${ch.node} refused: ${JSON.stringify(r)}`);
  net.run();
  net.tick(2);
  expect(net.core(leader).status().commitIndex, `${ch.op} ${ch.node} committed`).to.be.at.least(r.index);
  return r.index;
}

/** A write and a linearizable read both succeed through `leader`, and every listed node applied the same entries. */
let ctxSeq = 1000;
function worksThrough(net: TestNet, leader: NodeId, tag: string, nodes: NodeId[]): void {
  const r = net.core(leader).propose('add', `tid-${tag}`, tag, '');
  expect(r.ok, `write ${tag} accepted`).to.equal(true);
  const ctx = ++ctxSeq;
  net.core(leader).readIndex(ctx);
  net.run();
  net.tick(2);
  expect(net.node(leader).reads.map((x) => x.ctx), `read ${tag} served`).to.include(ctx);
  const reference = net.node(leader).applied;
  expect(reference.map((e) => e.data)).to.include(tag);
  for (const id of nodes) expect(net.node(id).applied, `${id} applied what ${leader} did`).to.deep.equal(reference);
}

/** Ticks until someone other than `old` leads (old may still believe it leads until check-quorum ends it). */
function electOther(net: TestNet, old: NodeId): NodeId {
  for (let t = 0; t < 50 * ELECTION; t++) {
    const l = net.leaders().filter((id) => id !== old);
    if (l.length === 1) return l[0];
    net.tick();
  }
  throw new Error('no other leader elected');
}

const votesFrom = (net: TestNet, id: NodeId, since = 0): Message[] =>
  net.sent.slice(since).filter((m) => m.type === 'vote' && m.from === id);

function conf(net: TestNet, id: NodeId): { voters: NodeId[]; learners: NodeId[] } {
  const { voters, learners } = net.core(id).status();
  return { voters, learners };
}

describe('raft core: membership change (thesis ch. 4, issue 14)', () => {
  it('a joining node waits unconfigured, is added as a learner, catches up, is promoted and can lead', () => {
    const { net, leader, others } = cluster(3);
    const joiner = net.join('n4');
    const before = net.sent.length;
    net.tick(5 * ELECTION);
    expect(conf(net, 'n4')).to.deep.equal({ voters: [], learners: [] });
    expect(votesFrom(net, 'n4', before), 'a node with no configuration never campaigns').to.deep.equal([]);
    expect(net.core(leader).transferLeadership('n4')).to.deep.include({ ok: false, reason: 'not-member' });

    const addAt = change(net, leader, { op: 'add-learner', node: 'n4' });
    for (const id of net.peers) expect(conf(net, id), id).to.deep.equal({ voters: ids(3), learners: ['n4'] });
    expect(joiner.log.all()).to.deep.equal(net.node(leader).log.all());
    const cfgEntry = net.node(leader).log.all()[addAt - 1];
    expect(cfgEntry).to.deep.include({ type: 'config', tid: '', key: '', data: '{"voters":["n1","n2","n3"],"learners":["n4"]}' });
    // Ready.config announced the new configuration where it changed, on the leader and on the learner.
    for (const id of [leader, 'n4']) {
      expect(net.node(id).readys.filter((rd) => rd.config !== null).map((rd) => rd.config)).to.deep.include({ voters: ids(3), learners: ['n4'] });
    }
    expect(net.core(leader).status().progress['n4'].match).to.equal(net.core(leader).status().lastLogIndex);
    worksThrough(net, leader, 'with-learner', net.peers);

    const before2 = net.sent.length;
    net.tick(5 * ELECTION, ['n4']); // only the learner's clock runs: it hears nobody, and still does not campaign
    expect(votesFrom(net, 'n4', before2), 'a learner never campaigns').to.deep.equal([]);

    change(net, leader, { op: 'promote', node: 'n4' });
    for (const id of net.peers) expect(conf(net, id), id).to.deep.equal({ voters: ids(4), learners: [] });
    worksThrough(net, leader, 'with-four', net.peers);
    // Quorum is now 3 of 4: with one old follower cut off, n4's acknowledgement is what commits.
    net.isolate(others[0]);
    worksThrough(net, leader, 'needs-n4', [others[1], 'n4']);
    // The new voter can lead.
    expect(net.core(leader).transferLeadership('n4')).to.deep.equal({ ok: true, target: 'n4' });
    net.run();
    expect(net.leaders()).to.deep.equal(['n4']);
    worksThrough(net, 'n4', 'n4-leads', [leader, others[1]]);
  });

  it('learners are replicated to but never counted toward commit or reads, and their votes count for nothing', () => {
    const { net, leader, others } = cluster(3);
    net.join('n4');
    change(net, leader, { op: 'add-learner', node: 'n4' });
    net.isolate(others[0]);
    net.isolate(others[1]);
    const r = net.core(leader).propose('add', 'lonely', 'lonely', '');
    expect(r.ok).to.equal(true);
    net.core(leader).readIndex(7);
    net.run();
    net.tick(3, [leader, 'n4']);
    expect(net.node('n4').log.all().map((e) => e.data), 'the learner got the entry').to.include('lonely');
    expect(net.core(leader).status().commitIndex, 'leader + learner are no quorum').to.be.below(r.ok ? r.index : 0);
    expect(net.node(leader).reads.map((x) => x.ctx)).to.not.include(7);

    // A candidate asks only its voters; a learner's grant does not make it win.
    net.heal();
    net.isolate(leader);
    net.cutLink(others[0], others[1]);
    net.cutLink(others[1], others[0]);
    net.filter = (m) => m.from !== others[1] && m.to !== others[1];
    const before = net.sent.length;
    // Hand n4 a vote request as if others[0] believed it a voter: it may grant, but others[0] cannot win with it.
    net.tick(4 * ELECTION, [others[0], 'n4']);
    const asked = net.sent.slice(before).filter((m) => m.type === 'vote' && m.from === others[0]).map((m) => m.to);
    expect(asked).to.not.include('n4');
    net.core(others[0]).step({ type: 'voteResp', from: 'n4', to: others[0], term: net.core(others[0]).status().term, preVote: false, granted: true });
    net.core(others[0]).step({ type: 'voteResp', from: 'n4', to: others[0], term: net.core(others[0]).status().term + 1, preVote: true, granted: true });
    net.run();
    expect(net.core(others[0]).status().role).to.not.equal('leader');
    expect(votesFrom(net, 'n4', before)).to.deep.equal([]);
  });

  it('a learner promoted by an entry it has not received still votes, so the new majority can elect (etcd\'s rule)', () => {
    const { net, leader, others } = cluster(3);
    net.join('n4');
    change(net, leader, { op: 'add-learner', node: 'n4' });
    net.cutLink(leader, 'n4'); // n4 will not hear of its promotion
    change(net, leader, { op: 'promote', node: 'n4' });
    expect(conf(net, 'n4').learners).to.deep.equal(['n4']);
    expect(conf(net, others[0]).voters).to.deep.equal(ids(4));
    // The leader dies: three voters of four remain, one of which believes itself a learner. Both other voters have
    // every committed entry; whichever campaigns needs n4's vote.
    net.isolate(leader);
    const l2 = electOther(net, leader);
    expect(l2).to.not.equal('n4');
    net.tick(2);
    expect(conf(net, 'n4').voters, 'the new leader brought the promotion').to.deep.equal(ids(4));
    worksThrough(net, l2, 'after-promotion', others.filter((id) => id !== l2).concat(['n4']));
  });

  it('promote refuses a learner not caught up (never heard from, or further behind than promoteMaxLag)', () => {
    const { net, leader } = cluster(3, { tuning: { promoteMaxLag: 5 } });
    net.join('n4');
    net.cutLink(leader, 'n4');
    change(net, leader, { op: 'add-learner', node: 'n4' });
    expect(net.core(leader).proposeConfChange({ op: 'promote', node: 'n4' })).to.deep.equal({ ok: false, reason: 'not-caught-up', node: 'n4' });
    net.heal();
    net.tick(2);
    net.cutLink(leader, 'n4');
    for (let k = 0; k < 6; k++) net.propose(leader, `behind${k}`);
    expect(net.core(leader).proposeConfChange({ op: 'promote', node: 'n4' })).to.deep.include({ reason: 'not-caught-up' });
    net.heal();
    net.tick(ELECTION + 2); // the lost appends are re-sent once replication to n4 is seen to stall
    change(net, leader, { op: 'promote', node: 'n4' });
    expect(conf(net, 'n4').voters).to.deep.equal(ids(4));
  });

  it('refuses malformed, pointless and unknown changes, and changes on a follower', () => {
    const { net, leader, others } = cluster(3);
    const core = net.core(leader);
    expect(core.proposeConfChange({ op: 'add-learner', node: others[0] })).to.deep.equal({ ok: false, reason: 'no-op', index: 0 });
    expect(core.proposeConfChange({ op: 'promote', node: others[0] })).to.deep.include({ reason: 'no-op' });
    expect(core.proposeConfChange({ op: 'promote', node: 'n9' })).to.deep.equal({ ok: false, reason: 'not-member', node: 'n9' });
    expect(core.proposeConfChange({ op: 'remove', node: 'n9' })).to.deep.equal({ ok: false, reason: 'not-member', node: 'n9' });
    expect(core.proposeConfChange({ op: 'add-learner', node: '' })).to.deep.include({ ok: false, reason: 'invalid' });
    expect(core.proposeConfChange({ op: 'explode', node: 'n4' } as unknown as ConfChange)).to.deep.include({ ok: false, reason: 'invalid' });
    expect(core.proposeConfChange({ op: 'add-learner', node: 'x'.repeat(300) })).to.deep.include({ ok: false, reason: 'invalid' });
    expect(net.core(others[0]).proposeConfChange({ op: 'add-learner', node: 'n4' })).to.deep.equal({ ok: false, reason: 'not-leader', leader });
    expect(core.status().lastLogIndex, 'nothing appended').to.equal(net.node(leader).log.all().length);
  });

  it('removes a follower: quorums shrink at once and the removed node, even unaware of it, does not disrupt', () => {
    const { net, leader, others } = cluster(3);
    const [stay, gone] = others;
    net.cutLink(leader, gone); // gone never hears of its removal
    change(net, leader, { op: 'remove', node: gone });
    expect(conf(net, leader)).to.deep.equal({ voters: [leader, stay].sort(), learners: [] });
    expect(conf(net, gone).voters, 'gone still believes itself a voter').to.include(gone);
    expect(net.core(leader).status().progress).to.not.have.property(gone);
    const term = net.core(leader).status().term;
    const before = net.sent.length;
    net.heal();
    net.tick(10 * ELECTION);
    expect(votesFrom(net, gone, before).length, 'gone keeps trying').to.be.above(0);
    expect(net.leaders()).to.deep.equal([leader]);
    expect(net.core(leader).status().term, 'nobody adopted a disruptive term').to.equal(term);
    expect(net.core(stay).status().term).to.equal(term);
    worksThrough(net, leader, 'after-removal', [stay]);
    // Two voters now: losing either stops commits (2 of 2), so check-quorum ends the leader's term without `stay`.
    net.isolate(stay);
    net.tick(2 * ELECTION, [leader]);
    expect(net.core(leader).status().role).to.equal('follower');
  });

  it('removes the leader: it leads until the change commits, then steps down and hands over; it never campaigns again', () => {
    const { net, leader, others } = cluster(5);
    const term = net.core(leader).status().term;
    const r = net.core(leader).proposeConfChange({ op: 'remove', node: leader });
    expect(r.ok).to.equal(true);
    expect(net.core(leader).status().role, 'still leads while the change is uncommitted').to.equal('leader');
    expect(conf(net, leader).voters).to.deep.equal(others);
    net.run();
    expect(net.core(leader).status().role).to.equal('follower');
    const [l2] = net.leaders();
    expect(others).to.include(l2);
    expect(net.core(l2).status().term, 'handed over at once (timeoutNow), no election timeout waited').to.equal(term + 1);
    for (const id of others) expect(net.core(id).status().commitIndex, id).to.be.at.least(r.ok ? r.index : Infinity);
    const before = net.sent.length;
    net.tick(10 * ELECTION);
    expect(votesFrom(net, leader, before), 'the removed leader never campaigns').to.deep.equal([]);
    expect(net.leaders()).to.deep.equal([l2]);
    expect(net.core(l2).status().term).to.equal(term + 1);
    worksThrough(net, l2, 'after-leader-removal', others);
  });

  it('the removed leader keeps replicating without counting itself: the change needs a majority of the new voters', () => {
    const { net, leader, others } = cluster(3);
    net.cutLink(leader, others[1]); // new voters: others[0], others[1]; only others[0] gets the entry, 1 of 2
    const r = net.core(leader).proposeConfChange({ op: 'remove', node: leader });
    expect(r.ok).to.equal(true);
    net.run();
    expect(net.core(leader).status()).to.include({ role: 'leader' });
    expect(net.node(others[0]).log.lastIndex()).to.equal(r.ok ? r.index : -1);
    expect(net.core(leader).status().commitIndex, 'leader + others[0] are not a majority of the new voters').to.be.below(r.ok ? r.index : 0);
    net.heal();
    net.core(leader).reportUnreachable(others[1]); // re-send what the cut link lost
    net.tick(2);
    expect(net.core(leader).status().role).to.equal('follower');
    expect(others).to.include(net.electLeader());
  });

  it('one change at a time: the next is refused while the previous config entry is uncommitted', () => {
    const { net, leader, others } = cluster(3);
    for (const id of others) net.cutLink(id, leader);
    const first = net.core(leader).proposeConfChange({ op: 'add-learner', node: 'n4' });
    expect(first.ok).to.equal(true);
    net.run();
    expect(net.core(leader).proposeConfChange({ op: 'add-learner', node: 'n5' })).to.deep.equal({
      ok: false, reason: 'change-pending', index: first.ok ? first.index : -1,
    });
    // Retrying the pending change itself says it is already so, and where to wait for it.
    expect(net.core(leader).proposeConfChange({ op: 'add-learner', node: 'n4' })).to.deep.equal({ ok: false, reason: 'no-op', index: first.ok ? first.index : -1 });
    net.heal();
    net.tick(ELECTION + 2); // the lost acknowledgements are made good once replication is seen to stall
    change(net, leader, { op: 'add-learner', node: 'n5' });
    expect(conf(net, leader).learners).to.deep.equal(['n4', 'n5']);
  });

  it('a broken variant without the one-at-a-time rule accepts overlapping changes (the simulator hook)', () => {
    class Overlapping extends RaftCore {
      protected override confChangeWaitsForPrevious(): boolean {
        return false;
      }
    }
    const { net, leader, others } = cluster(3, { factory: (c, l, h, a) => new Overlapping(c, l, h, a) });
    for (const id of others) net.cutLink(id, leader);
    expect(net.core(leader).proposeConfChange({ op: 'add-learner', node: 'n4' }).ok).to.equal(true);
    expect(net.core(leader).proposeConfChange({ op: 'add-learner', node: 'n5' }).ok).to.equal(true);
  });

  it('the 2015 fix: a new leader refuses changes until an entry of its own term commits', () => {
    const net = new TestNet(ids(3), { tuning: { electionTicks: ELECTION, heartbeatTicks: 2 } });
    net.filter = (m) => m.type !== 'appendResp';
    const leader = net.electLeader();
    expect(net.core(leader).status().commitIndex).to.equal(0);
    expect(net.core(leader).proposeConfChange({ op: 'add-learner', node: 'n4' })).to.deep.equal({ ok: false, reason: 'no-term-commit' });
    net.filter = null;
    net.tick(2);
    expect(net.core(leader).proposeConfChange({ op: 'add-learner', node: 'n4' }).ok).to.equal(true);

    class WithoutFix extends RaftCore {
      protected override confChangeNeedsTermCommit(): boolean {
        return false;
      }
    }
    const broken = new TestNet(ids(3), { tuning: { electionTicks: ELECTION, heartbeatTicks: 2 }, factory: (c, l, h, a) => new WithoutFix(c, l, h, a) });
    broken.filter = (m) => m.type !== 'appendResp';
    const bl = broken.electLeader();
    expect(broken.core(bl).proposeConfChange({ op: 'add-learner', node: 'n4' }).ok).to.equal(true);
  });

  it('without the 2015 fix a committed entry is lost (the raft-dev scenario); with it the change is refused', () => {
    class WithoutFix extends RaftCore {
      protected override confChangeNeedsTermCommit(): boolean {
        return false;
      }
    }
    // preVote and checkQuorum off, so who campaigns is decided by whose clock runs.
    const tuning = { electionTicks: ELECTION, heartbeatTicks: 2, preVote: false, checkQuorum: false };
    const scenario = (factory: CoreFactory) => {
      const net = new TestNet(ids(4), { tuning, factory });
      const s1 = net.electLeader();
      const [a, b, c] = net.peers.filter((id) => id !== s1);
      net.propose(s1, 'base');
      net.join('n5');
      change(net, s1, { op: 'add-learner', node: 'n5' });
      // s1 promotes n5 (five voters); only n5 receives it.
      for (const x of [a, b, c]) {
        net.cutLink(s1, x);
        net.cutLink(x, s1);
      }
      expect(net.core(s1).proposeConfChange({ op: 'promote', node: 'n5' }).ok).to.equal(true);
      net.run();
      // a is elected by a, b, c (3 of the 4 voters it knows); c never receives its appends, so its no-op cannot commit,
      // and n5 (a learner to a) hears nothing from a.
      const aAndN5 = (m: Message) => (m.from === a && m.to === 'n5') || (m.from === 'n5' && m.to === a);
      net.filter = (m) => !(m.type === 'append' && m.from === a && m.to === c) && !aAndN5(m);
      for (let t = 0; t < 5 * ELECTION && net.core(a).status().role !== 'leader'; t++) net.tick(1, [a]);
      expect(net.core(a).status().role).to.equal('leader');
      return { net, s1, a, b, c, r: net.core(a).proposeConfChange({ op: 'remove', node: c }) };
    };

    const fixed = scenario((cfg, l, h, ap) => new RaftCore(cfg, l, h, ap));
    expect(fixed.r).to.deep.equal({ ok: false, reason: 'no-term-commit' });

    const { net, s1, a, b, c, r } = scenario((cfg, l, h, ap) => new WithoutFix(cfg, l, h, ap));
    expect(r.ok).to.equal(true);
    net.run();
    net.propose(a, 'precious');
    const k = net.node(a).log.lastIndex();
    expect(net.core(a).status().commitIndex, 'committed by a and b, a majority of {s1, a, b}').to.equal(k);
    // s1 returns with its five-voter configuration and wins with s1, c and n5, none of which has a's entries.
    net.heal();
    net.filter = null;
    net.isolate(a);
    net.isolate(b);
    const termA = net.core(a).status().term;
    const s1Leads = () => net.core(s1).status().role === 'leader' && net.core(s1).status().term > termA;
    for (let t = 0; t < 10 * ELECTION && !s1Leads(); t++) net.tick(1, [s1]);
    expect(s1Leads(), 's1 leads a later term').to.equal(true);
    for (let i = 0; i < k; i++) net.propose(s1, `usurper${i}`);
    net.tick(2, [s1, c, 'n5']);
    expect(net.core(s1).status().commitIndex).to.be.at.least(k);
    const atK = (id: NodeId) => net.node(id).applied.find((e) => e.index === k)?.data;
    expect(atK(a)).to.equal('precious');
    expect(atK(s1), 'two different entries committed at one index: State Machine Safety broken').to.not.equal('precious');
  });

  it('strict reconfig check: refuses a voter set with fewer live members than its quorum unless forced, never an empty one', () => {
    const { net, leader, others } = cluster(3);
    const [alive, dead] = others;
    net.isolate(dead);
    net.tick(ELECTION + 1, [leader, alive]);
    expect(net.core(leader).status().role).to.equal('leader');
    // Removing the live follower would leave {leader, dead}: one live voter of two.
    expect(net.core(leader).proposeConfChange({ op: 'remove', node: alive })).to.deep.equal({ ok: false, reason: 'unsafe', active: 1, quorum: 2 });
    // Removing the dead one is safe.
    change(net, leader, { op: 'remove', node: dead });
    expect(conf(net, leader).voters).to.deep.equal([leader, alive].sort());
    // Forced, the unsafe change goes through (then nothing more commits until the missing voter returns).
    net.join('n4');
    net.isolate('n4');
    change(net, leader, { op: 'add-learner', node: 'n4' });
    const f = net.core(leader).proposeConfChange({ op: 'remove', node: alive }, { force: true });
    expect(f.ok).to.equal(true);
    expect(conf(net, leader).voters).to.deep.equal([leader]);

    const solo = cluster(1);
    expect(solo.net.core(solo.leader).proposeConfChange({ op: 'remove', node: solo.leader }, { force: true })).to.deep.equal({
      ok: false, reason: 'unsafe', active: 0, quorum: 1,
    });
  });

  it('an uncommitted config entry truncated away puts the previous configuration back in force', () => {
    const { net, leader, others } = cluster(3);
    net.isolate(leader);
    const r = net.core(leader).proposeConfChange({ op: 'add-learner', node: 'n4' });
    expect(r.ok).to.equal(true);
    net.run();
    expect(conf(net, leader).learners, 'in force when appended, uncommitted').to.deep.equal(['n4']);
    expect(net.core(leader).status().configIndex).to.equal(r.ok ? r.index : -1);
    net.tick(3 * ELECTION, others);
    const [l2] = net.leaders().filter((id) => id !== leader);
    expect(others).to.include(l2);
    net.propose(l2, 'overwrites');
    const readysBefore = net.node(leader).readys.length;
    net.heal();
    net.tick(3);
    expect(net.core(leader).status()).to.include({ role: 'follower', leader: l2, configIndex: 0 });
    expect(conf(net, leader)).to.deep.equal({ voters: ids(3), learners: [] });
    expect(net.node(leader).log.all().some((e) => e.type === 'config')).to.equal(false);
    const announced = net.node(leader).readys.slice(readysBefore).filter((rd) => rd.config !== null).map((rd) => rd.config);
    expect(announced).to.deep.equal([{ voters: ids(3), learners: [] }]);
  });

  it('a restarted node finds the configuration in force in its log, with or without the log\'s config index', () => {
    const { net, leader, others } = cluster(3);
    net.join('n4');
    change(net, leader, { op: 'add-learner', node: 'n4' });
    change(net, leader, { op: 'promote', node: 'n4' });
    change(net, leader, { op: 'remove', node: others[1] });
    for (let k = 0; k < 20; k++) net.propose(leader, `later${k}`);
    net.tick(2);
    const want = { voters: [leader, others[0], 'n4'].sort(), learners: [] };
    net.restart(others[0]);
    net.restart('n4');
    expect(conf(net, others[0])).to.deep.equal(want);
    expect(conf(net, 'n4'), 'a joiner restarted with its log is configured by it').to.deep.equal(want);
    // A store without prevConfigIndex: the core reads the log backwards instead.
    const log = net.node(others[0]).log;
    const plain: LogReader = { lastIndex: () => log.lastIndex(), term: (i) => log.term(i), entries: (lo, hi, mb) => log.entries(lo, hi, mb) };
    const hs = net.node(others[0]).hard;
    const core = new RaftCore(net.config(others[0]), plain, hs, 0);
    expect({ voters: core.status().voters, learners: core.status().learners }).to.deep.equal(want);
    worksThrough(net, leader, 'after-restarts', [others[0], 'n4']);
  });

  it('keeps every configuration above the commit index across a restart, so a truncation after it still restores', () => {
    const voters3 = { voters: ids(3), learners: [] };
    const c1: Entry = { index: 2, term: 1, type: 'config', tid: '', key: '', data: encodeConf({ voters: ids(3), learners: ['n4'] }) };
    const c2: Entry = { index: 4, term: 2, type: 'config', tid: '', key: '', data: encodeConf({ voters: ids(3), learners: ['n4', 'n5'] }) };
    const log = new MemoryLog([entry(1, 1), c1, entry(3, 2, 'a'), c2]);
    const net = new TestNet(ids(3));
    const core = new RaftCore(net.config('n1'), log, { term: 2, vote: null, commit: 3 }, 0);
    expect(core.status().learners).to.deep.equal(['n4', 'n5']);
    // A leader of term 3 replaces index 4 on: c1 (committed) is in force again.
    const m: AppendRequest = { type: 'append', from: 'n2', to: 'n1', term: 3, prevLogIndex: 3, prevLogTerm: 2, entries: [entry(4, 3, 'b')], leaderCommit: 3, seq: 1 };
    core.step(m);
    expect(core.status()).to.include({ configIndex: 2 });
    expect(core.status().learners).to.deep.equal(['n4']);
    const rd = core.ready();
    expect(rd.config).to.deep.equal({ voters: ids(3), learners: ['n4'] });
    // And with nothing but initial configuration left, the one from RaftConfig applies.
    expect(new RaftCore(net.config('n1'), new MemoryLog([entry(1, 1)]), { term: 1, vote: null, commit: 0 }, 0).status()).to.deep.include(voters3);
  });

  it('refuses config entries nobody can parse: from a peer the append is ignored, from disk the core stops in one line', () => {
    const net = new TestNet(ids(3));
    const core = new RaftCore(net.config('n1'), new MemoryLog([entry(1, 1)]), { term: 1, vote: null, commit: 1 }, 0);
    const bad = ['{"voters":["n2","n1"],"learners":[]}', '{"learners":[],"voters":["n1"]}', 'nope', '{"voters":["n1"],"learners":["n1"]}', '{"voters":[""],"learners":[]}'];
    for (const data of bad) {
      const e: Entry = { index: 2, term: 1, type: 'config', tid: '', key: '', data };
      core.step({ type: 'append', from: 'n2', to: 'n1', term: 1, prevLogIndex: 1, prevLogTerm: 1, entries: [e], leaderCommit: 2, seq: 1 });
      expect(core.status().lastLogIndex, data).to.equal(1);
      expect(core.status().voters).to.deep.equal(ids(3));
    }
    const disk = new MemoryLog([entry(1, 1), { index: 2, term: 1, type: 'config', tid: '', key: '', data: 'garbage' }]);
    let err: unknown = null;
    try {
      new RaftCore(net.config('n1'), disk, { term: 1, vote: null, commit: 2 }, 0);
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(RaftAssertionError);
    expect((err as Error).message).to.match(/^raft assertion failed: config entry 2: config data is not JSON$/);
  });
});
