// A node's simulated disk, behind the same storage port as NodeStorage (DurableStore). Writes land in a volatile page
// cache that the process reads back at once; sync() makes everything written before it durable after a random
// latency in simulated time; a crash (the machine losing power) throws the page cache and every unfinished sync away.
// What a restarted node is rebuilt from is only what was synced, so anything the runtime answered for without
// syncing first is visibly lost. `forgetsVote` models a broken storage layer that never persists the vote.
import { MemoryLog } from '../raft/memory-log.js';
import type { Entry, EntryType, HardState } from '../raft/types.js';
import type { DurableStore } from '../storage/durable-store.js';
import type { SimClock } from './sim-clock.js';

/** What the simulation learns from the disk (invariant checks, trace). */
export interface DiskHooks {
  /** Before entries replace the log's suffix from entries[0].index (the process's view). */
  onAppend(entries: Entry[], lastBefore: number): void;
}

/** The current boot's view of the disk: its clock times the syncs. */
interface Boot {
  clock: SimClock;
  /** The latency of the next sync in ms of that clock. */
  syncLatencyMs: () => number;
}

interface Pending {
  appends: Entry[][];
  hard: HardState | null;
  lines: Entry[];
}

export class SimDisk implements DurableStore {
  /** Survives a crash: the WAL, the hard state and the raftlog as last synced. */
  private readonly durableLog = new MemoryLog();
  private durableHard: HardState = { term: 0, vote: null, commit: 0 };
  private readonly durableRaftlog: Entry[] = [];

  /** The process's view: durable state plus unsynced writes. */
  private log = new MemoryLog();
  private hard: HardState = { term: 0, vote: null, commit: 0 };
  private raftlog: Entry[] = [];
  private pending: Pending = { appends: [], hard: null, lines: [] };
  private boot: Boot | null = null;
  private lastSyncDue = 0;

  syncs = 0;

  constructor(
    private readonly forgetsVote: boolean,
    private readonly hooks: DiskHooks,
  ) {}

  /** A new process opens the disk: it sees only what was durable. */
  open(boot: Boot): void {
    this.boot = boot;
    this.lastSyncDue = 0;
    this.log = new MemoryLog(this.durableLog.all());
    this.hard = { ...this.durableHard };
    this.raftlog = this.durableRaftlog.slice();
    this.pending = { appends: [], hard: null, lines: [] };
  }

  /** The machine lost power: the page cache and unfinished syncs are gone (their promises never settle). */
  crash(): void {
    this.boot = null;
    this.pending = { appends: [], hard: null, lines: [] };
  }

  // ---------------------------------------------------------------- LogReader

  lastIndex(): number {
    return this.log.lastIndex();
  }

  term(index: number): number {
    return this.log.term(index);
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    return this.log.entries(lo, hi, maxBytes);
  }

  // ---------------------------------------------------------------- DurableStore

  hardState(): HardState {
    return { ...this.hard };
  }

  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    this.hooks.onAppend(entries, this.log.lastIndex());
    this.log.append(entries);
    this.pending.appends.push(entries.map((e) => ({ ...e })));
  }

  setHardState(hs: HardState): void {
    this.hard = { ...hs };
    this.pending.hard = { ...hs };
  }

  appendCommitted(entries: Entry[]): void {
    for (const e of entries) {
      this.raftlog.push(e);
      this.pending.lines.push(e);
    }
  }

  appliedIndex(): number {
    return this.raftlog.length;
  }

  forEachCommitted(fn: (e: Entry) => void, onlyType?: EntryType): void {
    for (const e of this.raftlog) if (onlyType === undefined || e.type === onlyType) fn(e);
  }

  sync(): Promise<void> {
    const boot = this.boot;
    if (boot === null) return new Promise(() => undefined); // a dead process waits forever
    const batch = this.pending;
    this.pending = { appends: [], hard: null, lines: [] };
    // Syncs finish in the order they were asked for, each after its own latency.
    const due = Math.max(boot.clock.now() + boot.syncLatencyMs(), this.lastSyncDue);
    this.lastSyncDue = due;
    return new Promise((resolve) => {
      boot.clock.setTimer(() => {
        if (this.boot !== boot) return;
        this.makeDurable(batch);
        resolve();
      }, due - boot.clock.now());
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  // ---------------------------------------------------------------- for the simulation

  /** Committed entries that survived on disk. */
  durableRaftlogLength(): number {
    return this.durableRaftlog.length;
  }

  private makeDurable(b: Pending): void {
    this.syncs++;
    for (const entries of b.appends) this.durableLog.append(entries);
    if (b.hard) this.durableHard = this.forgetsVote ? { ...b.hard, vote: null } : { ...b.hard };
    for (const e of b.lines) this.durableRaftlog.push(e);
  }
}
