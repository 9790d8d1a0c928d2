// The raftlog file: committed entries, one canonical JSON line per index (line k holds index k), append-only.
// It is also where old log entries are read from: once an entry is in the raftlog it is never rewritten, so the
// write-ahead log need not keep it. Memory stays flat as the file grows: a sparse index (the byte offset of every
// STRIDE-th line) plus a few read cursors turn "entries from index i" into one positioned read near i.
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { Entry, EntryType } from '../raft/types.js';
import type { Logger } from '../util/logger.js';
import { CorruptionError } from './corruption-error.js';
import { fdatasyncAsync } from './fsync.js';
import { ChunkReader, type LineChunk, type LineHead } from './raftlog-chunk.js';
import { formatRaftlogLine } from './raftlog-format.js';
import type { TermRuns } from './term-runs.js';

/** Lines between two sparse-index points: a read skips at most this many lines (~100 KB) to reach its start. */
const STRIDE = 1024;
/** Startup scans read this much per system call. */
const SCAN_CHUNK = 4 << 20;
/** Random reads (a follower catching up) start with this much and grow for long lines. */
const READ_CHUNK = 64 << 10;
/** Where recent reads ended, so a follower being fed batch after batch does not re-skip from the sparse point. */
const CURSORS = 8;

import { entryBytes } from '../raft/raft-log.js';

export { entryBytes };

interface Sample {
  index: number;
  term: number;
  offset: number;
}

interface Cursor {
  index: number;
  offset: number;
}

export class RaftlogFile {
  private readonly fd: number;
  /** Bytes of complete lines. */
  private size = 0;
  private last = 0;
  /** sparse[k] = byte offset of the line holding index k*STRIDE+1. */
  private readonly sparse: number[] = [];
  private cursors: Cursor[] = [];
  private readonly scratch = Buffer.allocUnsafe(READ_CHUNK);
  private dirty = false;

  /**
   * Opens (creating) the raftlog, checks every line's own checksum, and learns, without parsing every line, where every
   * STRIDE-th line starts and the term of every index (pushed into `terms`: the raftlog is the log's committed prefix).
   * Per line this costs a newline search and one native crc32 call; only the sampled lines and the last one are
   * parsed here, which keeps a restart of 1,000,000 entries near a checksum pass over the file. Every other line is
   * checked for its index and term when it is read (forEachCommitted reads them all at startup). A bad last line is
   * left in place and reported by tornTail(): whether it may be cut off (a write torn by a crash, restored from the
   * WAL) or is damage depends on the WAL, which the caller knows. Any other bad line throws CorruptionError.
   */
  static open(path: string, terms: TermRuns, checkAllLines = true): RaftlogFile {
    return new RaftlogFile(path, terms, checkAllLines);
  }

  /** A damaged last line (or bytes after the last newline) found at open, not yet cut off. */
  private torn: { offset: number; why: string; bytes: number } | null = null;

  /**
   * checkAllLines false: only the sampled lines' and the last line's checksums are checked here; the caller checks the
   * rest (raftlog-verify.ts, in a worker thread) over [0, validSize()).
   */
  private constructor(
    readonly path: string,
    private readonly terms: TermRuns,
    private readonly checkAllLines: boolean,
  ) {
    this.fd = openSync(path, 'a+');
    try {
      this.recover();
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  private recover(): void {
    const fileSize = fstatSync(this.fd).size;
    const reader = new ChunkReader(this.fd, 0, fileSize, SCAN_CHUNK);
    /** The sampled lines: every STRIDE-th and the last. */
    const samples: Sample[] = [];
    let torn: { offset: number; why: string } | null = null;
    let lines = 0;
    for (let chunk = reader.next(); chunk !== null && torn === null; chunk = reader.next()) {
      // Newlines are found natively (memchr on the bytes), each line's checksum by one crc32 call; just the sampled
      // lines are decoded.
      const buf = chunk.buf;
      for (let p = 0; p < chunk.length; ) {
        const nl = buf.indexOf(0x0a, p);
        const offset = chunk.offset + p;
        const isLast = chunk.offset + nl + 1 === fileSize;
        const sampled = lines % STRIDE === 0 || isLast;
        lines++;
        let bad = sampled || this.checkAllLines ? chunk.crcWhy(p, nl) : null;
        let head: LineHead | null = null;
        if (bad === null && sampled) {
          head = chunk.peek(p, nl);
          if (head === null) bad = 'not a raftlog line';
          else if (isLast) bad = parseError(chunk.line(p, nl), 0, nl - p);
        }
        // A crash can leave the last line half written (garbage, or no newline: see tornTail below): the caller
        // decides. A bad line before the last, or a well-formed one at the wrong index, is damage.
        if (bad !== null && isLast) {
          torn = { offset, why: `line ${lines}: ${bad}` };
          lines--;
          break;
        }
        if (bad !== null) throw new CorruptionError(this.path, offset, `line ${lines}: ${bad}`);
        if (head !== null) {
          const { index, term } = head;
          if (index !== lines) throw new CorruptionError(this.path, offset, `line ${lines} holds index ${index}`);
          if ((lines - 1) % STRIDE === 0) this.sparse.push(offset);
          samples.push({ index, term, offset });
        }
        this.size = chunk.offset + nl + 1;
        p = nl + 1;
      }
    }
    if (torn === null && reader.tornTail !== null) torn = { offset: reader.tornTail.offset, why: 'no newline at the end' };
    if (torn !== null) this.torn = { ...torn, bytes: fileSize - torn.offset };
    this.last = lines;
    this.learnTerms(samples);
  }

  /** Bytes of the complete lines (1..lastIndex()). */
  validSize(): number {
    return this.size;
  }

  /** The damaged tail found at open (it would hold index lastIndex()+1), or null. */
  tornTail(): { offset: number; why: string; bytes: number } | null {
    return this.torn;
  }

  /** Cuts off the damaged tail found at open; must run before the first append (appends go to the end of the file). */
  cutTornTail(logger: Logger, how: string): void {
    if (this.torn === null) return;
    logger.warn(`${this.path}: dropping a damaged last line at byte offset ${this.torn.offset} (${this.torn.why}; ${this.torn.bytes} bytes); ${how}`);
    ftruncateSync(this.fd, this.torn.offset);
    this.torn = null;
  }

  /**
   * Terms never decrease along a log, so two samples with the same term mean every line between has it; only a
   * stride whose ends differ (one per election at most) is read line by line to find where the term changed.
   */
  private learnTerms(samples: Sample[]): void {
    for (let k = 0; k < samples.length; k++) {
      const s = samples[k];
      const prev = k > 0 ? samples[k - 1] : null;
      if (prev !== null && s.term < prev.term) throw new CorruptionError(this.path, s.offset, `term ${s.term} at index ${s.index} is below term ${prev.term} at index ${prev.index}`);
      if (prev !== null && s.term !== prev.term) this.pushTermsAfter(prev, s.offset);
      this.pushTermRange(prev === null ? 1 : this.terms.lastIndex() + 1, s.index, s.term);
    }
    // After cutting a torn last line, the new last line was not sampled: read the few lines after the last sample.
    const lastSample = samples[samples.length - 1];
    if (lastSample !== undefined && lastSample.index < this.last) this.pushTermsAfter(lastSample, this.size);
  }

  /** Reads the lines after sample a up to file offset end, pushing each one's term. */
  private pushTermsAfter(a: Sample, end: number): void {
    const reader = new ChunkReader(this.fd, a.offset, end, READ_CHUNK, this.scratch);
    let index = a.index;
    for (let chunk = reader.next(); chunk !== null; chunk = reader.next()) {
      for (let p = 0; p < chunk.length; index++) {
        const nl = chunk.text.indexOf('\n', p);
        if (index > a.index) {
          const head = chunk.peek(p, nl);
          if (head === null || head.index !== index) throw new CorruptionError(this.path, chunk.offset + p, `line ${index}: not a raftlog line for index ${index}`);
          this.terms.push(index, head.term);
        }
        p = nl + 1;
      }
    }
  }

  /** Pushes term for from..to (inclusive) as one run: cheap however long. */
  private pushTermRange(from: number, to: number, term: number): void {
    this.terms.pushRun(from, to, term);
  }

  lastIndex(): number {
    return this.last;
  }

  /** Appends lines for entries lastIndex()+1, +2, ... to the page cache; durable after the next sync(). */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    let text = '';
    let offset = this.size;
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      if (e.index !== this.last + 1 + k) throw new Error(`internal: raftlog line ${this.last + 1 + k} offered index ${e.index}`);
      const line = formatRaftlogLine(e) + '\n';
      if ((e.index - 1) % STRIDE === 0) this.sparse.push(offset);
      offset += Buffer.byteLength(line);
      text += line;
    }
    const bytes = Buffer.from(text, 'utf8');
    let done = 0;
    // A write error (ENOSPC, EIO) leaves size and last as they were; the caller must stop using the file.
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.size = offset;
    this.last = entries[entries.length - 1].index;
    this.dirty = true;
  }

  /**
   * Reads entries lo <= index < hi (hi <= lastIndex()+1) into `out`, adding data+key+tid lengths to `bytes`; stops
   * after the entry that first exceeds maxBytes (an empty `out` always takes one). Returns the new byte total and
   * whether the budget stopped it.
   */
  read(lo: number, hi: number, maxBytes: number, out: Entry[], bytes: number): { bytes: number; full: boolean } {
    const end = Math.min(hi, this.last + 1);
    if (lo < 1 || lo >= end) return { bytes, full: false };
    const start = this.startFor(lo);
    const reader = new ChunkReader(this.fd, start.offset, this.size, READ_CHUNK, this.scratch);
    const check = new LineCheck(this.terms);
    let index = start.index;
    for (let chunk = reader.next(); chunk !== null; chunk = reader.next()) {
      const text = chunk.text;
      for (let p = 0; p < chunk.length; index++) {
        const nl = text.indexOf('\n', p);
        if (index >= lo) {
          const e = this.parse(chunk, p, nl, index, check) as Entry;
          bytes += entryBytes(e);
          if (out.length > 0 && bytes > maxBytes) {
            this.remember(index, chunk.offset + p);
            return { bytes, full: true };
          }
          out.push(e);
          if (index + 1 === end) {
            this.remember(index + 1, chunk.offset + nl + 1);
            return { bytes, full: false };
          }
        }
        p = nl + 1;
      }
    }
    throw new Error(`internal: ${this.path} ended before index ${end - 1}`);
  }

  /**
   * Calls fn(index, chunk, start, end) with the raw bytes of lines lo..hi (inclusive, hi <= lastIndex()) in order,
   * without parsing them; chunk.buf[start, end) is the line without its newline, valid during the call only.
   */
  forEachRawLine(lo: number, hi: number, fn: (index: number, chunk: LineChunk, start: number, end: number) => void): void {
    if (lo < 1 || lo > hi || hi > this.last) return;
    const start = this.startFor(lo);
    // Read about what the lines need (average line length), not a whole READ_CHUNK: the startup comparison with the
    // WAL calls this once per WAL record, a few dozen lines each.
    const want = Math.ceil(((hi - start.index + 1) * this.size) / this.last) + 1024;
    const buffer = this.scratch.subarray(0, Math.min(READ_CHUNK, Math.max(4096, want)));
    const reader = new ChunkReader(this.fd, start.offset, this.size, buffer.length, buffer);
    let index = start.index;
    for (let chunk = reader.next(); chunk !== null; chunk = reader.next()) {
      const buf = chunk.buf;
      for (let p = 0; p < chunk.length; index++) {
        const nl = buf.indexOf(0x0a, p);
        if (index >= lo) fn(index, chunk, p, nl);
        if (index === hi) {
          this.remember(index + 1, chunk.offset + nl + 1);
          return;
        }
        p = nl + 1;
      }
    }
    throw new Error(`internal: ${this.path} ended before index ${hi}`);
  }

  /** Calls fn for every line in order, parsed; with onlyType, only for entries of that type (cheaper). */
  scan(fn: (e: Entry) => void, onlyType?: EntryType): void {
    const reader = new ChunkReader(this.fd, 0, this.size, SCAN_CHUNK);
    const check = new LineCheck(this.terms);
    let index = 1;
    for (let chunk = reader.next(); chunk !== null; chunk = reader.next()) {
      const text = chunk.text;
      for (let p = 0; p < chunk.length; index++) {
        const nl = text.indexOf('\n', p);
        const e = this.parse(chunk, p, nl, index, check, onlyType);
        if (e !== null) fn(e);
        p = nl + 1;
      }
    }
  }

  /** Parses line `index` and checks it is what open() learned: that index, with the term recorded for it. */
  private parse(chunk: LineChunk, start: number, end: number, index: number, check: LineCheck, onlyType?: EntryType): Entry | null {
    const head = chunk.peek(start, end);
    if (head !== null) {
      const why = check.why(index, head.index, head.term);
      if (why !== null) throw new CorruptionError(this.path, chunk.offset + start, why);
    }
    let e: Entry | null;
    try {
      e = chunk.parse(start, end, onlyType, head);
    } catch (err) {
      throw new CorruptionError(this.path, chunk.offset + start, `line ${index}: ${(err as Error).message}`);
    }
    if (head === null && e !== null) {
      // Parsed by the reference parser (an unusual but valid layout): check it the same way.
      const why = check.why(index, e.index, e.term);
      if (why !== null) throw new CorruptionError(this.path, chunk.offset + start, why);
    }
    return e;
  }

  /** The closest known line at or before lo: a sparse point, or a cursor left by an earlier read. */
  private startFor(lo: number): Cursor {
    const k = Math.floor((lo - 1) / STRIDE);
    let best: Cursor = { index: k * STRIDE + 1, offset: this.sparse[k] };
    for (const c of this.cursors) if (c.index <= lo && c.index > best.index) best = c;
    return best;
  }

  private remember(index: number, offset: number): void {
    if (index > this.last) return;
    this.cursors = this.cursors.filter((c) => c.index !== index);
    this.cursors.push({ index, offset });
    if (this.cursors.length > CURSORS) this.cursors.shift();
  }

  /** True if lines were appended since the last call (they need an fdatasync). */
  takeDirty(): boolean {
    const d = this.dirty;
    this.dirty = false;
    return d;
  }

  syncSync(): void {
    fdatasyncSync(this.fd);
  }

  syncAsync(): Promise<void> {
    return fdatasyncAsync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Checks lines read in order against the index and terms learned at open, with the current term run cached. */
class LineCheck {
  private from = 1;
  private to = 0;
  private term = 0;

  constructor(private readonly terms: TermRuns) {}

  /** Why line `line` holding (index, term) is wrong, or null. */
  why(line: number, index: number, term: number): string | null {
    if (index !== line) return `line ${line} holds index ${index}`;
    if (line < this.from || line > this.to) {
      const run = this.terms.runAt(line);
      this.from = run.from;
      this.to = run.to;
      this.term = run.term;
    }
    return term === this.term ? null : `line ${line} has term ${term}, expected ${this.term} (terms never decrease)`;
  }
}

function parseError(chunk: LineChunk, start: number, end: number): string | null {
  try {
    chunk.parse(start, end);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
