// The tids of the last `size` log entries, so a leader can refuse to append a client's retry twice without scanning
// its log. Kept on every role, in step with appends and truncations, so a freshly elected leader already has it.
import type { Entry } from './types.js';

export class TidWindow {
  /** tids[head + k] is the tid of the entry at index firstIndex + k ('' for no-ops). */
  private tids: string[] = [];
  private head = 0;
  private firstIndex = 1;
  /** tid -> highest index holding it within the window. */
  private readonly indexByTid = new Map<string, number>();

  constructor(private readonly size: number) {}

  private lastIndex(): number {
    return this.firstIndex + (this.tids.length - this.head) - 1;
  }

  lookup(tid: string): number | undefined {
    return tid === '' ? undefined : this.indexByTid.get(tid);
  }

  /** Record an entry appended at e.index; a lower or equal index means the log was truncated there first. */
  add(e: Entry): void {
    if (this.size <= 0) return;
    if (e.index <= this.lastIndex()) this.truncateFrom(e.index);
    if (e.index !== this.lastIndex() + 1) {
      // A gap (never expected): start the window afresh rather than misalign indexes.
      this.clear();
      this.firstIndex = e.index;
    }
    this.tids.push(e.tid);
    if (e.tid !== '') this.indexByTid.set(e.tid, e.index);
    if (this.tids.length - this.head > this.size) this.evictOldest();
  }

  /** Forget entries at index >= from (the log was truncated). */
  truncateFrom(from: number): void {
    while (this.tids.length > this.head && this.lastIndex() >= from) {
      const index = this.lastIndex();
      const tid = this.tids.pop() as string;
      if (tid !== '' && this.indexByTid.get(tid) === index) this.indexByTid.delete(tid);
    }
    if (this.tids.length === this.head) this.firstIndex = from;
  }

  private evictOldest(): void {
    const tid = this.tids[this.head];
    if (tid !== '' && this.indexByTid.get(tid) === this.firstIndex) this.indexByTid.delete(tid);
    this.head++;
    this.firstIndex++;
    // Compact now and then so eviction stays O(1) amortized without the array growing forever.
    if (this.head > 4096 && this.head * 2 > this.tids.length) {
      this.tids = this.tids.slice(this.head);
      this.head = 0;
    }
  }

  private clear(): void {
    this.tids = [];
    this.head = 0;
    this.indexByTid.clear();
  }
}
