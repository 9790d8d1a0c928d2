// Startup cross-check of the two copies of committed entries: where the WAL and the raftlog both hold an index, they
// must hold the same entry. Each file has its own checksum, so this catches what those cannot: a raftlog line edited
// with its checksum recomputed, or a line from another node's history pasted in. WAL records hold each entry exactly as
// its raftlog line without the checksum (wal-record.ts), so the usual comparison is a byte compare per entry, no JSON
// parsing; a record in another layout is parsed and compared entry by entry.
// Replay order matters: a WAL record starting at index f replaces everything from f on (an uncommitted suffix
// overwritten by a new leader), so a record's disagreement at index i only counts if no later record replaces i.
import { CorruptionError } from './corruption-error.js';
import type { RaftlogFile } from './raftlog-file.js';
import { CRC_SUFFIX_BYTES, formatRaftlogBase } from './raftlog-format.js';
import type { ReplayedRecord } from './wal.js';

interface Mismatch {
  index: number;
  /** Byte offset of the raftlog line. */
  lineOffset: number;
  /** The WAL record holding the other entry. */
  file: string;
  offset: number;
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;

export class WalRaftlogCheck {
  private pending: Mismatch[] = [];
  /** Entries compared (for the startup log line). */
  compared = 0;

  /** applied: the raftlog's last line; only indexes up to it are compared. */
  constructor(
    private readonly raftlog: RaftlogFile,
    private readonly applied: number,
  ) {}

  /** Compares one WAL record (called in replay order) with the raftlog lines it overlaps. */
  record(r: ReplayedRecord): void {
    if (r.count === 0) return;
    if (this.pending.length > 0) this.pending = this.pending.filter((m) => m.index < r.first);
    const hi = Math.min(r.first + r.count - 1, this.applied);
    if (r.first > hi) return;
    const json = r.json;
    let pos = 1;
    let fast = json.length > 0 && json[0] === OPEN_BRACKET;
    let parsed: ReturnType<ReplayedRecord['entries']> | null = null;
    this.raftlog.forEachRawLine(r.first, hi, (index, chunk, start, end) => {
      this.compared++;
      // A line that passed its checksum ends in the fixed-size "crc" field (one too short to hold it cannot match).
      const baseEnd = end - CRC_SUFFIX_BYTES;
      const len = baseEnd - start;
      if (len < 1) {
        this.pending.push({ index, lineOffset: chunk.offset + start, file: r.file, offset: r.offset });
        return;
      }
      if (fast) {
        const after = pos + len;
        if (
          after + 1 < json.length &&
          json.compare(chunk.buf, start, baseEnd, pos, after) === 0 &&
          json[after] === CLOSE_BRACE &&
          (json[after + 1] === COMMA || json[after + 1] === CLOSE_BRACKET)
        ) {
          pos = after + 2;
          return;
        }
        fast = false;
      }
      parsed ??= r.entries();
      const expected = Buffer.from(formatRaftlogBase(parsed[index - r.first]));
      const same = expected.length === len + 1 && expected.compare(chunk.buf, start, baseEnd, 0, len) === 0 && expected[len] === CLOSE_BRACE;
      if (!same) this.pending.push({ index, lineOffset: chunk.offset + start, file: r.file, offset: r.offset });
    });
  }

  /** Throws CorruptionError (naming the raftlog line and the WAL record) for the first disagreement that stands. */
  finish(): void {
    const m = this.pending[0];
    if (m === undefined) return;
    throw new CorruptionError(
      this.raftlog.path,
      m.lineOffset,
      `line ${m.index} disagrees with the write-ahead log (${m.file}, record at byte offset ${m.offset}, holds another entry ${m.index})` +
        (this.pending.length > 1 ? `; ${this.pending.length} lines disagree` : ''),
    );
  }
}
