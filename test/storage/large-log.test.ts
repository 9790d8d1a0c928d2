// A long log generated straight into files (as after steady load: raftlog, a WAL segment overlapping its end plus
// unapplied entries, hardstate): restart finds everything, with terms changing inside sparse-index strides, and
// keeps only the unapplied tail in memory. Timing here is a hang catcher only; measure-restart.ts gives figures.
import { expect } from 'chai';
import { join } from 'node:path';
import { NodeStorage } from '../../src/storage/node-storage.js';
import { generatedEntry, writeLargeDataDir, type LargeDirOptions } from './large-data-dir.js';
import { RecordingLogger, TempDirs } from './helpers.js';

describe('storage with a long log', function () {
  this.timeout(60_000);
  const temp = new TempDirs();
  after(() => temp.removeAll());

  const opts: LargeDirOptions = { committed: 200_000, walApplied: 20_000, walUnapplied: 150, valueBytes: 100, keys: 1000, type: 'set' };

  it('restarts with 200,000 committed entries: log, terms, reads from anywhere, the startup scan', () => {
    const dir = join(temp.make(), 'node');
    writeLargeDataDir(dir, opts);
    const logger = new RecordingLogger();
    const s = NodeStorage.open(dir, logger);
    try {
      expect(logger.warnings).to.deep.equal([]);
      const last = opts.committed + opts.walUnapplied;
      expect(s.lastIndex()).to.equal(last);
      expect(s.appliedIndex()).to.equal(opts.committed);
      expect(s.stats().entriesInMemory).to.equal(opts.walUnapplied);
      expect(s.stats().termRuns).to.equal(3);
      // Terms at and around each change (which fall inside strides of the sparse index), and at the ends.
      const changes: number[] = [];
      for (let i = 2; i <= last; i++) if (generatedEntry(i, opts).term !== generatedEntry(i - 1, opts).term) changes.push(i);
      expect(changes).to.have.length(2);
      const probes = [1, 2, 1023, 1024, 1025, ...changes.flatMap((c) => [c - 1, c, c + 1]), 199_999, 200_000, 200_001, last];
      for (const i of probes) expect(s.term(i), `term(${i})`).to.equal(generatedEntry(i, opts).term);
      for (const i of probes) expect(s.entries(i, i + 2)).to.deep.equal([generatedEntry(i, opts), ...(i < last ? [generatedEntry(i + 1, opts)] : [])]);
      // A follower catching up from far behind, in byte-bounded batches, across the raftlog/memory boundary.
      let next = opts.committed - 5000;
      while (next <= last) {
        const batch = s.entries(next, last + 1, 64 * 1024);
        expect(batch[0]).to.deep.equal(generatedEntry(next, opts));
        expect(batch[batch.length - 1]).to.deep.equal(generatedEntry(next + batch.length - 1, opts));
        next += batch.length;
      }
      let count = 0;
      let lastIndex = 0;
      s.forEachCommitted((e) => {
        count++;
        lastIndex = e.index;
      });
      expect(count).to.equal(opts.committed);
      expect(lastIndex).to.equal(opts.committed);
    } finally {
      void s.close();
    }
  });
});
