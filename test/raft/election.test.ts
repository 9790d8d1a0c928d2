// Leader election (§5.2, §5.4.1), pre-vote (thesis §9.6) and check-quorum, as scripted interactions.
import { expect } from 'chai';
import { RaftCore } from '../../src/raft/core.js';
import { MemoryLog } from '../../src/raft/memory-log.js';
import { DEFAULT_RAFT_TUNING, type Message, type RaftConfig, type VoteRequest } from '../../src/raft/types.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { TestNet, entry, ids } from './net.js';

function soloCore(seed: number, over: Partial<RaftConfig> = {}, log = new MemoryLog(), term = 0): RaftCore {
  return new RaftCore(
    { ...DEFAULT_RAFT_TUNING, electionTicks: 10, heartbeatTicks: 2, id: 'n1', peers: ids(3), random: seededRandom(seed), ...over },
    log,
    { term, vote: null, commit: 0 },
    0,
  );
}

function voteRequest(over: Partial<VoteRequest>): VoteRequest {
  return { type: 'vote', from: 'n2', to: 'n1', term: 2, preVote: false, lastLogIndex: 0, lastLogTerm: 0, ...over };
}

/** Runs one Ready and returns its messages (persisting nothing: these cores start empty). */
function drain(core: RaftCore): Message[] {
  if (!core.hasReady()) return [];
  const rd = core.ready();
  core.advance(rd);
  return rd.messages;
}

describe('raft core: elections', () => {
  it('elects exactly one leader, which every node then follows', () => {
    const net = new TestNet(ids(5));
    const leader = net.electLeader();
    net.tick(10);
    expect(net.leaders()).to.deep.equal([leader]);
    for (const id of net.peers) expect(net.core(id).status().leader).to.equal(leader);
  });

  it('draws each election timeout from [electionTicks, 2*electionTicks), varying with the seed', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const core = soloCore(seed, { preVote: false });
      let ticks = 0;
      while (core.status().role === 'follower' && ticks < 100) {
        core.tick();
        ticks++;
      }
      expect(ticks).to.be.within(10, 19);
      seen.add(ticks);
    }
    expect(seen.size).to.be.greaterThan(3);
  });

  it('grants one vote per term, and sends the grant in the Ready that persists it', () => {
    const core = soloCore(1);
    core.step(voteRequest({ from: 'n2', reqId: 7 }));
    const rd = core.ready();
    expect(rd.hardState).to.include({ term: 2, vote: 'n2' });
    expect(rd.mustSync).to.equal(true);
    expect(rd.messages).to.deep.equal([
      { type: 'voteResp', from: 'n1', to: 'n2', term: 2, preVote: false, granted: true, reqId: 7 },
    ]);
    core.advance(rd);
    core.step(voteRequest({ from: 'n3' }));
    expect(drain(core)).to.deep.include({ type: 'voteResp', from: 'n1', to: 'n3', term: 2, preVote: false, granted: false });
    // Asking again (a retry) gets the same answer.
    core.step(voteRequest({ from: 'n2' }));
    expect((drain(core)[0] as { granted: boolean }).granted).to.equal(true);
  });

  it('keeps its vote across a restart (the vote came back from the persisted hard state)', () => {
    const log = new MemoryLog();
    const core = soloCore(1, {}, log);
    core.step(voteRequest({ from: 'n2' }));
    const rd = core.ready();
    core.advance(rd);
    const persisted = rd.hardState as { term: number; vote: string | null; commit: number };
    const restarted = new RaftCore(
      { ...DEFAULT_RAFT_TUNING, electionTicks: 10, heartbeatTicks: 2, id: 'n1', peers: ids(3), random: seededRandom(2) },
      log,
      persisted,
      0,
    );
    restarted.step(voteRequest({ from: 'n3' }));
    expect(drain(restarted)[0]).to.include({ granted: false, term: 2 });
  });

  it('votes only for candidates whose log is at least as up to date (§5.4.1)', () => {
    const log = new MemoryLog([entry(1, 1), entry(2, 2)]);
    const granted = (req: Partial<VoteRequest>): boolean => {
      const core = soloCore(1, {}, log, 2);
      core.step(voteRequest({ term: 3, ...req }));
      return (drain(core)[0] as { granted: boolean }).granted;
    };
    expect(granted({ lastLogIndex: 5, lastLogTerm: 1 }), 'longer log, older last term').to.equal(false);
    expect(granted({ lastLogIndex: 1, lastLogTerm: 2 }), 'same last term, shorter').to.equal(false);
    expect(granted({ lastLogIndex: 2, lastLogTerm: 2 }), 'same').to.equal(true);
    expect(granted({ lastLogIndex: 1, lastLogTerm: 3 }), 'newer last term').to.equal(true);
  });

  // Vote requests from ids outside this node's configuration are answered like any other since membership change
  // (issue 14): the candidate may be a voter of a configuration this node has not received yet, and a candidate counts
  // only its own voters (test/raft/membership.test.ts). Keeping strangers out is the authenticated transport's job.
  it('rejects vote requests from a lower term', () => {
    const core = soloCore(1, {}, new MemoryLog(), 5);
    core.step(voteRequest({ term: 4 }));
    expect(drain(core)[0]).to.include({ granted: false, term: 5 });
    expect(core.status().term).to.equal(5);
  });

  it('appends a no-op of the new term on election and commits it', () => {
    const net = new TestNet(ids(3));
    const leader = net.electLeader();
    const term = net.core(leader).status().term;
    for (const id of net.peers) {
      const log = net.node(id).log.all();
      expect(log).to.have.length(1);
      expect(log[0]).to.deep.equal({ index: 1, term, type: 'noop', tid: '', data: '', key: '' });
    }
    expect(net.node(leader).applied.map((e) => e.type)).to.deep.equal(['noop']);
  });

  it('the leader sends a heartbeat to every follower every heartbeatTicks', () => {
    const net = new TestNet(ids(3)); // heartbeatTicks: 2
    const leader = net.electLeader();
    const before = net.sent.length;
    net.tick(20);
    const heartbeats = net.sent.slice(before).filter((m) => m.type === 'append' && m.from === leader && m.entries.length === 0);
    for (const id of net.peers.filter((p) => p !== leader)) {
      expect(heartbeats.filter((m) => m.to === id)).to.have.length(10);
    }
  });

  it('pre-vote: a node cut off for many timeouts keeps its term and cannot depose the leader when it returns', () => {
    const net = new TestNet(ids(5));
    const leader = net.electLeader();
    const term = net.core(leader).status().term;
    const follower = net.peers.find((id) => id !== leader) as string;
    net.isolate(follower);
    net.tick(100);
    expect(net.core(follower).status().term, 'pre-votes do not raise the term').to.equal(term);
    net.heal();
    net.tick(30);
    expect(net.leaders()).to.deep.equal([leader]);
    expect(net.core(leader).status().term).to.equal(term);
    expect(net.core(follower).status()).to.include({ role: 'follower', leader, term });
  });

  it('leader stickiness: a live cluster refuses a higher-term vote request and keeps its term', () => {
    const net = new TestNet(ids(3));
    const leader = net.electLeader();
    const term = net.core(leader).status().term;
    const other = net.peers.find((id) => id !== leader) as string;
    const rogue = net.peers.find((id) => id !== leader && id !== other) as string;
    net.core(other).step({ type: 'vote', from: rogue, to: other, term: term + 5, preVote: false, lastLogIndex: 99, lastLogTerm: term });
    net.core(leader).step({ type: 'vote', from: rogue, to: leader, term: term + 5, preVote: false, lastLogIndex: 99, lastLogTerm: term });
    net.filter = (m) => m.to !== rogue;
    net.run();
    expect(net.core(other).status().term).to.equal(term);
    expect(net.core(leader).status()).to.include({ role: 'leader', term });
  });

  it('check-quorum: a leader cut off from the majority steps down within an election timeout', () => {
    const net = new TestNet(ids(5));
    const leader = net.electLeader();
    net.isolate(leader);
    let ticks = 0;
    while (net.core(leader).status().role === 'leader' && ticks < 100) {
      net.tick(1, [leader]);
      ticks++;
    }
    expect(ticks).to.be.at.most(10);
    expect(net.core(leader).status().role).to.equal('follower');
    // The majority side elects a new leader meanwhile.
    net.tick(40, net.peers.filter((id) => id !== leader));
    expect(net.leaders()).to.have.length(1);
    expect(net.leaders()[0]).to.not.equal(leader);
  });

  it('a partitioned old leader rejoins as follower of the new term', () => {
    const net = new TestNet(ids(3));
    const old = net.electLeader();
    net.isolate(old);
    net.tick(60);
    const [fresh] = net.leaders().filter((id) => id !== old);
    expect(fresh).to.be.a('string');
    net.heal();
    net.tick(10);
    expect(net.leaders()).to.deep.equal([fresh]);
    expect(net.core(old).status().leader).to.equal(fresh);
  });

  it('a single-node cluster elects itself and commits', () => {
    const net = new TestNet(['solo']);
    const leader = net.electLeader();
    net.propose(leader, 'x');
    expect(net.node(leader).applied.map((e) => e.data)).to.deep.equal(['', 'x']);
  });
});
