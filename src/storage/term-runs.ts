// The term of every log index, stored as runs: (first index, term) for each stretch of one term. Terms only change at
// elections, so this stays tiny however long the log grows, and term(i) of any entry -- the core asks it constantly,
// for old entries too when a lagging follower probes back -- never touches the disk.
export class TermRuns {
  private starts: number[] = [];
  private terms: number[] = [];
  private last = 0;

  lastIndex(): number {
    return this.last;
  }

  /** Records that index (which must be lastIndex()+1) has term. */
  push(index: number, term: number): void {
    if (index !== this.last + 1) throw new Error(`internal: term of index ${index} recorded after ${this.last}`);
    const n = this.terms.length;
    if (n === 0 || this.terms[n - 1] !== term) {
      this.starts.push(index);
      this.terms.push(term);
    }
    this.last = index;
  }

  /** Records that every index from..to (from = lastIndex()+1) has term. */
  pushRun(from: number, to: number, term: number): void {
    if (from > to) return;
    this.push(from, term);
    this.last = to;
  }

  /** Forgets every index >= from. */
  truncateFrom(from: number): void {
    if (from > this.last) return;
    while (this.starts.length > 0 && this.starts[this.starts.length - 1] >= from) {
      this.starts.pop();
      this.terms.pop();
    }
    this.last = Math.max(0, from - 1);
  }

  /** Term at index; 0 for index 0; RangeError outside 0..lastIndex(). */
  term(index: number): number {
    if (index === 0) return 0;
    if (!Number.isInteger(index) || index < 0 || index > this.last) throw new RangeError(`index ${index} outside 0..${this.last}`);
    return this.terms[this.runIndex(index)];
  }

  private runIndex(index: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The run holding index (1 <= index <= lastIndex()): its first and last index and its term. */
  runAt(index: number): { from: number; to: number; term: number } {
    const k = this.runIndex(index);
    const to = k + 1 < this.starts.length ? this.starts[k + 1] - 1 : this.last;
    return { from: this.starts[k], to, term: this.terms[k] };
  }

  /** Number of runs (for tests and memory reports). */
  runCount(): number {
    return this.starts.length;
  }
}
