// The core's view of its log: the durable part (read through the runtime's LogReader) overlaid by the entries the
// core appended but the runtime has not persisted yet ("unstable", as in etcd's unstable.go). Unstable entries
// mask durable ones at the same or higher index: that is how a follower's truncation is visible at once, before the
// runtime rewrites the suffix on disk.
import { xmlTextBytes } from '../util/xml-size.js';
import { raftAssert } from './assert.js';
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

  /**
   * Term at an index the caller knows is in the log (0 for index 0). Anything else means the core lost track of its
   * own log, or storage lost entries it acknowledged: an assertion, never a silent 0 that a comparison would trust.
   * Callers probing an index that may legitimately be absent (a leader's prevLogIndex, say) use termIfPresent.
   */
  term(index: number): number {
    const t = this.termIfPresent(index);
    raftAssert(t !== null, () => `term lookup at ${index} outside the log 0..${this.lastIndex()}`);
    return t;
  }

  /** Term at index, or null when the log has no entry there (index 0 has term 0). */
  termIfPresent(index: number): number | null {
    if (!Number.isSafeInteger(index) || index < 0 || index > this.lastIndex()) return null;
    if (index === 0) return 0;
    if (this.unstable.length > 0 && index >= this.offset) return this.unstable[index - this.offset].term;
    // Below the unstable part the durable log must hold every index: the runtime said it persisted them.
    const stableLast = this.stable.lastIndex();
    raftAssert(index <= stableLast, () => `entry ${index} is neither unstable nor in storage (storage ends at ${stableLast})`);
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
      raftAssert(fromStable.length > 0, () => `storage returned no entries for ${lo}..${stableEnd - 1}`);
      for (const e of fromStable) {
        raftAssert(e.index === lo + out.length, () => `storage returned entry ${e.index} where ${lo + out.length} was asked for`);
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
   * `committed` is the core's commit index: committed entries never change (State Machine Safety), so replacing one is
   * a bug in the caller, which must drop conflicting input before it gets here (etcd: "conflict with committed entry").
   * Returns the index from which the previous content was dropped (so callers can forget tids), or null.
   */
  truncateAndAppend(entries: Entry[], committed: number): number | null {
    if (entries.length === 0) return null;
    const first = entries[0].index;
    const last = this.lastIndex();
    raftAssert(first >= 1 && first <= last + 1, () => `append at ${first} would leave a gap after ${last}`);
    raftAssert(first > committed, () => {
      const mine = this.termIfPresent(first);
      return mine !== null && mine !== entries[0].term
        ? `conflict with committed entry ${first} (term ${mine}, commit ${committed}) by term ${entries[0].term}`
        : `truncation from ${first} would drop committed entries (commit ${committed})`;
    });
    // Terms never decrease along a log, and indexes are contiguous: what a Ready hands to storage must be a log.
    let prevTerm = this.term(first - 1);
    for (let k = 0; k < entries.length; k++) {
      const e = entries[k];
      raftAssert(e.index === first + k, () => `appended entries skip from ${first + k - 1} to ${e.index}`);
      raftAssert(e.term >= prevTerm, () => `entry ${e.index} has term ${e.term} after term ${prevTerm}`);
      prevTerm = e.term;
    }
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
    if (persisted.length === 0) return;
    const lastPersisted = persisted[persisted.length - 1].index;
    const stableLast = this.stable.lastIndex();
    raftAssert(stableLast >= lastPersisted, () => `advanced past entries up to ${lastPersisted} that storage does not hold (it ends at ${stableLast})`);
    if (this.unstable.length === 0) return;
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
