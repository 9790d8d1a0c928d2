// The durability policy for what may be written behind the Ready loop: raftlog lines and a commit-index-only hard
// state. Neither needs an fsync of its own before the loop goes on: raftlog lines are derived data (the WAL already
// holds their entries durably and they are re-applied from it after a crash), and the core does not need the commit
// index to be durable (Raft thesis §3.8: commitIndex is volatile state). So they are batched and synced lazily, which
// halves the fsyncs under load. Entries, term and vote are not: the Ready loop syncs those itself before it answers.
import type { Entry } from '../raft/types.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { DurableStore } from './durable-store.js';

/** A Ready with only lazy writes does not wait for the disk; this bounds how long those writes stay unsynced. */
const LAZY_SYNC_MS = 50;
/**
 * Committed entries reach the raftlog in batches at least this far apart. Every raftlog write makes the next flush
 * fdatasync a second file, and an fdatasync costs ~0.15 ms of CPU here (ext4 journal commit): per Ready that was the
 * price of half the fsyncs. Only the lines' visibility waits, by at most this long under load or LAZY_SYNC_MS idle.
 */
const RAFTLOG_BATCH_MS = 20;
/** ...or once this many lines are waiting. */
const RAFTLOG_BATCH_MAX = 4096;

export class WriteBehind {
  private pending: Entry[] = [];
  private pendingSince = 0;
  private lazyTimer: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly store: DurableStore,
    private readonly clock: Clock,
    /** A write or sync failed: the process cannot continue safely. */
    private readonly onFatal: (err: Error) => void,
  ) {}

  /** Committed entries whose raftlog lines are due: written now if the batch is old or large enough, else later. */
  committed(entries: Entry[]): void {
    if (entries.length === 0) return;
    const now = this.clock.now();
    if (this.pending.length === 0) this.pendingSince = now;
    for (const e of entries) this.pending.push(e);
    if (now - this.pendingSince >= RAFTLOG_BATCH_MS || this.pending.length >= RAFTLOG_BATCH_MAX) this.writeRaftlog();
  }

  /**
   * After a Ready: `unsyncedWrites` says it wrote something the loop did not sync (a commit-only hard state or raftlog
   * lines). Either way, lines still waiting get a sync within LAZY_SYNC_MS.
   */
  afterReady(unsyncedWrites: boolean): void {
    if (unsyncedWrites || this.pending.length > 0) this.scheduleLazySync();
  }

  /** Writes the waiting raftlog lines (durable at the next sync). */
  flush(): void {
    this.writeRaftlog();
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimer(this.lazyTimer);
    this.lazyTimer = null;
  }

  private writeRaftlog(): void {
    if (this.pending.length === 0) return;
    this.store.appendCommitted(this.pending);
    this.pending = [];
  }

  private scheduleLazySync(): void {
    if (this.lazyTimer !== null || this.stopped) return;
    this.lazyTimer = this.clock.setTimer(() => {
      this.lazyTimer = null;
      if (this.stopped) return;
      this.writeRaftlog();
      this.store.sync().catch((err: unknown) => {
        this.stopped = true;
        this.onFatal(err instanceof Error ? err : new Error(String(err)));
      });
    }, LAZY_SYNC_MS);
  }
}
