// A client's retry (same tid) is never appended twice, whichever node leads and across restarts.
import { expect } from 'chai';
import { RaftCore } from '../../src/raft/core.js';
import { DEFAULT_RAFT_TUNING, type Entry, type LogReader } from '../../src/raft/types.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { TestNet, ids } from './net.js';

describe('raft core: duplicate tids', () => {
  it('answers a repeated tid with the existing entry instead of appending it again', () => {
    const net = new TestNet(ids(3));
    const leader = net.electLeader();
    const first = net.core(leader).propose('add', 'client-1:42', 'hello', '');
    const again = net.core(leader).propose('add', 'client-1:42', 'hello', '');
    expect(first).to.deep.include({ ok: true, duplicate: false });
    expect(again).to.deep.equal({ ...first, duplicate: true });
    net.run();
    expect(net.node(leader).log.all().filter((e) => e.tid === 'client-1:42')).to.have.length(1);
  });

  it('a newly elected leader still recognises tids appended under the previous one', () => {
    const net = new TestNet(ids(3));
    const old = net.electLeader();
    net.propose(old, 'x', 'tid-x');
    const original = net.node(old).log.all().find((e) => e.tid === 'tid-x') as Entry;
    net.isolate(old);
    net.tick(60);
    const fresh = net.leaders().find((id) => id !== old) as string;
    expect(fresh).to.be.a('string');
    expect(net.core(fresh).propose('add', 'tid-x', 'x', '')).to.deep.equal({
      ok: true, duplicate: true, index: original.index, term: original.term,
    });
  });

  it('rebuilds the tid window from the log on restart', () => {
    const net = new TestNet(ids(1));
    const leader = net.electLeader();
    net.propose(leader, 'a', 'tid-a');
    const restarted = net.restart(leader);
    const l2 = net.electLeader();
    expect(l2).to.equal(restarted.id);
    expect(net.core(l2).propose('add', 'tid-a', 'a', '')).to.deep.include({ duplicate: true, index: 2 });
  });

  it('forgets tids that fell out of the window (bounded memory)', () => {
    const net = new TestNet(ids(1), { tuning: { dedupWindow: 5 } });
    const leader = net.electLeader();
    net.propose(leader, 'a', 'old');
    for (let k = 0; k < 10; k++) net.propose(leader, `f${k}`);
    expect(net.core(leader).propose('add', 'old', 'a', '')).to.deep.include({ duplicate: false });
  });

  it('restarts over a 1,000,000-entry log quickly (only the window is read)', () => {
    const last = 1_000_000;
    let entriesRead = 0;
    const bigLog: LogReader = {
      lastIndex: () => last,
      term: (i) => (i === 0 ? 0 : 1),
      entries: (lo, hi) => {
        const out: Entry[] = [];
        for (let i = lo; i < Math.min(hi, last + 1); i++) out.push({ index: i, term: 1, type: 'add', tid: `t${i}`, data: 'x', key: '' });
        entriesRead += out.length;
        return out;
      },
      // Storage's index of config entries (there are none): without it the core would scan the log for one.
      prevConfigIndex: () => 0,
    };
    const started = process.hrtime.bigint();
    const core = new RaftCore(
      { ...DEFAULT_RAFT_TUNING, id: 'n1', peers: ['n1'], random: seededRandom(1) },
      bigLog,
      { term: 1, vote: 'n1', commit: last },
      last,
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(entriesRead).to.equal(DEFAULT_RAFT_TUNING.dedupWindow);
    expect(ms, 'generous bound; typically well under 200 ms').to.be.below(2000);
    for (let t = 0; t < 40 && core.status().role !== 'leader'; t++) core.tick();
    expect(core.propose('add', `t${last}`, 'x', '')).to.deep.include({ duplicate: true, index: last });
    expect(core.propose('add', `t${last - DEFAULT_RAFT_TUNING.dedupWindow}`, 'x', '')).to.deep.include({ duplicate: false });
  });
});
