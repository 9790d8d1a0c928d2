// Issue 13: the core stops with a RaftAssertionError on states only a bug can reach (its own, or its storage's or
// runtime's), and never on input from the network. Each bug is planted through a deliberately broken storage stub or
// a broken hook; the same situations built from hostile messages are handled without an assertion.
import { expect } from 'chai';
import { RaftAssertionError } from '../../src/raft/assert.js';
import { RaftCore } from '../../src/raft/core.js';
import { MemoryLog } from '../../src/raft/memory-log.js';
import { RaftLog } from '../../src/raft/raft-log.js';
import type { AppendRequest, Entry, LogReader, Message, RaftConfig } from '../../src/raft/types.js';
import { TestNet, entry, ids } from './net.js';

/** A LogReader over a MemoryLog that can be made to lose entries or to answer for the wrong ones. */
class BrokenStorage implements LogReader {
  /** Pretend the log ends here (storage lost what it had acknowledged), when not null. */
  truncatedTo: number | null = null;
  /** Entries come back with their indexes shifted by this much. */
  shift = 0;

  constructor(readonly inner: MemoryLog) {}

  lastIndex(): number {
    return this.truncatedTo ?? this.inner.lastIndex();
  }

  term(index: number): number {
    if (index > this.lastIndex()) throw new RangeError(`index ${index} past ${this.lastIndex()}`);
    return this.inner.term(index);
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    return this.inner.entries(lo + this.shift, hi + this.shift, maxBytes);
  }
}

const config = (id = 'n1'): RaftConfig => new TestNet(ids(3)).config(id);

/** A follower of term 1 holding 1..3 (term 1), all committed and applied. */
function committedFollower(storage: LogReader): RaftCore {
  return new RaftCore(config(), storage, { term: 1, vote: null, commit: 3 }, 3);
}

const threeEntries = (): MemoryLog => new MemoryLog([entry(1, 1), entry(2, 1, 'a'), entry(3, 1, 'b')]);

function append(over: Partial<AppendRequest>): AppendRequest {
  return {
    type: 'append', from: 'n2', to: 'n1', term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0, seq: 1,
    ...over,
  };
}

/** The appendToLog hook without its guard: truncates from the first entry it is given, whatever the commit index. */
class TruncatingCore extends RaftCore {
  protected override appendToLog(_prevLogIndex: number, entries: Entry[]): void {
    if (entries.length > 0) this.truncateAndAppend(entries);
  }
}

const assertionFrom = (f: () => unknown): RaftAssertionError => {
  try {
    f();
  } catch (err) {
    if (err instanceof RaftAssertionError) return err;
    throw err;
  }
  throw new Error('no assertion');
};

describe('raft core: assertions on impossible states (issue 13)', () => {
  it('an append that would overwrite a committed entry with another term: asserts in a broken core, ignored by the real one', () => {
    // A (hostile or buggy) leader of term 2 sends entry 3 with term 2 over our committed 3/1.
    const m = append({ prevLogIndex: 2, prevLogTerm: 1, entries: [entry(3, 2, 'evil')], leaderCommit: 3 });
    const broken = new TruncatingCore(config(), threeEntries(), { term: 1, vote: null, commit: 3 }, 3);
    expect(assertionFrom(() => broken.step(m)).message).to.match(/conflict with committed entry 3 \(term 1, commit 3\) by term 2/);

    const log = threeEntries();
    const core = committedFollower(log);
    expect(() => core.step(m)).to.not.throw();
    expect(core.status()).to.include({ commitIndex: 3, lastLogIndex: 3, term: 2 });
    const rd = core.ready();
    expect(rd.entries, 'nothing to persist').to.deep.equal([]);
    expect(rd.messages.filter((x) => x.type === 'appendResp' && x.success), 'no claim to hold the entry').to.deep.equal([]);
  });

  it('a truncation that would drop committed entries (a stale append taken at face value) asserts', () => {
    // Entries 1..2 again, as a delayed copy of an old request: the real core keeps 3, a truncating one would drop it.
    const m = append({ prevLogIndex: 0, prevLogTerm: 0, entries: [entry(1, 1), entry(2, 1, 'a')], leaderCommit: 3 });
    const broken = new TruncatingCore(config(), threeEntries(), { term: 1, vote: null, commit: 3 }, 3);
    expect(assertionFrom(() => broken.step(m)).message).to.match(/truncation from 1 would drop committed entries \(commit 3\)/);
    const core = committedFollower(threeEntries());
    expect(() => core.step(m)).to.not.throw();
    expect(core.status().lastLogIndex).to.equal(3);
  });

  it('a term lookup outside the log asserts where the caller needs an entry, and is a plain "absent" where probing is by design', () => {
    const log = new RaftLog(threeEntries());
    expect(log.term(0)).to.equal(0);
    expect(log.term(3)).to.equal(1);
    expect(log.termIfPresent(4)).to.equal(null);
    expect(log.termIfPresent(-1)).to.equal(null);
    expect(assertionFrom(() => log.term(4)).message).to.equal('raft assertion failed: term lookup at 4 outside the log 0..3');
    // A follower probed far past its log (a leader's prevLogIndex) answers with the back-off hint instead.
    const core = committedFollower(threeEntries());
    core.step(append({ prevLogIndex: 50, prevLogTerm: 2 }));
    const resp = core.ready().messages[0];
    expect(resp).to.include({ type: 'appendResp', success: false, conflictIndex: 4 });
  });

  it('storage losing an entry the leader already had acknowledged: the next heartbeat\'s term lookup asserts', () => {
    const stores = new Map<string, BrokenStorage>();
    const net = new TestNet(ids(3), {
      factory: (cfg, log, hs, applied) => {
        const s = new BrokenStorage(log);
        stores.set(cfg.id, s);
        return new RaftCore(cfg, s, hs, applied);
      },
    });
    const leader = net.electLeader();
    net.propose(leader, 'x');
    const last = net.core(leader).status().lastLogIndex;
    // The leader's disk loses its last entry (say, a lying fsync) while every follower has acknowledged it.
    stores.get(leader)!.truncatedTo = last - 1;
    const err = assertionFrom(() => {
      for (let t = 0; t < 10; t++) net.tick(1, [leader]);
    });
    // A heartbeat goes out at the followers' match, an index the leader must hold.
    expect(err.message).to.equal(`raft assertion failed: term lookup at ${last} outside the log 0..${last - 1}`);
  });

  it('a commit index beyond the log (storage lost committed entries) asserts at the next Ready', () => {
    const storage = new BrokenStorage(threeEntries());
    const core = committedFollower(storage);
    storage.truncatedTo = 2;
    core.tick();
    expect(assertionFrom(() => core.ready()).message).to.equal('raft assertion failed: commit index 3 is beyond the last index 2');
  });

  it('advance() with a Ready that is not the outstanding one, twice, or before ready(); ready() twice', () => {
    const core = new RaftCore(config(), new MemoryLog(), { term: 0, vote: null, commit: 0 }, 0);
    expect(assertionFrom(() => core.advance({ ...core.ready() })).message).to.match(/not the outstanding one/);
    const fresh = new RaftCore(config(), new MemoryLog(), { term: 0, vote: null, commit: 0 }, 0);
    const rd = fresh.ready();
    expect(assertionFrom(() => fresh.ready()).message).to.match(/before advance\(\) of the previous Ready/);
    fresh.advance(rd);
    expect(assertionFrom(() => fresh.advance(rd)).message).to.match(/no Ready outstanding/);
  });

  it('advance() of a Ready whose entries the runtime did not persist asserts', () => {
    const net = new TestNet(['n1']);
    const core = net.core('n1');
    for (let t = 0; t < 30 && core.status().role !== 'leader'; t++) core.tick();
    const rd = core.ready();
    expect(rd.entries.length).to.equal(1); // the new leader's no-op
    // The runtime skips the append: the entry is still only in memory.
    expect(assertionFrom(() => core.advance(rd)).message).to.match(/advanced past entries up to 1 that storage does not hold \(it ends at 0\)/);
  });

  it('storage answering with the wrong entries asserts instead of applying them', () => {
    const storage = new BrokenStorage(new MemoryLog([entry(1, 1), entry(2, 1, 'a'), entry(3, 1, 'b'), entry(4, 1, 'c')]));
    storage.shift = 1;
    const core = new RaftCore(config(), storage, { term: 1, vote: null, commit: 3 }, 0);
    expect(assertionFrom(() => core.ready()).message).to.match(/storage returned entry 2 where 1 was asked for/);
  });

  it('hostile messages with impossible values never assert (conflicting committed entries, huge commit, bogus match, timeoutNow from strangers)', () => {
    const net = new TestNet(ids(3));
    const leader = net.electLeader();
    net.propose(leader, 'a');
    const [f1, f2] = net.peers.filter((id) => id !== leader);
    const { term, lastLogIndex: last } = net.core(leader).status();
    const committed = net.node(leader).log.all();
    const hostile: Message[] = [
      // In the leader's name: committed entries overwritten by another term, with a commit index far past any log.
      { type: 'append', from: leader, to: f1, term, prevLogIndex: last, prevLogTerm: term, entries: [], leaderCommit: 2 ** 40, seq: 1 },
      { type: 'append', from: leader, to: f1, term: term + 1, prevLogIndex: 0, prevLogTerm: 0, entries: [entry(1, term + 1, 'z')], leaderCommit: 2 ** 40, seq: 1 },
      // A follower claiming to match entries the leader never had, and an absurd back-off hint.
      { type: 'appendResp', from: f2, to: leader, term, success: true, matchIndex: last + 100, conflictIndex: 0, conflictTerm: 0, lastLogIndex: 9, seq: 1 },
      { type: 'appendResp', from: f2, to: leader, term, success: false, matchIndex: 0, conflictIndex: 2 ** 40, conflictTerm: 2 ** 40, lastLogIndex: 9, seq: 2 ** 40 },
      // timeoutNow from a follower, from a stale term, to the leader itself; a transfer-marked vote of an old term.
      { type: 'timeoutNow', from: f1, to: f2, term },
      { type: 'timeoutNow', from: leader, to: f2, term: term - 1 },
      { type: 'timeoutNow', from: f1, to: leader, term },
      { type: 'vote', from: f1, to: f2, term: term - 1, preVote: false, lastLogIndex: 0, lastLogTerm: 0, transfer: true },
    ];
    for (const m of hostile) expect(() => net.core(m.to).step(m), JSON.stringify(m)).to.not.throw();
    expect(net.node(f1).log.all(), 'committed entries untouched').to.deep.equal(committed);
    for (const id of net.peers) expect(net.core(id).status().commitIndex).to.be.at.most(last);
    expect(net.core(f2).status().role, 'timeoutNow from a non-leader is ignored').to.equal('follower');
    expect(() => net.tick(60)).to.not.throw();
    expect(net.leaders()).to.have.length(1);
    const reference = net.node(net.leaders()[0]).log.all();
    expect(reference.slice(0, committed.length)).to.deep.equal(committed);
    for (const id of net.peers) expect(net.node(id).log.all()).to.deep.equal(reference);
  });
});
