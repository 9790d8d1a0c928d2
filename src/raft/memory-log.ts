// An in-memory LogReader for tests and the simulator: the "disk" of a core that never touches the file system.
import type { Entry, LogReader } from './types.js';

export class MemoryLog implements LogReader {
  /** entriesByPos[i] holds index i+1: Raft indexes start at 1. */
  private readonly entriesByPos: Entry[] = [];
  /** Indexes of the config entries, ascending (LogReader.prevConfigIndex). */
  private configIndexes: number[] = [];

  constructor(initial: Entry[] = []) {
    if (initial.length > 0) this.append(initial);
  }

  lastIndex(): number {
    return this.entriesByPos.length;
  }

  term(index: number): number {
    if (index === 0) return 0;
    if (index < 0 || index > this.entriesByPos.length) throw new RangeError(`index ${index} outside 0..${this.lastIndex()}`);
    return this.entriesByPos[index - 1].term;
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    const from = Math.max(lo, 1);
    const to = Math.min(hi, this.entriesByPos.length + 1);
    if (maxBytes === undefined) return this.entriesByPos.slice(from - 1, to - 1);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = from; i < to; i++) {
      const e = this.entriesByPos[i - 1];
      bytes += e.data.length + e.key.length + e.tid.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /** Appends; an entry at an index <= lastIndex replaces that index and everything after it (as storage does). */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0].index;
    if (first < 1 || first > this.entriesByPos.length + 1) {
      throw new RangeError(`append at ${first} would leave a gap after ${this.lastIndex()}`);
    }
    this.entriesByPos.length = first - 1;
    while (this.configIndexes.length > 0 && this.configIndexes[this.configIndexes.length - 1] >= first) this.configIndexes.pop();
    for (const e of entries) {
      this.entriesByPos.push({ ...e });
      if (e.type === 'config') this.configIndexes.push(e.index);
    }
  }

  prevConfigIndex(before: number): number {
    for (let k = this.configIndexes.length - 1; k >= 0; k--) if (this.configIndexes[k] < before) return this.configIndexes[k];
    return 0;
  }

  /** Every entry, in index order (a copy of the array; entries themselves are shared). */
  all(): Entry[] {
    return this.entriesByPos.slice();
  }
}
