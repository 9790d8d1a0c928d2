// Log replication (§5.3), commitment (§5.4.2, Figure 8) and delivery of committed entries, as scripted interactions.
import { expect } from 'chai';
import { RaftCore } from '../../src/raft/core.js';
import { MemoryLog } from '../../src/raft/memory-log.js';
import {
  DEFAULT_RAFT_TUNING,
  type AppendRequest,
  type AppendResponse,
  type Entry,
  type HardState,
  type Message,
  type RaftConfig,
} from '../../src/raft/types.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { TestNet, entry, ids } from './net.js';

const cfgFor = (id: string, n: number, over: Partial<RaftConfig> = {}): RaftConfig => ({
  ...DEFAULT_RAFT_TUNING,
  electionTicks: 10,
  heartbeatTicks: 2,
  id,
  peers: ids(n),
  random: seededRandom(42),
  ...over,
});

/** A follower n1 of a 3-node cluster over `log`, at `term`. */
function follower(log: MemoryLog, term: number, commit = 0): RaftCore {
  return new RaftCore(cfgFor('n1', 3), log, { term, vote: null, commit }, 0);
}

function append(over: Partial<AppendRequest>): AppendRequest {
  return {
    type: 'append', from: 'n2', to: 'n1', term: 3, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0, seq: 1,
    ...over,
  };
}

/** Steps m into core, persists the resulting Ready into log, returns the Ready's messages. */
function stepAndPersist(core: RaftCore, log: MemoryLog, m: Message): Message[] {
  core.step(m);
  const rd = core.ready();
  log.append(rd.entries);
  core.advance(rd);
  return rd.messages;
}

const terms = (log: MemoryLog): number[] => log.all().map((e) => e.term);

describe('raft core: log replication', () => {
  it('log matching: truncates from the first conflicting entry and appends the leader\'s', () => {
    const log = new MemoryLog([entry(1, 1), entry(2, 1), entry(3, 2, 'x'), entry(4, 2, 'y')]);
    const core = follower(log, 2);
    const [resp] = stepAndPersist(core, log, append({ prevLogIndex: 2, prevLogTerm: 1, entries: [entry(3, 3, 'z')] }));
    expect(terms(log)).to.deep.equal([1, 1, 3]);
    expect(resp).to.include({ type: 'appendResp', success: true, matchIndex: 3, term: 3 });
  });

  it('rejects a mismatching prevLog with the fast back-off hint (first index of the conflicting term, or log end)', () => {
    const log = new MemoryLog([entry(1, 1), entry(2, 2), entry(3, 2), entry(4, 2)]);
    const core = follower(log, 2);
    const [conflict] = stepAndPersist(core, log, append({ prevLogIndex: 4, prevLogTerm: 3 }));
    expect(conflict).to.include({ success: false, conflictTerm: 2, conflictIndex: 2, lastLogIndex: 4 });
    const [short] = stepAndPersist(core, log, append({ prevLogIndex: 9, prevLogTerm: 3 }));
    expect(short).to.include({ success: false, conflictTerm: 0, conflictIndex: 5 });
    expect(log.lastIndex(), 'a rejected request changes nothing').to.equal(4);
  });

  it('never truncates on a stale or reordered AppendEntries whose entries it already has', () => {
    const log = new MemoryLog([1, 2, 3, 4, 5].map((i) => entry(i, 1, `v${i}`)));
    const core = follower(log, 1);
    const stale = append({ term: 1, prevLogIndex: 1, prevLogTerm: 1, entries: [entry(2, 1, 'v2'), entry(3, 1, 'v3')] });
    const [resp] = stepAndPersist(core, log, stale);
    expect(log.lastIndex(), 'entries 4 and 5 survive').to.equal(5);
    expect(resp).to.include({ success: true, matchIndex: 3 });

    // The appendToLog hook is what keeps this rule: a variant that truncates after prevLogIndex loses 4 and 5.
    class TruncatingCore extends RaftCore {
      protected override appendToLog(_prev: number, entries: Entry[]): void {
        this.truncateAndAppend(entries);
      }
    }
    const log2 = new MemoryLog([1, 2, 3, 4, 5].map((i) => entry(i, 1, `v${i}`)));
    const broken = new TruncatingCore(cfgFor('n1', 3), log2, { term: 1, vote: null, commit: 0 }, 0);
    stepAndPersist(broken, log2, stale);
    expect(log2.lastIndex()).to.equal(3);
  });

  it('fast back-off: a follower with a long divergent tail is repaired in one or two round trips', () => {
    const net = new TestNet(ids(3), { tuning: { preVote: false } });
    const good = [entry(1, 1), entry(2, 3, 'a'), entry(3, 3, 'b'), entry(4, 3, 'c')];
    const junk = [entry(1, 1), ...Array.from({ length: 100 }, (_, k) => entry(k + 2, 2, `junk${k}`))];
    net.start('n1', new MemoryLog(good), { term: 3, vote: null, commit: 1 });
    net.start('n2', new MemoryLog(good), { term: 3, vote: null, commit: 1 });
    net.start('n3', new MemoryLog(junk), { term: 3, vote: null, commit: 1 });
    const leader = net.electLeader();
    expect(leader).to.not.equal('n3');
    net.tick(5);
    const rejections = net.sent.filter((m) => m.type === 'appendResp' && m.from === 'n3' && !m.success);
    expect(rejections.length).to.be.within(1, 2);
    expect(net.node('n3').log.all()).to.deep.equal(net.node(leader).log.all());
  });

  it('replicates many entries to identical logs and applies them exactly once, in order, on every node', () => {
    const net = new TestNet(ids(5));
    const leader = net.electLeader();
    for (let k = 0; k < 300; k++) net.core(leader).propose('add', `tid${k}`, `data${k}`, '');
    net.run();
    net.tick(4); // heartbeats carry the final commit index to followers
    const reference = net.node(leader).log.all();
    expect(reference).to.have.length(301);
    for (const id of net.peers) {
      expect(net.node(id).log.all()).to.deep.equal(reference);
      expect(net.node(id).applied).to.deep.equal(reference);
    }
  });

  it('batches entries: hundreds of proposals travel in a handful of AppendRequests', () => {
    const net = new TestNet(ids(3));
    const leader = net.electLeader();
    const before = net.sent.length;
    for (let k = 0; k < 500; k++) net.core(leader).propose('add', `t${k}`, `d${k}`, '');
    net.run();
    const appends = net.sent.slice(before).filter((m) => m.type === 'append' && m.entries.length > 0);
    expect(appends.length).to.be.at.most(4);
    expect(net.node(leader).applied).to.have.length(501);
  });
});

describe('raft core: commitment', () => {
  /** n1 becomes leader of term 4 over log [1:1, 2:2] in a 5-node cluster, by scripted votes. */
  function leaderOfTerm4(make = (c: RaftConfig, l: MemoryLog, h: HardState) => new RaftCore(c, l, h, 0)) {
    const log = new MemoryLog([entry(1, 1), entry(2, 2, 'from-term-2')]);
    const core = make(cfgFor('n1', 5, { preVote: false }), log, { term: 3, vote: null, commit: 1 });
    for (let t = 0; t < 30 && core.status().role !== 'candidate'; t++) core.tick();
    expect(core.status().term).to.equal(4);
    for (const from of ['n2', 'n3']) core.step({ type: 'voteResp', from, to: 'n1', term: 4, preVote: false, granted: true });
    expect(core.status().role).to.equal('leader');
    const rd = core.ready();
    log.append(rd.entries); // the no-op 3:4 is now durable on the leader
    core.advance(rd);
    return { core, log };
  }

  const ack = (from: string, matchIndex: number): AppendResponse => ({
    type: 'appendResp', from, to: 'n1', term: 4, success: true, matchIndex, conflictIndex: 0, conflictTerm: 0,
    lastLogIndex: matchIndex, seq: 1,
  });

  it('Figure 8: an earlier-term entry on a majority is not committed by counting; it commits with a current-term one', () => {
    // Figure 8 (c): the term-2 entry at index 2 now sits on n1, n2, n3, a majority. Were it committed, n5 (holding a
    // term-3 entry at index 2) could still win an election with n2..n4's votes and overwrite it (Figure 8 (d)).
    const { core } = leaderOfTerm4();
    core.step(ack('n2', 2));
    core.step(ack('n3', 2));
    expect(core.status().commitIndex).to.equal(1);
    // (e): once the leader's own no-op (term 4) is on a majority, index 3 and with it index 2 commit.
    core.step(ack('n2', 3));
    core.step(ack('n3', 3));
    expect(core.status().commitIndex).to.equal(3);
    const rd = core.ready();
    expect(rd.committed.map((e) => e.index)).to.deep.equal([2, 3]);
    expect(rd.hardState).to.include({ commit: 3 });
  });

  it('the commitAllowed hook is what enforces Figure 8 (a variant counting earlier terms commits index 2)', () => {
    class CountingCore extends RaftCore {
      protected override commitAllowed(): boolean {
        return true;
      }
    }
    const { core } = leaderOfTerm4((c, l, h) => new CountingCore(c, l, h, 0));
    core.step(ack('n2', 2));
    core.step(ack('n3', 2));
    expect(core.status().commitIndex).to.equal(2);
  });

  it('counts the leader\'s own entries only once persisted, and applies only persisted entries', () => {
    const net = new TestNet(ids(3));
    const leader = net.electLeader();
    const [f1, f2] = net.peers.filter((id) => id !== leader);
    net.isolate(f2);
    const lead = net.node(leader);
    const commitBefore = lead.core.status().commitIndex;
    const { index } = lead.core.propose('add', 'tx', 'x', '') as { index: number };
    const rd = lead.core.ready(); // carries the entry to persist and the AppendRequest to f1: not persisted yet
    expect(rd.entries.map((e) => e.index)).to.deep.equal([index]);
    for (const m of rd.messages) if (m.to === f1) net.core(f1).step(m);
    const frd = net.core(f1).ready();
    net.node(f1).log.append(frd.entries);
    net.core(f1).advance(frd);
    for (const m of frd.messages) if (m.to === leader) lead.core.step(m);
    expect(lead.core.status().commitIndex, 'one follower alone is not a majority of 3').to.equal(commitBefore);
    lead.log.append(rd.entries);
    lead.core.advance(rd);
    expect(lead.core.status().commitIndex).to.equal(index);
    const next = lead.core.ready();
    expect(next.committed.map((e) => e.index)).to.deep.equal([index]);
    lead.core.advance(next);
    expect(lead.core.hasReady() ? lead.core.ready().committed : []).to.deep.equal([]);
  });

  it('ignores nonsense: a matchIndex beyond the leader\'s log and messages from unknown ids', () => {
    const { core } = leaderOfTerm4();
    core.step(ack('n2', 1000));
    core.step(ack('n3', 1000));
    core.step(ack('stranger', 3));
    expect(core.status().commitIndex).to.equal(1);
    expect(core.status().progress['n2'].match).to.equal(0);
  });

  it('restarts from persisted state and delivers committed-but-unapplied entries once', () => {
    const net = new TestNet(ids(3));
    const leader = net.electLeader();
    for (let k = 0; k < 20; k++) net.propose(leader, `e${k}`);
    net.tick(4);
    const follower = net.peers.find((id) => id !== leader) as string;
    const node = net.node(follower);
    const appliedBefore = node.applied.length;
    const keep = node.applied.slice(0, 5); // the raftlog only got 5 lines before the crash
    net.start(follower, node.log, { ...node.hard }, keep);
    net.run();
    net.tick(4);
    expect(net.node(follower).applied.map((e) => e.index)).to.deep.equal(
      Array.from({ length: appliedBefore }, (_, k) => k + 1),
    );
  });
});
