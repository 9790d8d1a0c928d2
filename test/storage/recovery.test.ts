// What restart does with damaged files: a torn tail (the crash hit the last write, nothing synced was lost) is cut
// off with one warning naming the file and offset; damage anywhere else stops the node with CorruptionError.
import { expect } from 'chai';
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptionError, NodeStorage } from '../../src/storage/node-storage.js';
import { formatRaftlogBase, formatRaftlogLine } from '../../src/storage/raftlog-format.js';
import { entry, lineWithCrc, range, RecordingLogger, segments, TempDirs, writeCommittedLog } from './helpers.js';

/** A data dir whose single WAL segment holds three records: entries 1-3, 4-6, 7-9. Returns the record offsets. */
async function threeRecords(dir: string): Promise<{ wal: string; offsets: number[] }> {
  const s = NodeStorage.open(dir, new RecordingLogger());
  s.append(range(1, 3, 1));
  s.append(range(4, 6, 1));
  s.append(range(7, 9, 2));
  await s.sync();
  await s.close();
  const [wal] = segments(dir);
  const buf = readFileSync(wal);
  const offsets = [0];
  for (let k = 0; k < 2; k++) offsets.push(offsets[k] + 8 + buf.readUInt32LE(offsets[k]));
  return { wal, offsets };
}

function flipByte(file: string, offset: number): void {
  const buf = readFileSync(file);
  buf[offset] ^= 0x5a;
  writeFileSync(file, buf);
}

function expectCorruption(fn: () => unknown, file: string, offset: number): CorruptionError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a CorruptionError').to.be.instanceOf(CorruptionError);
  const err = caught as CorruptionError;
  expect(err.file).to.equal(file);
  expect(err.offset).to.equal(offset);
  expect(err.message).to.contain(file).and.to.contain(`offset ${offset}`);
  expect(err.message).not.to.contain('\n');
  return err;
}

describe('storage recovery', function () {
  this.timeout(20_000);
  const temp = new TempDirs();
  after(() => temp.removeAll());

  describe('write-ahead log', () => {
    it('drops a torn last record (cut short) with one warning and keeps everything before it', async () => {
      const dir = temp.make();
      const { wal, offsets } = await threeRecords(dir);
      truncateSync(wal, statSync(wal).size - 5);
      const logger = new RecordingLogger();
      const s = NodeStorage.open(dir, logger);
      expect(s.lastIndex()).to.equal(6);
      expect(s.entries(1, 10)).to.deep.equal(range(1, 6, 1));
      expect(logger.warnings).to.have.length(1);
      expect(logger.warnings[0]).to.contain(wal).and.to.contain(`offset ${offsets[2]}`);
      // The log goes on from there, and the cut is durable: a second restart finds nothing to warn about.
      s.append([entry(7, 3)]);
      await s.sync();
      await s.close();
      const again = new RecordingLogger();
      const r = NodeStorage.open(dir, again);
      expect(r.lastIndex()).to.equal(7);
      expect(r.term(7)).to.equal(3);
      expect(again.warnings).to.deep.equal([]);
      await r.close();
    });

    it('drops a last record whose checksum fails because a sector of it is zeros (a torn write), and a zero-filled tail', async () => {
      const dir = temp.make();
      const s0 = NodeStorage.open(dir, new RecordingLogger());
      s0.append(range(1, 6, 1));
      s0.append(range(7, 30, 2).map((e) => ({ ...e, data: 'x'.repeat(100) })));
      await s0.sync();
      await s0.close();
      const [wal] = segments(dir);
      const buf = readFileSync(wal);
      const second = 8 + buf.readUInt32LE(0);
      const sector = Math.ceil((second + 8) / 512) * 512; // the first whole sector inside the last record
      expect(sector + 512).to.be.lessThan(buf.length);
      buf.fill(0, sector, sector + 512);
      writeFileSync(wal, buf);
      const logger = new RecordingLogger();
      const s = NodeStorage.open(dir, logger);
      expect(s.lastIndex()).to.equal(6);
      expect(logger.warnings[0]).to.contain('checksum').and.to.contain(`offset ${second}`);
      await s.close();
      const offsets = [0, 0, second];
      appendFileSync(wal, Buffer.alloc(4096));
      const zeros = new RecordingLogger();
      const r = NodeStorage.open(dir, zeros);
      expect(r.lastIndex()).to.equal(6);
      expect(zeros.warnings).to.have.length(1);
      expect(zeros.warnings[0]).to.contain(`offset ${offsets[2]}`);
      await r.close();
    });

    it('refuses a complete last record whose checksum fails without a zero sector (a flipped bit in an acknowledged record)', async () => {
      // Found by the storage fuzz test: dropped as "torn", the node forgot entries it had acknowledged, and the
      // leader, which never sends below what a follower acknowledged, left it behind for good.
      const dir = temp.make();
      const { wal, offsets } = await threeRecords(dir);
      flipByte(wal, offsets[2] + 30);
      const err = expectCorruption(() => NodeStorage.open(dir, new RecordingLogger()), wal, offsets[2]);
      expect(err.message).to.contain('checksum');
    });

    it('refuses a corrupt record in the middle with CorruptionError naming the file and offset', async () => {
      const dir = temp.make();
      const { wal, offsets } = await threeRecords(dir);
      flipByte(wal, offsets[1] + 20);
      expectCorruption(() => NodeStorage.open(dir, new RecordingLogger()), wal, offsets[1]);
    });

    it('refuses a damaged length field in the middle', async () => {
      const dir = temp.make();
      const { wal, offsets } = await threeRecords(dir);
      flipByte(wal, offsets[1]);
      expectCorruption(() => NodeStorage.open(dir, new RecordingLogger()), wal, offsets[1]);
    });

    it('refuses a bad record at the end of a segment that is not the last one', async () => {
      const dir = temp.make();
      const s = NodeStorage.open(dir, new RecordingLogger(), { segmentBytes: 256 });
      for (let i = 1; i <= 20; i++) s.append([entry(i, 1)]);
      await s.sync();
      await s.close();
      const segs = segments(dir);
      expect(segs.length).to.be.greaterThan(2);
      const size = statSync(segs[0]).size;
      truncateSync(segs[0], size - 3);
      const buf = readFileSync(segs[0]);
      let off = 0;
      while (off + 8 + buf.readUInt32LE(off) <= buf.length) off += 8 + buf.readUInt32LE(off);
      expectCorruption(() => NodeStorage.open(dir, new RecordingLogger(), { segmentBytes: 256 }), segs[0], off);
    });
  });

  describe('raftlog', () => {
    it('cuts off a torn last line (no newline) with a warning when the WAL holds its entry', async () => {
      // As after a real crash: a raftlog line is written only once its entry is durable in the WAL.
      const dir = temp.make();
      await writeCommittedLog(dir, range(1, 6, 1), undefined, 5);
      const file = join(dir, 'raftlog');
      const good = statSync(file).size;
      appendFileSync(file, formatRaftlogLine(entry(6, 1)).slice(0, 20));
      const logger = new RecordingLogger();
      const s = NodeStorage.open(dir, logger);
      expect(s.appliedIndex()).to.equal(5);
      expect(logger.warnings).to.have.length(1);
      expect(logger.warnings[0]).to.contain(file).and.to.contain(`offset ${good}`);
      expect(statSync(file).size).to.equal(good);
      await s.close();
    });

    it('cuts off an unparsable last line that does end in a newline when the WAL holds its entry', async () => {
      const dir = temp.make();
      await writeCommittedLog(dir, range(1, 6, 1), undefined, 5);
      const file = join(dir, 'raftlog');
      const good = statSync(file).size;
      appendFileSync(file, '{"index":6,"term":1,"type":"add","ti\n');
      const logger = new RecordingLogger();
      const s = NodeStorage.open(dir, logger);
      expect(s.appliedIndex()).to.equal(5);
      expect(logger.warnings[0]).to.contain(`offset ${good}`);
      await s.close();
    });

    it('refuses a damaged last line the WAL does not hold: it had been durable, so it is damage, not a torn write', async () => {
      const dir = temp.make();
      await writeCommittedLog(dir, range(1, 5, 1));
      truncateSync(segments(dir)[0], 0); // as once the raftlog's fsync covered the segment and it was deleted
      const file = join(dir, 'raftlog');
      const text = readFileSync(file, 'utf8');
      const fifth = text.indexOf('{"index":5,');
      writeFileSync(file, text.replace('"data-5"', '"data-X"'));
      const err = expectCorruption(() => NodeStorage.open(dir, new RecordingLogger()), file, fifth);
      expect(err.message).to.contain('checksum mismatch').and.to.contain('does not hold entry 5');
      expect(readFileSync(file, 'utf8')).to.equal(text.replace('"data-5"', '"data-X"')); // left as found
    });

    it('refuses a bad line in the middle at open (every line carries a checksum) with CorruptionError naming the file and offset', async () => {
      const dir = temp.make();
      await writeCommittedLog(dir, range(1, 2000, 1));
      const file = join(dir, 'raftlog');
      const text = readFileSync(file, 'utf8');
      const third = text.indexOf('\n', text.indexOf('\n') + 1) + 1;
      writeFileSync(file, text.slice(0, third) + 'garbage' + text.slice(third + 7));
      expectCorruption(() => NodeStorage.open(dir, new RecordingLogger(), { keepApplied: 0 }), file, third);
      // A sampled line (index 1025) that is damaged likewise.
      let at = 0;
      for (let k = 0; k < 1024; k++) at = text.indexOf('\n', at) + 1;
      writeFileSync(file, text.slice(0, at) + 'garbage' + text.slice(at + 7));
      expectCorruption(() => NodeStorage.open(dir, new RecordingLogger()), file, at);
    });

    it('checks every line in a worker thread with verifyInBackground: open() returns, verified() rejects naming the line', async () => {
      const dir = temp.make();
      await writeCommittedLog(dir, range(1, 3000, 1));
      const file = join(dir, 'raftlog');
      const text = readFileSync(file, 'utf8');
      const at = text.indexOf('{"index":2000,');
      writeFileSync(file, text.replace('"data-2000"', '"data-2X00"'));
      truncateSync(segments(dir)[0], 0); // only the checksum can tell
      const s = NodeStorage.open(dir, new RecordingLogger(), { verifyInBackground: true, backgroundVerifyMinBytes: 0 });
      let caught: unknown = null;
      await s.verified().catch((err: unknown) => (caught = err));
      expect(caught).to.be.instanceOf(CorruptionError);
      expect((caught as CorruptionError).file).to.equal(file);
      expect((caught as CorruptionError).offset).to.equal(Buffer.byteLength(text.slice(0, at)));
      expect((caught as CorruptionError).message).to.contain('line 2000: checksum mismatch');
      await s.close();
      // And an intact file passes.
      writeFileSync(file, text);
      const r = NodeStorage.open(dir, new RecordingLogger(), { verifyInBackground: true, backgroundVerifyMinBytes: 0 });
      await r.verified();
      await r.close();
    });

    it('refuses a line whose term disagrees with the terms around it (checksum recomputed, no WAL to compare with)', async () => {
      const dir = temp.make();
      await writeCommittedLog(dir, range(1, 10, 2));
      truncateSync(segments(dir)[0], 0);
      const file = join(dir, 'raftlog');
      const text = readFileSync(file, 'utf8');
      const fifth = text.indexOf('{"index":5,');
      writeFileSync(file, text.replace(formatRaftlogLine(entry(5, 2)), formatRaftlogLine(entry(5, 3))));
      const r = NodeStorage.open(dir, new RecordingLogger());
      expectCorruption(() => r.forEachCommitted(() => {}), file, fifth);
      await r.close();
    });

    it('refuses a line whose index is not its line number, even the last one', async () => {
      const dir = temp.make();
      await writeCommittedLog(dir, range(1, 5, 1));
      const file = join(dir, 'raftlog');
      const size = statSync(file).size;
      appendFileSync(file, formatRaftlogLine(entry(7, 1)) + '\n');
      expectCorruption(() => NodeStorage.open(dir, new RecordingLogger()), file, size);
    });

    it('reports a line damaged past its prefix (checksum recomputed, no WAL) when it is scanned (forEachCommitted) or read', async () => {
      const dir = temp.make();
      await writeCommittedLog(dir, range(1, 5, 1));
      truncateSync(segments(dir)[0], 0);
      const file = join(dir, 'raftlog');
      const text = readFileSync(file, 'utf8');
      const second = text.indexOf('\n') + 1;
      const bad = lineWithCrc(formatRaftlogBase(entry(2, 1)).replace('"data"', '"dat\u0001"'));
      writeFileSync(file, text.replace(formatRaftlogLine(entry(2, 1)), bad));
      const s = NodeStorage.open(dir, new RecordingLogger(), { keepApplied: 0 });
      expectCorruption(() => s.forEachCommitted(() => {}), file, second);
      expectCorruption(() => s.entries(2, 3), file, second);
      await s.close();
    });
  });

  describe('hardstate', () => {
    it('refuses a damaged hardstate file instead of starting from term 0', async () => {
      const dir = temp.make();
      const s = NodeStorage.open(dir, new RecordingLogger());
      s.setHardState({ term: 4, vote: 'n3', commit: 0 });
      await s.close();
      const file = join(dir, 'hardstate');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"term":4', '"term":1'));
      expectCorruption(() => NodeStorage.open(dir, new RecordingLogger()), file, 0);
    });
  });

  describe('crash between the raftlog and the WAL', () => {
    it('accepts a raftlog ahead of the WAL (the WAL tail was lost): committed entries are the log', async () => {
      const dir = temp.make();
      await writeCommittedLog(dir, range(1, 6, 1));
      const [wal] = segments(dir);
      truncateSync(wal, 0);
      const r = NodeStorage.open(dir, new RecordingLogger());
      expect(r.lastIndex()).to.equal(6);
      expect(r.entries(1, 7)).to.deep.equal(range(1, 6, 1));
      r.append([entry(7, 2)]);
      expect(r.lastIndex()).to.equal(7);
      await r.close();
    });

    it('refuses a WAL whose records leave a gap after the raftlog', async () => {
      const dir = temp.make();
      const s = NodeStorage.open(dir, new RecordingLogger(), { segmentBytes: 200 });
      for (let i = 1; i <= 10; i++) s.append([entry(i, 1)]);
      await s.sync();
      await s.close();
      const segs = segments(dir);
      writeFileSync(segs[0], ''); // an emptied old segment: entries 1.. are gone and the raftlog does not have them
      expect(() => NodeStorage.open(dir, new RecordingLogger(), { segmentBytes: 200 })).to.throw(CorruptionError, /gap/);
    });
  });
});
