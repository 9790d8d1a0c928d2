// The invariant checks fed by hand: each must fire on the situation it names (the broken-variant sweeps show
// Election Safety, Leader Completeness and the client checks firing on real runs; Log Matching, Leader Append-Only and
// State Machine Safety need a deliberately inconsistent feed to be seen failing).
import { expect } from 'chai';
import { InvariantChecker, SimViolation } from '../../src/sim/invariants.js';
import { ObservableCore } from '../../src/sim/observable-core.js';
import { MemoryLog } from '../../src/raft/memory-log.js';
import { DEFAULT_RAFT_TUNING, type Entry } from '../../src/raft/types.js';
import { seededRandom } from '../../src/util/seeded-random.js';

const e = (index: number, term: number, tid = ''): Entry => ({ index, term, type: tid ? 'add' : 'noop', tid, data: '', key: '' });

function violationOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SimViolation) return err.invariant;
    throw err;
  }
  return 'none';
}

/** A single-node core that elects itself at once: a leader whose log we control. */
function soloLeader(log: MemoryLog, term: number): ObservableCore {
  const core = new ObservableCore(
    { ...DEFAULT_RAFT_TUNING, id: 'n1', peers: ['n1'], electionTicks: 2, heartbeatTicks: 1, random: seededRandom(1) },
    log,
    { term, vote: null, commit: 0 },
    0,
  );
  for (let i = 0; i < 10 && core.roleNow() !== 'leader'; i++) core.tick();
  while (core.hasReady()) {
    const rd = core.ready();
    log.append(rd.entries);
    core.advance(rd);
  }
  return core;
}

describe('simulator: invariant checks', () => {
  it('Log Matching: same index and term with different prefixes', () => {
    const inv = new InvariantChecker();
    inv.onPersist('n1', [e(1, 1, 'a'), e(2, 2, 'b')], 0, 0);
    expect(violationOf(() => inv.onPersist('n2', [e(1, 1, 'z'), e(2, 2, 'b')], 0, 0))).to.equal('Log Matching');
  });

  it('State Machine Safety: two nodes apply different entries at one index; a tid applied twice', () => {
    const inv = new InvariantChecker();
    inv.onApply('n1', e(1, 1, 'a'), 1);
    expect(violationOf(() => inv.onApply('n2', e(1, 2, 'b'), 2))).to.equal('State Machine Safety');
    const inv2 = new InvariantChecker();
    inv2.onApply('n1', e(1, 1, 'a'), 1);
    expect(violationOf(() => inv2.onApply('n1', e(2, 1, 'a'), 1))).to.equal('Client: tid applied once');
  });

  it('Applied entry kept: a node cuts its log below what it applied', () => {
    const inv = new InvariantChecker();
    inv.onPersist('n1', [e(1, 1, 'a'), e(2, 1, 'b')], 0, 0);
    inv.onApply('n1', e(1, 1, 'a'), 1);
    inv.onApply('n1', e(2, 1, 'b'), 1);
    expect(violationOf(() => inv.onPersist('n1', [e(2, 2, 'c')], 2, 2))).to.equal('Applied entry kept');
    expect(violationOf(() => new InvariantChecker(false).onPersist('n1', [e(2, 2, 'c')], 2, 2))).to.equal('none');
  });

  it('One vote per term', () => {
    const inv = new InvariantChecker();
    inv.onVoteGranted('n1', 3, 'n2');
    inv.onVoteGranted('n1', 3, 'n2'); // a repeated answer to the same candidate is fine
    expect(violationOf(() => inv.onVoteGranted('n1', 3, 'n3'))).to.equal('One vote per term');
  });

  it('Election Safety and Leader Append-Only on real cores', () => {
    const inv = new InvariantChecker();
    const logA = new MemoryLog();
    const a = soloLeader(logA, 4);
    inv.afterStep('a', a);
    const b = soloLeader(new MemoryLog(), 4);
    expect(a.termNow()).to.equal(b.termNow());
    expect(violationOf(() => inv.afterStep('b', b))).to.equal('Election Safety');

    // The leader's log loses its last entry behind the core's back: the check sees the leader's log shrink.
    const inv2 = new InvariantChecker();
    const logC = new MemoryLog();
    const c = soloLeader(logC, 7);
    c.propose('add', 't1', 'd', '');
    while (c.hasReady()) {
      const rd = c.ready();
      logC.append(rd.entries);
      c.advance(rd);
    }
    inv2.afterStep('c', c);
    const shrunk = new ObservableCore(
      { ...DEFAULT_RAFT_TUNING, id: 'n1', peers: ['n1'], electionTicks: 2, heartbeatTicks: 1, random: seededRandom(2) },
      new MemoryLog(logC.all().slice(0, -1)),
      { term: c.termNow(), vote: 'n1', commit: 0 },
      0,
    );
    // Same node, same term as watched: make it look like the same leader, now with a shorter log.
    Object.assign(shrunk, { role: 'leader' });
    expect(shrunk.termNow()).to.equal(c.termNow());
    expect(shrunk.lastIndexNow()).to.equal(c.lastIndexNow() - 1);
    expect(violationOf(() => inv2.afterStep('c', shrunk))).to.equal('Leader Append-Only');
  });
});
