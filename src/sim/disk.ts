// A node's simulated disk. Writes land in a volatile page cache; sync() makes them durable; a crash throws the page
// cache away. The durable log is what a restarted core is rebuilt from, so anything the runtime acknowledged without
// syncing first is visibly lost. `forgetsVote` models a broken storage layer that never persists the vote.
import { MemoryLog } from '../raft/memory-log.js';
import type { Entry, HardState } from '../raft/types.js';

export class SimDisk {
  /** Durable WAL (what a restarted core sees as its log). Entries are only ever written together with a sync. */
  readonly log = new MemoryLog();
  private durableHard: HardState = { term: 0, vote: null, commit: 0 };
  /** Durable raftlog lines (committed entries applied), index k at position k-1. */
  private readonly durableRaftlog: Entry[] = [];

  private volatileHard: HardState | null = null;
  private volatileRaftlog: Entry[] = [];

  syncs = 0;

  constructor(private readonly forgetsVote: boolean) {}

  /** Appends to the WAL (replacing the suffix from entries[0].index) and syncs, as the Ready rules demand. */
  appendAndSync(entries: Entry[], hard: HardState | null): void {
    this.log.append(entries);
    if (hard) this.volatileHard = hard;
    this.sync();
  }

  /** A write without fsync: a commit-index-only hard state change (the core does not require it to be durable). */
  writeHardState(hard: HardState): void {
    this.volatileHard = hard;
  }

  appendRaftlog(e: Entry): void {
    this.volatileRaftlog.push(e);
  }

  sync(): void {
    this.syncs++;
    if (this.volatileHard) {
      const hs = this.volatileHard;
      this.durableHard = this.forgetsVote ? { ...hs, vote: null } : { ...hs };
      this.volatileHard = null;
    }
    if (this.volatileRaftlog.length > 0) {
      for (const e of this.volatileRaftlog) this.durableRaftlog.push(e);
      this.volatileRaftlog = [];
    }
  }

  /** The machine lost power: the page cache is gone. */
  crash(): void {
    this.volatileHard = null;
    this.volatileRaftlog = [];
  }

  hardState(): HardState {
    return { ...this.durableHard };
  }

  /** Committed entries that survived on disk (what the node re-reads into its key-value store at startup). */
  raftlog(): readonly Entry[] {
    return this.durableRaftlog;
  }
}
