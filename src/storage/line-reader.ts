// Reads newline-terminated lines from a file descriptor with positioned reads into one reusable buffer, so scanning
// a raftlog of any length needs memory for one chunk (plus the longest line), never for the whole file.
import { readSync } from 'node:fs';

const NEWLINE = 0x0a;

/** One line: its bytes are buf[start, end) (newline excluded), valid until the next call to next(). */
export interface Line {
  buf: Buffer;
  start: number;
  end: number;
  /** File offset of the line's first byte. */
  offset: number;
  /** False for a last line that has no newline (a torn write). */
  complete: boolean;
}

export class LineReader {
  private buf: Buffer;
  /** File offset of buf[0]. */
  private bufOffset: number;
  private filled = 0;
  private pos = 0;
  private readonly line: Line;

  /** Reads [from, to) of the file. */
  constructor(
    private readonly fd: number,
    from: number,
    private readonly to: number,
    chunkBytes: number,
    scratch?: Buffer,
  ) {
    this.buf = scratch !== undefined && scratch.length >= chunkBytes ? scratch : Buffer.allocUnsafe(chunkBytes);
    this.bufOffset = from;
    this.line = { buf: this.buf, start: 0, end: 0, offset: from, complete: true };
  }

  /** The next line, or null at the end of the range. The returned object is reused. */
  next(): Line | null {
    for (;;) {
      const nl = this.pos < this.filled ? this.buf.indexOf(NEWLINE, this.pos) : -1;
      if (nl >= 0 && nl < this.filled) return this.emit(nl, true);
      const fileEnd = this.bufOffset + this.filled;
      if (fileEnd >= this.to) {
        if (this.pos < this.filled) return this.emit(this.filled, false);
        return null;
      }
      this.refill(fileEnd);
    }
  }

  private emit(end: number, complete: boolean): Line {
    const l = this.line;
    l.buf = this.buf;
    l.start = this.pos;
    l.end = end;
    l.offset = this.bufOffset + this.pos;
    l.complete = complete;
    this.pos = complete ? end + 1 : end;
    return l;
  }

  /** Keeps the unfinished line at the front (growing the buffer if it fills it) and reads more after it. */
  private refill(fileEnd: number): void {
    const keep = this.filled - this.pos;
    if (keep === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, this.pos, this.filled);
      this.buf = bigger;
    } else if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.filled);
    }
    this.bufOffset += this.pos;
    this.pos = 0;
    this.filled = keep;
    const want = Math.min(this.buf.length - keep, this.to - fileEnd);
    const n = readSync(this.fd, this.buf, keep, want, fileEnd);
    if (n === 0) throw new Error(`file ended early at offset ${fileEnd} (expected ${this.to} bytes)`);
    this.filled += n;
  }
}
