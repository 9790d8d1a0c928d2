// The newest stretch of the log held in memory: every entry not yet in the raftlog (the core re-reads them to send
// and to apply) plus a bounded number of already applied ones (followers a little behind are fed from here instead
// of the file). Indexes first()..last(), contiguous.
import type { Entry } from '../raft/types.js';

export class EntryWindow {
  private items: Entry[] = [];
  private head = 0;
  /** Index of items[head]. */
  private firstIndex = 1;

  constructor(first: number) {
    this.firstIndex = first;
  }

  first(): number {
    return this.firstIndex;
  }

  last(): number {
    return this.firstIndex + (this.items.length - this.head) - 1;
  }

  get(index: number): Entry | undefined {
    if (index < this.firstIndex) return undefined;
    return this.items[this.head + index - this.firstIndex];
  }

  /** Appends e (index last()+1), or after dropping everything from e.index on (first() <= e.index <= last()+1). */
  put(e: Entry): void {
    if (e.index < this.firstIndex || e.index > this.last() + 1) {
      throw new Error(`internal: entry ${e.index} put into a window of ${this.firstIndex}..${this.last()}`);
    }
    this.items.length = this.head + e.index - this.firstIndex;
    this.items.push(e);
  }

  /** Forgets entries with index < index (keeping the window's end where it is). */
  dropBefore(index: number): void {
    const n = Math.min(index - this.firstIndex, this.items.length - this.head);
    if (n <= 0) return;
    this.head += n;
    this.firstIndex += n;
    // Compact now and then: O(1) amortized without the array growing forever.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  size(): number {
    return this.items.length - this.head;
  }
}
