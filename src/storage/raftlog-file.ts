// The raftlog file: committed entries, one canonical JSON line per index (line k holds index k), append-only.
// It is also where old log entries are read from: once an entry is in the raftlog it is never rewritten, so the
// write-ahead log need not keep it. Memory stays flat as the file grows: a sparse index (the byte offset of every
// STRIDE-th line) plus a few read cursors turn "entries from index i" into one positioned read near i.
import { closeSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { Entry, EntryType } from '../raft/types.js';
import type { Logger } from '../util/logger.js';
import { CorruptionError } from './corruption-error.js';
import { fdatasyncAsync } from './fsync.js';
import { LineReader } from './line-reader.js';
import { formatRaftlogLine, parseRaftlogLineBytes, peekIndexTerm } from './raftlog-format.js';
import type { TermRuns } from './term-runs.js';

/** Lines between two sparse-index points: a read skips at most this many lines (~100 KB) to reach its start. */
const STRIDE = 1024;
/** Startup scans read this much per system call. */
const SCAN_CHUNK = 4 << 20;
/** Random reads (a follower catching up) start with this much and grow for long lines. */
const READ_CHUNK = 64 << 10;
/** Where recent reads ended, so a follower being fed batch after batch does not re-skip from the sparse point. */
const CURSORS = 8;

export function entryBytes(e: Entry): number {
  return e.data.length + e.key.length + e.tid.length;
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
   * Opens (creating) the raftlog and checks every line's index and term prefix. Each index's term is pushed into
   * `terms`: the raftlog is the log's durable committed prefix. A torn last line is cut off with a warning; any
   * other bad line throws CorruptionError.
   */
  static open(path: string, logger: Logger, terms: TermRuns): RaftlogFile {
    return new RaftlogFile(path, logger, terms);
  }

  private constructor(
    readonly path: string,
    logger: Logger,
    terms: TermRuns,
  ) {
    this.fd = openSync(path, 'a+');
    try {
      this.recover(logger, terms);
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  private recover(logger: Logger, terms: TermRuns): void {
    const fileSize = fstatSync(this.fd).size;
    const reader = new LineReader(this.fd, 0, fileSize, SCAN_CHUNK);
    for (let line = reader.next(); line !== null; line = reader.next()) {
      const lineEnd = line.offset + (line.end - line.start) + (line.complete ? 1 : 0);
      const isLast = lineEnd >= fileSize;
      const head = line.complete ? peekIndexTerm(line.buf, line.start, line.end) : null;
      // A crash can leave the last line half written (no newline, or garbage): cut it off, it was never synced.
      // Anything wrong before the last line, or a well-formed line at the wrong index, is real damage.
      let torn: string | null = null;
      if (!line.complete) torn = 'no newline at the end';
      else if (head === null) torn = 'not a raftlog line';
      else if (isLast) {
        try {
          parseRaftlogLineBytes(line.buf, line.start, line.end);
        } catch (err) {
          torn = (err as Error).message;
        }
      }
      if (torn !== null && !isLast) throw new CorruptionError(this.path, line.offset, `line ${this.last + 1}: ${torn}`);
      if (torn !== null) {
        logger.warn(`${this.path}: dropping a torn last line at byte offset ${line.offset} (${torn}; ${fileSize - line.offset} bytes)`);
        ftruncateSync(this.fd, line.offset);
        break;
      }
      if (head !== null && head.index !== this.last + 1) {
        throw new CorruptionError(this.path, line.offset, `line ${this.last + 1} holds index ${head.index}`);
      }
      const { index, term } = head as { index: number; term: number };
      if ((index - 1) % STRIDE === 0) this.sparse.push(line.offset);
      terms.push(index, term);
      this.last = index;
      this.size = lineEnd;
    }
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
    const reader = new LineReader(this.fd, start.offset, this.size, READ_CHUNK, this.scratch);
    let index = start.index;
    let full = false;
    for (let line = reader.next(); line !== null && index < end; line = reader.next(), index++) {
      if (index < lo) continue;
      const e = this.parse(line.buf, line.start, line.end, line.offset, index);
      bytes += entryBytes(e as Entry);
      if (out.length > 0 && bytes > maxBytes) {
        full = true;
        this.remember(index, line.offset);
        return { bytes, full };
      }
      out.push(e as Entry);
      if (index + 1 === end) this.remember(index + 1, line.offset + (line.end - line.start) + 1);
    }
    return { bytes, full };
  }

  /** Calls fn for every line in order, parsed; with onlyType, only for entries of that type (cheaper). */
  scan(fn: (e: Entry) => void, onlyType?: EntryType): void {
    const reader = new LineReader(this.fd, 0, this.size, SCAN_CHUNK);
    let index = 1;
    for (let line = reader.next(); line !== null; line = reader.next(), index++) {
      const e = this.parse(line.buf, line.start, line.end, line.offset, index, onlyType);
      if (e !== null) fn(e);
    }
  }

  private parse(buf: Buffer, start: number, end: number, offset: number, index: number, onlyType?: EntryType): Entry | null {
    let e: Entry | null;
    try {
      e = parseRaftlogLineBytes(buf, start, end, onlyType);
    } catch (err) {
      throw new CorruptionError(this.path, offset, `line ${index}: ${(err as Error).message}`);
    }
    if (e !== null && e.index !== index) throw new CorruptionError(this.path, offset, `line ${index} holds index ${e.index}`);
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
