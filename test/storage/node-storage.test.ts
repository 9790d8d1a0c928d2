// NodeStorage as the runtime uses it: append, hard state, committed entries, group-commit sync, restart.
import { expect } from 'chai';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeStorage } from '../../src/storage/node-storage.js';
import { formatRaftlogLine } from '../../src/storage/raftlog-format.js';
import { entry, range, RecordingLogger, segments, TempDirs, writeCommittedLog } from './helpers.js';

describe('NodeStorage', function () {
  this.timeout(20_000);
  const temp = new TempDirs();
  after(() => temp.removeAll());

  it('starts empty in a fresh directory and creates its files', async () => {
    const dir = join(temp.make(), 'not-yet');
    const s = NodeStorage.open(dir, new RecordingLogger());
    expect(s.lastIndex()).to.equal(0);
    expect(s.term(0)).to.equal(0);
    expect(s.appliedIndex()).to.equal(0);
    expect(s.hardState()).to.deep.equal({ term: 0, vote: null, commit: 0 });
    expect(s.entries(1, 10)).to.deep.equal([]);
    expect(() => s.term(1)).to.throw(RangeError);
    await s.close();
    expect(existsSync(join(dir, 'raftlog'))).to.equal(true);
    expect(existsSync(join(dir, 'wal'))).to.equal(true);
  });

  it('keeps entries, hard state and committed entries across close and reopen', async () => {
    const dir = temp.make();
    const s = NodeStorage.open(dir, new RecordingLogger());
    s.append([entry(1, 1, 'noop'), entry(2, 1, 'set'), entry(3, 1)]);
    s.append([entry(4, 2, 'noop')]);
    s.setHardState({ term: 2, vote: 'n1', commit: 3 });
    await s.sync();
    s.appendCommitted([entry(1, 1, 'noop'), entry(2, 1, 'set'), entry(3, 1)]);
    await s.close();

    const r = NodeStorage.open(dir, new RecordingLogger());
    expect(r.lastIndex()).to.equal(4);
    expect([1, 2, 3, 4].map((i) => r.term(i))).to.deep.equal([1, 1, 1, 2]);
    expect(r.entries(1, 5)).to.deep.equal([entry(1, 1, 'noop'), entry(2, 1, 'set'), entry(3, 1), entry(4, 2, 'noop')]);
    expect(r.hardState()).to.deep.equal({ term: 2, vote: 'n1', commit: 3 });
    expect(r.appliedIndex()).to.equal(3);
    const seen: number[] = [];
    r.forEachCommitted((e) => seen.push(e.index));
    expect(seen).to.deep.equal([1, 2, 3]);
    await r.close();
    const lines = readFileSync(join(dir, 'raftlog'), 'utf8');
    expect(lines).to.equal([entry(1, 1, 'noop'), entry(2, 1, 'set'), entry(3, 1)].map((e) => formatRaftlogLine(e) + '\n').join(''));
  });

  it('replaces the suffix when an append starts inside the log, and the replacement survives a restart', async () => {
    const dir = temp.make();
    const s = NodeStorage.open(dir, new RecordingLogger());
    s.append(range(1, 10, 1));
    s.append([entry(6, 3), entry(7, 3)]); // a follower told to drop 6..10 of term 1
    expect(s.lastIndex()).to.equal(7);
    expect(s.term(5)).to.equal(1);
    expect(s.term(6)).to.equal(3);
    expect(() => s.term(8)).to.throw(RangeError);
    await s.sync();
    await s.close();
    const r = NodeStorage.open(dir, new RecordingLogger());
    expect(r.lastIndex()).to.equal(7);
    expect(r.entries(1, 100).map((e) => [e.index, e.term])).to.deep.equal([
      [1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 3], [7, 3],
    ]);
    r.append([entry(8, 3)]);
    expect(r.lastIndex()).to.equal(8);
    await r.close();
  });

  it('stops entries() after the entry that exceeds maxBytes, but always returns at least one', async () => {
    const s = NodeStorage.open(temp.make(), new RecordingLogger());
    s.append(range(1, 10, 1)); // each entry: tid "tid-N" + data "data-N" = 11 or 12 bytes
    expect(s.entries(1, 11, 1)).to.have.length(1);
    expect(s.entries(1, 11, 25).map((e) => e.index)).to.deep.equal([1, 2]);
    expect(s.entries(3, 5).map((e) => e.index)).to.deep.equal([3, 4]);
    expect(s.entries(9, 100).map((e) => e.index)).to.deep.equal([9, 10]);
    await s.close();
  });

  it('refuses to rewrite a committed entry with another term, and tolerates it offered again unchanged', async () => {
    const s = NodeStorage.open(temp.make(), new RecordingLogger());
    s.append(range(1, 5, 1));
    await s.sync();
    s.appendCommitted(range(1, 3, 1));
    s.append([entry(3, 1), entry(4, 2)]);
    expect(s.term(4)).to.equal(2);
    expect(() => s.append([entry(2, 5)])).to.throw(/committed entry 2/);
    expect(() => s.append([entry(9, 2)])).to.throw(/gap/);
    await s.close();
  });

  it('appendCommitted never throws (it runs from a timer too): a failure makes every later sync() reject with it', async () => {
    const dir = temp.make();
    const s = NodeStorage.open(dir, new RecordingLogger());
    s.append(range(1, 3, 1));
    await s.sync();
    expect(() => s.appendCommitted([entry(4, 1)])).not.to.throw();
    let caught: unknown = null;
    await s.sync().catch((err: unknown) => (caught = err));
    expect((caught as Error).message).to.contain('entry 4 is beyond the log');
    expect(() => s.appendCommitted(range(1, 3, 1))).not.to.throw();
    expect(s.appliedIndex()).to.equal(0); // nothing more is written after a failure
    await s.close().catch(() => {}); // close syncs first, which fails the same way
  });

  it('makes a term/vote change durable at the next sync, atomically, ignoring a leftover temp file', async () => {
    const dir = temp.make();
    const s = NodeStorage.open(dir, new RecordingLogger());
    s.setHardState({ term: 7, vote: 'n2', commit: 0 });
    await s.sync();
    // Read while still open: sync() alone must have put it on disk.
    expect(readFileSync(join(dir, 'hardstate'), 'utf8')).to.match(/^[0-9a-f]{8} \{"term":7,"vote":"n2","commit":0\}\n$/);
    await s.close();
    // A crash in the middle of the next write leaves hardstate.tmp behind: the old file is what counts.
    writeFileSync(join(dir, 'hardstate.tmp'), '{"term":8,');
    const r = NodeStorage.open(dir, new RecordingLogger());
    expect(r.hardState()).to.deep.equal({ term: 7, vote: 'n2', commit: 0 });
    expect(existsSync(join(dir, 'hardstate.tmp'))).to.equal(false);
    await r.close();
  });

  it('writes a commit-index-only change lazily, but at the latest on close', async () => {
    const dir = temp.make();
    const s = NodeStorage.open(dir, new RecordingLogger(), { lazyCommitMs: 60_000 });
    s.append(range(1, 5, 1)); // hardstate never claims a commit index beyond the entries on disk
    s.setHardState({ term: 1, vote: 'n1', commit: 0 });
    await s.sync();
    s.setHardState({ term: 1, vote: 'n1', commit: 5 });
    await s.sync();
    expect(readFileSync(join(dir, 'hardstate'), 'utf8')).to.contain('"commit":0');
    await s.close();
    expect(readFileSync(join(dir, 'hardstate'), 'utf8')).to.contain('"commit":5');
  });

  it('group commit: many concurrent sync() calls share a few fsync rounds', async () => {
    const dir = temp.make();
    const s = NodeStorage.open(dir, new RecordingLogger());
    const calls: Promise<void>[] = [];
    for (let i = 1; i <= 200; i++) {
      s.append([entry(i, 1)]);
      calls.push(s.sync());
    }
    await Promise.all(calls);
    // One flush starts at the first call; all 199 others arrive while it runs and share the one queued after it.
    expect(s.stats().flushes).to.equal(2);
    await s.close();
    const r = NodeStorage.open(dir, new RecordingLogger());
    expect(r.lastIndex()).to.equal(200);
    await r.close();
  });

  it('a sync() called after a write never resolves before a flush that started after that write', async () => {
    const s = NodeStorage.open(temp.make(), new RecordingLogger());
    s.append([entry(1, 1)]);
    const first = s.sync();
    s.append([entry(2, 1)]); // written while the first flush may already be running
    const second = s.sync();
    await Promise.all([first, second]);
    // The second call could not share the running flush: it needed one of its own.
    expect(s.stats().flushes).to.equal(2);
    await s.close();
  });

  it('deletes WAL segments once the raftlog covers them, and serves old entries from the raftlog', async () => {
    const dir = temp.make();
    const s = NodeStorage.open(dir, new RecordingLogger(), { segmentBytes: 2048, keepApplied: 5 });
    for (let i = 1; i <= 400; i++) s.append([entry(i, i <= 200 ? 1 : 2, i % 3 === 0 ? 'set' : 'add')]);
    await s.sync();
    const before = segments(dir).length;
    expect(before).to.be.greaterThan(10);
    s.appendCommitted(s.entries(1, 351));
    await s.sync();
    const after = segments(dir).length;
    expect(after).to.be.lessThan(before / 2);
    expect(s.stats().entriesInMemory).to.be.at.most(400 - 350 + 5);
    // Everything still answerable, across the raftlog/memory boundary, with and without a byte budget.
    expect(s.lastIndex()).to.equal(400);
    expect(s.term(1)).to.equal(1);
    expect(s.term(200)).to.equal(1);
    expect(s.term(201)).to.equal(2);
    const all = s.entries(1, 401);
    expect(all.map((e) => e.index)).to.deep.equal(Array.from({ length: 400 }, (_, k) => k + 1));
    expect(all[299]).to.deep.equal(entry(300, 2, 'set'));
    // 340 and 341 carry 15 bytes each (tid + data), 342 is a 'set' with a 5-byte key (20): 50; 343 would make 65.
    const cut = s.entries(340, 401, 60);
    expect(cut.map((e) => e.index)).to.deep.equal([340, 341, 342]);
    // Across the boundary: 344, 345 come from the raftlog file, 346 from memory (15 + 20 + 15 = 50; 347 makes 65).
    expect(s.stats().entriesInMemory).to.equal(55);
    expect(s.entries(344, 401, 60).map((e) => e.index)).to.deep.equal([344, 345, 346]);
    await s.close();

    const r = NodeStorage.open(dir, new RecordingLogger(), { segmentBytes: 2048, keepApplied: 5 });
    expect(r.lastIndex()).to.equal(400);
    expect(r.appliedIndex()).to.equal(350);
    expect(r.entries(1, 401)).to.deep.equal(all);
    expect(r.term(350)).to.equal(2);
    // Reads from anywhere in the raftlog, in any order (sparse index and cursors), give the same entries.
    for (const lo of [349, 1, 200, 17, 350, 351, 2]) {
      expect(r.entries(lo, lo + 3)).to.deep.equal(all.slice(lo - 1, lo + 2));
    }
    await r.close();
  });

  it('serves a long raftlog (several sparse-index strides) to a lagging follower in order', async () => {
    const dir = temp.make();
    const n = 5000;
    await writeCommittedLog(dir, range(1, n, 1), { keepApplied: 0 });
    const r = NodeStorage.open(dir, new RecordingLogger(), { keepApplied: 0 });
    expect(r.stats().entriesInMemory).to.equal(0);
    let next = 1;
    while (next <= n) {
      const batch = r.entries(next, n + 1, 4000);
      expect(batch[0].index).to.equal(next);
      for (let k = 0; k < batch.length; k++) expect(batch[k]).to.deep.equal(entry(next + k, 1));
      next += batch.length;
    }
    await r.close();
  });
});
