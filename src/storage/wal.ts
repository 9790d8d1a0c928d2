// The write-ahead log: segment files in wal/, named <seq>-<first index>.wal (16 decimal digits each; seq orders them,
// because after a suffix replacement a newer segment may start at a lower index than an older one).
// Appends go to the page cache with writeSync (cheap, keeps the order of Readys); syncAsync() fdatasyncs them.
// A segment that grew past segmentBytes is fdatasynced synchronously before the next one is created, so a torn
// record can only ever be at the end of the LAST segment: anywhere else, a bad record is corruption.
// Segments are deleted oldest first once every entry in them is in the durable raftlog.
import { closeSync, fdatasyncSync, fstatSync, openSync, readdirSync, readSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry } from '../raft/types.js';
import type { Logger } from '../util/logger.js';
import { CorruptionError } from './corruption-error.js';
import { fdatasyncAsync, fsyncDirAsync } from './fsync.js';
import { decodeRecordAt, encodeRecord, RECORD_HEADER_BYTES, type DecodedRecord } from './wal-record.js';

const SEGMENT_NAME = /^(\d{16})-(\d{16})\.wal$/;

interface Segment {
  seq: number;
  path: string;
  /** Highest index written in it (0 if none): it may go once the durable raftlog reaches this. */
  maxIndex: number;
}

/** What replay hands to the caller, in log order: the record plus where it is (for error messages). */
export interface ReplayedRecord extends DecodedRecord {
  file: string;
  offset: number;
}

export class Wal {
  private readonly segments: Segment[] = [];
  /** The segment appends go to (the last one), or null before the first append into an empty wal/. */
  private activeFd: number | null = null;
  private activeSize = 0;
  /** Segments rolled past; closed by the next completed sync, when no fdatasync can still be using them. */
  private retiredFds: number[] = [];
  private dirty = false;
  private dirDirty = false;

  /**
   * Replays every record in order through `onRecord` (which may throw CorruptionError, e.g. for an index gap).
   * A torn last record of the last segment is cut off with a warning; any other bad record throws CorruptionError.
   */
  static open(dir: string, logger: Logger, segmentBytes: number, onRecord: (r: ReplayedRecord) => void): Wal {
    return new Wal(dir, logger, segmentBytes, onRecord);
  }

  private constructor(
    private readonly dir: string,
    logger: Logger,
    private readonly segmentBytes: number,
    onRecord: (r: ReplayedRecord) => void,
  ) {
    const names = readdirSync(dir).sort();
    for (const name of names) {
      const m = SEGMENT_NAME.exec(name);
      if (m === null) {
        if (!name.endsWith('.tmp')) logger.warn(`${join(dir, name)}: not a write-ahead log segment, ignored`);
        continue;
      }
      this.segments.push({ seq: Number(m[1]), path: join(dir, name), maxIndex: 0 });
    }
    for (let s = 0; s < this.segments.length; s++) {
      const seg = this.segments[s];
      const isLastSegment = s === this.segments.length - 1;
      const size = this.replaySegment(seg, isLastSegment, logger, onRecord);
      if (isLastSegment) {
        this.activeFd = openSync(seg.path, 'a');
        this.activeSize = size;
      }
    }
  }

  /** Returns the segment's valid length (after cutting a torn tail off the last segment). */
  private replaySegment(seg: Segment, isLastSegment: boolean, logger: Logger, onRecord: (r: ReplayedRecord) => void): number {
    const file = new SegmentReader(seg.path);
    try {
      let off = 0;
      while (off < file.size) {
        const view = file.record(off);
        const frame = decodeRecordAt(view, 0);
        if (!frame.ok) {
          // Torn: the crash hit the last write. It runs past the end, or is followed by zeros only (a file extended
          // but never written), or fails its checksum with nothing after it AND holds a whole zero sector (pages of
          // the write that never reached the disk). A complete last record failing its checksum without one is
          // damage (a flipped bit): it had been fsynced and acknowledged, and dropping it would make this node forget
          // entries a leader counted on (etcd's WAL decoder draws the same line: isTornEntry). Only the last segment
          // can be torn.
          const endsFile = view.length >= RECORD_HEADER_BYTES && off + RECORD_HEADER_BYTES + view.readUInt32LE(0) === file.size;
          const torn = frame.runsPastEnd || (frame.why === 'checksum mismatch' && endsFile && hasZeroSector(view, off)) || file.zerosFrom(off);
          if (!isLastSegment || !torn) throw new CorruptionError(seg.path, off, frame.why);
          logger.warn(`${seg.path}: dropping a torn last record at byte offset ${off} (${frame.why}; ${file.size - off} bytes)`);
          truncateSync(seg.path, off);
          return off;
        }
        const rec = frame.record;
        try {
          onRecord({ ...rec, end: off + rec.end, file: seg.path, offset: off });
        } catch (err) {
          if (err instanceof CorruptionError) throw err;
          throw new CorruptionError(seg.path, off, (err as Error).message);
        }
        if (rec.count > 0) seg.maxIndex = Math.max(seg.maxIndex, rec.first + rec.count - 1);
        off += rec.end;
      }
      return file.size;
    } finally {
      file.close();
    }
  }

  /** Writes one record for entries (entries[0].index = first) to the page cache. */
  append(first: number, entries: Entry[]): void {
    if (entries.length === 0) return;
    const rec = encodeRecord(first, entries);
    try {
      if (this.activeFd === null || this.activeSize >= this.segmentBytes) this.roll(first);
      let done = 0;
      while (done < rec.length) done += writeSync(this.activeFd as number, rec, done, rec.length - done);
    } catch (err) {
      throw new Error(`cannot write ${this.activePath()}: ${(err as Error).message}`);
    }
    this.activeSize += rec.length;
    const seg = this.segments[this.segments.length - 1];
    seg.maxIndex = Math.max(seg.maxIndex, first + entries.length - 1);
    this.dirty = true;
  }

  private roll(first: number): void {
    if (this.activeFd !== null) {
      // Finish the old segment now (rare: once per segmentBytes), so only the last segment can ever be torn.
      fdatasyncSync(this.activeFd);
      this.retiredFds.push(this.activeFd);
    }
    const seq = this.segments.length > 0 ? this.segments[this.segments.length - 1].seq + 1 : 1;
    const path = join(this.dir, `${pad16(seq)}-${pad16(first)}.wal`);
    this.activeFd = openSync(path, 'a');
    this.activeSize = 0;
    this.segments.push({ seq, path, maxIndex: 0 });
    this.dirDirty = true;
  }

  /** Makes every record written so far durable (and the names of new segments). */
  async sync(): Promise<{ fsyncs: number }> {
    const retired = this.retiredFds;
    this.retiredFds = [];
    const work: Promise<void>[] = [];
    if (this.dirty && this.activeFd !== null) work.push(fdatasyncAsync(this.activeFd));
    if (this.dirDirty) work.push(fsyncDirAsync(this.dir));
    this.dirty = false;
    this.dirDirty = false;
    try {
      await Promise.all(work);
    } catch (err) {
      throw new Error(`cannot fdatasync ${this.activePath()}: ${(err as Error).message}`);
    } finally {
      for (const fd of retired) closeSync(fd);
    }
    return { fsyncs: work.length };
  }

  /** fdatasync of the active segment, synchronously (at open: what replay read is the log from now on). */
  syncSync(): void {
    if (this.activeFd !== null) fdatasyncSync(this.activeFd);
  }

  /** The segment appends go to (for error messages); the folder before the first one exists. */
  private activePath(): string {
    return this.segments.length > 0 ? this.segments[this.segments.length - 1].path : this.dir;
  }

  /**
   * Deletes the oldest segments whose entries are all <= durableIndex (in the synced raftlog), never the active one.
   * Only a prefix goes: a newer segment's suffix replacement must not outlive the entries it replaced.
   * No directory fsync: a deleted segment that reappears after a crash only holds entries the raftlog has.
   */
  removeCovered(durableIndex: number): number {
    let removed = 0;
    while (this.segments.length > 1 && this.segments[0].maxIndex <= durableIndex) {
      unlinkSync((this.segments.shift() as Segment).path);
      removed++;
    }
    return removed;
  }

  segmentCount(): number {
    return this.segments.length;
  }

  close(): void {
    for (const fd of this.retiredFds) closeSync(fd);
    this.retiredFds = [];
    if (this.activeFd !== null) closeSync(this.activeFd);
    this.activeFd = null;
  }
}

/** Sector size for hasZeroSector: the smallest unit a disk writes whole. */
const SECTOR = 512;

/** True if the record's bytes (starting at file offset off), cut at sector boundaries, hold a piece that is all zeros. */
function hasZeroSector(view: Buffer, off: number): boolean {
  for (let a = 0; a < view.length; ) {
    const b = Math.min(view.length, a + SECTOR - ((off + a) % SECTOR));
    let zero = true;
    for (let k = a; k < b && zero; k++) zero = view[k] === 0;
    if (zero) return true;
    a = b;
  }
  return false;
}

function pad16(n: number): string {
  return String(n).padStart(16, '0');
}

/**
 * Reads a segment record by record through one buffer (1 MB, grown only for a bigger record), so replaying a 64 MB
 * segment does not hold 64 MB at once: restart's peak memory stays near its steady state.
 */
class SegmentReader {
  private readonly fd: number;
  readonly size: number;
  private buf = Buffer.allocUnsafe(1 << 20);
  /** File offset of buf[0] and how many bytes from there are loaded. */
  private start = 0;
  private filled = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  /** The bytes of the record at off: header and payload as far as the file has them (shorter if it is torn). */
  record(off: number): Buffer {
    const head = this.load(off, RECORD_HEADER_BYTES);
    if (head.length < RECORD_HEADER_BYTES) return head;
    return this.load(off, RECORD_HEADER_BYTES + head.readUInt32LE(0));
  }

  /** True if every byte from off to the end of the file is zero. */
  zerosFrom(off: number): boolean {
    for (let p = off; p < this.size; p += this.buf.length) {
      const part = this.load(p, Math.min(this.buf.length, this.size - p));
      for (let k = 0; k < part.length; k++) if (part[k] !== 0) return false;
    }
    return true;
  }

  /** A view of [off, off+n) clipped to the end of the file, valid until the next call. */
  private load(off: number, n: number): Buffer {
    const want = Math.min(n, this.size - off);
    if (off < this.start || off + want > this.start + this.filled) {
      if (want > this.buf.length) this.buf = Buffer.allocUnsafe(want);
      this.start = off;
      this.filled = 0;
      while (this.filled < Math.min(this.buf.length, this.size - off)) {
        const got = readSync(this.fd, this.buf, this.filled, Math.min(this.buf.length, this.size - off) - this.filled, off + this.filled);
        if (got === 0) break;
        this.filled += got;
      }
    }
    return this.buf.subarray(off - this.start, off - this.start + Math.min(want, this.filled - (off - this.start)));
  }

  close(): void {
    closeSync(this.fd);
  }
}
