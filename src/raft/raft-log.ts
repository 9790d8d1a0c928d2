// The core's view of its log: the durable part (read through the runtime's LogReader) overlaid by the entries the
// core appended but the runtime has not persisted yet ("unstable", as in etcd's unstable.go). Unstable entries
// mask durable ones at the same or higher index: that is how a follower's truncation is visible at once, before the
// runtime rewrites the suffix on disk.
import { xmlTextBytes } from '../util/xml-size.js';
import type { Entry, LogReader } from './types.js';

/** What an entry costs on the wire (its strings as XML text), the measure append batches are bounded by. */
export function entryBytes(e: Entry): number {
  return xmlTextBytes(e.data) + xmlTextBytes(e.key) + xmlTextBytes(e.tid);
}

export class RaftLog {
  /** Not yet handed to the runtime or handed out but not yet advanced; unstable[0] has index `offset`. */
  private unstable: Entry[] = [];
  private offset = 0;

  constructor(private readonly stable: LogReader) {}

  lastIndex(): number {
    return this.unstable.length > 0 ? this.offset + this.unstable.length - 1 : this.stable.lastIndex();
  }

  /** Term at index; 0 for index 0 and for any index outside the log (callers check bounds when it matters). */
  term(index: number): number {
    if (index <= 0) return 0;
    if (this.unstable.length > 0 && index >= this.offset) {
      const e = this.unstable[index - this.offset];
      return e === undefined ? 0 : e.term;
    }
    if (index > this.stable.lastIndex()) return 0;
    return this.stable.term(index);
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  /** Highest index the runtime has made durable and that the core still considers part of its log. */
  persistedIndex(): number {
    return this.unstable.length > 0 ? Math.min(this.offset - 1, this.stable.lastIndex()) : this.stable.lastIndex();
  }

  /** Entries lo <= index < hi, cut after maxBytes (always at least one entry when the range is not empty). */
  entries(lo: number, hi: number, maxBytes = Infinity): Entry[] {
    const end = Math.min(hi, this.lastIndex() + 1);
    if (lo >= end || lo < 1) return [];
    const out: Entry[] = [];
    let bytes = 0;
    const stableEnd = this.unstable.length > 0 ? Math.min(end, this.offset) : end;
    if (lo < stableEnd) {
      const fromStable = this.stable.entries(lo, stableEnd, maxBytes === Infinity ? undefined : maxBytes);
      for (const e of fromStable) {
        bytes += entryBytes(e);
        out.push(e);
      }
      if (out.length < stableEnd - lo) return out; // the byte budget ran out inside the durable part
    }
    for (let i = Math.max(lo, stableEnd); i < end; i++) {
      const e = this.unstable[i - this.offset];
      bytes += entryBytes(e);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /**
   * Appends entries whose first index is <= lastIndex()+1; everything from entries[0].index on is replaced.
   * Returns the index from which the previous content was dropped (so callers can forget tids), or null.
   */
  truncateAndAppend(entries: Entry[]): number | null {
    if (entries.length === 0) return null;
    const first = entries[0].index;
    const last = this.lastIndex();
    const truncatedFrom = first <= last ? first : null;
    if (this.unstable.length > 0 && first >= this.offset) {
      this.unstable.length = first - this.offset;
      for (const e of entries) this.unstable.push(e);
    } else {
      // The new entries start inside (or right after) the durable part: they become the whole unstable tail.
      this.unstable = entries.slice();
      this.offset = first;
    }
    return truncatedFrom;
  }

  hasUnstable(): boolean {
    return this.unstable.length > 0;
  }

  /** Entries not yet made durable, in index order (a Ready hands these to the runtime). */
  unstableEntries(): Entry[] {
    return this.unstable.slice();
  }

  /**
   * The runtime persisted `persisted` (a Ready's entries). Forget the unstable prefix that they cover, unless a later
   * truncation replaced it meanwhile: the last entry whose term still matches marks the durable point.
   */
  stableTo(persisted: Entry[]): void {
    if (this.unstable.length === 0 || persisted.length === 0) return;
    for (let k = persisted.length - 1; k >= 0; k--) {
      const e = persisted[k];
      if (e.index < this.offset) break;
      const mine = this.unstable[e.index - this.offset];
      if (mine !== undefined && mine.term === e.term) {
        const drop = e.index - this.offset + 1;
        this.unstable = this.unstable.slice(drop);
        this.offset = e.index + 1;
        return;
      }
    }
  }

  /** Largest index in [lo, hi] whose term is <= t (terms never decrease along a log), or lo-1 if none. O(log n). */
  lastIndexWithTermAtMost(t: number, lo: number, hi: number): number {
    let a = lo;
    let b = hi;
    let found = lo - 1;
    while (a <= b) {
      const mid = Math.floor((a + b) / 2);
      if (this.term(mid) <= t) {
        found = mid;
        a = mid + 1;
      } else {
        b = mid - 1;
      }
    }
    return found;
  }

  /** Smallest index in [lo, hi] whose term is >= t, or hi+1 if none. O(log n). */
  firstIndexWithTermAtLeast(t: number, lo: number, hi: number): number {
    let a = lo;
    let b = hi;
    let found = hi + 1;
    while (a <= b) {
      const mid = Math.floor((a + b) / 2);
      if (this.term(mid) >= t) {
        found = mid;
        b = mid - 1;
      } else {
        a = mid + 1;
      }
    }
    return found;
  }
}
