// The node's durable storage (the DurableStore the runtime drives). Three things on disk in the data directory:
//   raftlog    committed entries, one canonical JSON line per index (also the source of old entries: see below)
//   wal/       the write-ahead log: every appended entry, checksummed, in segments (wal.ts)
//   hardstate  term, vote, commit, replaced atomically (hardstate-file.ts)
// The log is the raftlog (indexes 1..appliedIndex()) followed by the WAL's entries above it. Memory does not grow with
// the log: terms are kept as runs (term-runs.ts), entries only for the unapplied tail plus a bounded recent window
// (entry-window.ts); anything older is read back from the raftlog through its sparse index. Once every entry of a WAL
// segment is in the fsynced raftlog, the segment is deleted: disk use stays near raftlog + one or two segments.
//
// Durability (what sync() promises): append(), appendCommitted() and the term/vote part of setHardState() are
// durable once a sync() called after them resolves. The commit index alone is written lazily (at most once a second,
// and at close): the core recomputes it from the raftlog and the leader, and it never needs to be exact.
//
// Crash consistency, case by case:
//  - raftlog lines are written only for entries already fsynced in the WAL, so the raftlog never holds an entry the
//    WAL did not; if the WAL's tail is lost anyway, the raftlog (committed entries) still counts as the log.
//  - WAL segments go only after the raftlog fsync that covers them, oldest first.
//  - a torn last WAL record was never acknowledged (no fsync finished): it is cut off with a warning. A damaged last
//    raftlog line is cut off (and written again later) only if the WAL holds its entry, as it must after a real crash
//    (segments go only after the raftlog fsync that covers them); otherwise the line had been durable: damage.
//  - hardstate is written when the data directory is created, before any entry: missing beside a non-empty log it
//    was lost (its term and vote with it: the node could vote twice in a term), and the node refuses to start.
//  - the commit index written to hardstate never exceeds what the WAL already holds durably, so a commit index
//    beyond the log on disk is damage too (raftlog cut short, WAL segments deleted), never a crash.
//  - where the WAL and the raftlog both hold an index they must agree (wal-raftlog-check.ts).
// Refusals are CorruptionErrors: one line naming the file and byte offset. Write errors (ENOSPC, EIO) name the file,
// and after the first one every sync() fails: the runtime stops the node with that one line.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry, EntryType, HardState } from '../raft/types.js';
import type { DurableStore } from './durable-store.js';
import type { Logger } from '../util/logger.js';
import { CorruptionError } from './corruption-error.js';
import { EntryWindow } from './entry-window.js';
import { fsyncDirSync } from './fsync.js';
import { GroupCommit } from './group-commit.js';
import { HARDSTATE_FILE, readHardState, writeHardState, writeHardStateSync } from './hardstate-file.js';
import { entryBytes, RaftlogFile } from './raftlog-file.js';
import { verifyFileInWorker } from './raftlog-verify.js';
import { TermRuns } from './term-runs.js';
import { Wal, type ReplayedRecord } from './wal.js';
import { WalRaftlogCheck } from './wal-raftlog-check.js';

export { CorruptionError } from './corruption-error.js';

export interface NodeStorageOptions {
  /** Roll to a new WAL segment once the current one holds this many bytes. */
  segmentBytes?: number;
  /** Applied entries kept in memory for peers slightly behind (reads further back go to the raftlog file). */
  keepApplied?: number;
  /** How long a commit-index-only change may wait before it is written to the hardstate file. */
  lazyCommitMs?: number;
  /**
   * Check the raftlog lines' checksums in a worker thread (verified() tells the outcome) instead of inside open():
   * the node program, which has other startup work to do meanwhile and serves nothing before verified() resolves.
   */
  verifyInBackground?: boolean;
  /** With verifyInBackground, raftlogs shorter than this are still checked inside open() (a worker costs more). */
  backgroundVerifyMinBytes?: number;
}

const DEFAULTS: Required<NodeStorageOptions> = { segmentBytes: 64 << 20, keepApplied: 8192, lazyCommitMs: 1000, verifyInBackground: false, backgroundVerifyMinBytes: 32 << 20 };

export interface StorageStats {
  /** Group-commit flushes run (sync() calls that had to wait for their own). */
  flushes: number;
  /** fsync/fdatasync system calls issued by flushes. */
  fsyncs: number;
  walSegments: number;
  /** Entries held in memory (the unapplied tail plus the recent window). */
  entriesInMemory: number;
  termRuns: number;
}

export class NodeStorage implements DurableStore {
  private readonly opts: Required<NodeStorageOptions>;
  private readonly terms = new TermRuns();
  private readonly raftlog: RaftlogFile;
  private readonly wal: Wal;
  private readonly recent: EntryWindow;
  private hs: HardState;
  /** Term or vote changed: must be durable by the next sync(). */
  private hsDirty = false;
  /** Only the commit index changed: written lazily. */
  private commitDirty = false;
  private lastHsWrite = 0;
  private readonly group: GroupCommit;
  private fsyncs = 0;
  private closed = false;
  /**
   * Entries 1..durableLast are durable on disk and are the current log (a suffix replacement lowers it at once).
   * The hardstate written never claims a commit index above it: hardstate and WAL are fsynced in parallel, and a
   * crash between the two must not leave a commit index pointing at entries the disk does not have.
   */
  private durableLast = 0;
  /** Lowest first index appended since the running flush began (a replacement during the flush). */
  private appendFloor = Infinity;
  /** The first write error: every later sync() fails with it (the disk may have dropped what it could not write). */
  private writeFailure: Error | null = null;
  private readonly verification: Promise<void>;

  static open(dir: string, logger: Logger, options: NodeStorageOptions = {}): NodeStorage {
    return new NodeStorage(dir, logger, { ...DEFAULTS, ...options });
  }

  private constructor(
    private readonly dir: string,
    logger: Logger,
    opts: Required<NodeStorageOptions>,
  ) {
    this.opts = opts;
    const walDir = join(dir, 'wal');
    mkdirSync(walDir, { recursive: true });
    const hs = readHardState(dir);
    // A worker pays off only for a long raftlog (starting one costs more than checking a few MB here).
    const raftlogPath = join(dir, 'raftlog');
    const background = opts.verifyInBackground && existsSync(raftlogPath) && statSync(raftlogPath).size >= opts.backgroundVerifyMinBytes;
    this.raftlog = RaftlogFile.open(raftlogPath, this.terms, !background);
    const applied = this.raftlog.lastIndex();
    this.recent = new EntryWindow(applied + 1);
    const check = new WalRaftlogCheck(this.raftlog, applied);
    try {
      this.wal = Wal.open(walDir, logger, opts.segmentBytes, (r) => {
        check.record(r);
        this.replay(r, applied);
      });
    } catch (err) {
      this.raftlog.close();
      throw err;
    }
    try {
      check.finish();
      this.hs = this.checkHardState(hs, logger);
      this.checkTornRaftlog(logger);
    } catch (err) {
      this.wal.close();
      this.raftlog.close();
      throw err;
    }
    // Whatever recovery cut off or created must be durable before the log it describes is used, and the raftlog
    // read above must be on disk before WAL segments it covers are deleted (a process crash leaves it in the page
    // cache only). Likewise the WAL as replayed: the commit index written later is bounded by it.
    fsyncDirSync(dir);
    fsyncDirSync(walDir);
    this.wal.syncSync();
    this.durableLast = this.lastIndex();
    this.group = new GroupCommit(() => this.flush());
    this.verification = background ? this.verifyRaftlog() : Promise.resolve();
    // Nobody may be waiting yet: a failure is reported by verified(), not as an unhandled rejection.
    this.verification.catch(() => {});
    this.wal.removeCovered(this.raftlogSyncedAtOpen());
    logger.info(
      `storage ${dir}: log 1..${this.lastIndex()} (raftlog up to ${applied}, ${this.recent.size()} entries from the WAL, ` +
        `${check.compared} checked against the raftlog), term ${this.hs.term}, vote ${this.hs.vote ?? 'none'}, commit ${this.hs.commit}, ` +
        `${this.wal.segmentCount()} WAL segment(s)`,
    );
  }

  /** The hardstate read at open, checked against the log: present beside a non-empty log, commit within the log. */
  private checkHardState(hs: HardState | null, logger: Logger): HardState {
    const path = join(this.dir, HARDSTATE_FILE);
    const fresh = this.raftlog.lastIndex() === 0 && this.raftlog.tornTail() === null && this.wal.segmentCount() === 0;
    if (hs === null) {
      if (!fresh) {
        throw new CorruptionError(
          path,
          0,
          `missing beside a non-empty log (raftlog ${this.raftlog.lastIndex()} lines, ${this.wal.segmentCount()} WAL segment(s)): ` +
            'the term and vote this node gave are lost, and starting at term 0 could vote twice in a term',
        );
      }
      // A new data directory: the hardstate comes first, so that from now on it is never missing beside a log.
      const zero: HardState = { term: 0, vote: null, commit: 0 };
      writeHardStateSync(this.dir, zero);
      logger.info(`${path}: new data directory, hard state created`);
      return zero;
    }
    if (hs.commit > this.lastIndex()) {
      throw new CorruptionError(
        path,
        0,
        `commit index ${hs.commit} is beyond the last entry on disk (${this.lastIndex()}: raftlog up to ${this.raftlog.lastIndex()}, ` +
          `write-ahead log up to ${this.lastIndex() > this.raftlog.lastIndex() ? this.lastIndex() : 'no further'}): committed entries are missing`,
      );
    }
    if (hs.commit > this.raftlog.lastIndex()) {
      // The repair a crash between the WAL and the raftlog needs anyway, said once since it may also mean lost lines.
      logger.warn(
        `${this.raftlog.path} ends at ${this.raftlog.lastIndex()} but entries up to ${hs.commit} are committed: ` +
          `lines ${this.raftlog.lastIndex() + 1}..${hs.commit} are written again from the write-ahead log`,
      );
    }
    return hs;
  }

  /** A damaged last raftlog line may only be a torn write if the WAL holds its entry (to write it again from). */
  private checkTornRaftlog(logger: Logger): void {
    const torn = this.raftlog.tornTail();
    if (torn === null) return;
    const index = this.raftlog.lastIndex() + 1;
    if (this.lastIndex() < index) {
      throw new CorruptionError(
        this.raftlog.path,
        torn.offset,
        `${torn.why}; the write-ahead log does not hold entry ${index}, so the line had been written durably: it is damaged, not torn by a crash`,
      );
    }
    this.raftlog.cutTornTail(logger, `entry ${index} is in the write-ahead log; its line is written again once the entry is applied`);
  }

  /** Checks every raftlog line's checksum in a worker thread; rejects with CorruptionError for the first bad one. */
  private async verifyRaftlog(): Promise<void> {
    const bad = await verifyFileInWorker(this.raftlog.path, this.raftlog.validSize());
    if (bad !== null) throw new CorruptionError(this.raftlog.path, bad.offset, `line ${bad.line}: ${bad.why}`);
  }

  /** Resolves once every raftlog line read at open passed its checksum (at once unless verifyInBackground). */
  verified(): Promise<void> {
    return this.verification;
  }

  /** The raftlog as read at open is fsynced here (synchronously, once) so covered segments may go at once. */
  private raftlogSyncedAtOpen(): number {
    this.raftlog.syncSync();
    return this.raftlog.lastIndex();
  }

  /** Applies one WAL record at startup: only what lies above the raftlog matters. */
  private replay(r: ReplayedRecord, applied: number): void {
    if (r.count === 0 || r.first + r.count - 1 <= applied) return; // all in the raftlog: not even parsed
    if (r.first > this.lastIndex() + 1) {
      throw new CorruptionError(r.file, r.offset, `record starts at index ${r.first} but the log ends at ${this.lastIndex()} (a gap)`);
    }
    const entries = r.entries();
    this.putEntries(r.first > applied ? entries : entries.slice(applied + 1 - r.first));
  }

  /** Makes entries (contiguous, entries[0].index <= lastIndex()+1, above the raftlog) the log's suffix in memory. */
  private putEntries(entries: Entry[]): void {
    if (entries.length === 0) return;
    this.terms.truncateFrom(entries[0].index);
    for (const e of entries) {
      this.terms.push(e.index, e.term);
      this.recent.put(e);
    }
  }

  // ---------------------------------------------------------------- LogReader

  lastIndex(): number {
    return this.terms.lastIndex();
  }

  term(index: number): number {
    return this.terms.term(index);
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    const end = Math.min(hi, this.lastIndex() + 1);
    const from = Math.max(lo, 1);
    const out: Entry[] = [];
    if (from >= end) return out;
    const budget = maxBytes ?? Infinity;
    let bytes = 0;
    // Everything below the window is in the raftlog (the window always starts at or below appliedIndex()+1).
    const memFirst = this.recent.first();
    if (from < memFirst) {
      const r = this.raftlog.read(from, Math.min(end, memFirst), budget, out, bytes);
      if (r.full) return out;
      bytes = r.bytes;
    }
    for (let i = Math.max(from, memFirst); i < end; i++) {
      const e = this.recent.get(i) as Entry;
      bytes += entryBytes(e);
      if (out.length > 0 && bytes > budget) break;
      out.push(e);
    }
    return out;
  }

  // ---------------------------------------------------------------- writes

  hardState(): HardState {
    return { ...this.hs };
  }

  append(entries: Entry[]): void {
    this.checkOpen();
    if (entries.length === 0) return;
    for (let k = 1; k < entries.length; k++) {
      if (entries[k].index !== entries[0].index + k) throw new Error(`append: entries not contiguous at ${entries[k].index}`);
    }
    // Entries already in the raftlog are committed and can never change: they may be offered again, never rewritten.
    const applied = this.raftlog.lastIndex();
    let k = 0;
    for (; k < entries.length && entries[k].index <= applied; k++) {
      const e = entries[k];
      if (this.terms.term(e.index) !== e.term) {
        throw new Error(`append would rewrite committed entry ${e.index} (term ${this.terms.term(e.index)}) with term ${e.term}`);
      }
    }
    const rest = k === 0 ? entries : entries.slice(k);
    if (rest.length === 0) return;
    const first = rest[0].index;
    if (first > this.lastIndex() + 1) throw new Error(`append at ${first} leaves a gap after ${this.lastIndex()}`);
    this.durableLast = Math.min(this.durableLast, first - 1);
    this.appendFloor = Math.min(this.appendFloor, first);
    this.wal.append(first, rest);
    this.putEntries(rest);
  }

  setHardState(hs: HardState): void {
    this.checkOpen();
    if (hs.term !== this.hs.term || hs.vote !== this.hs.vote) this.hsDirty = true;
    else if (hs.commit !== this.hs.commit) this.commitDirty = true;
    this.hs = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  /**
   * Never throws: the runtime calls this from a batch timer too, where an exception would have nothing to catch it.
   * A write error (ENOSPC, EIO) or a broken invariant is kept instead, and every later sync() (which every caller
   * awaits or hands to the runtime's fatal path) fails with it: one line, and the node stops.
   */
  appendCommitted(entries: Entry[]): void {
    if (entries.length === 0 || this.writeFailure !== null) return;
    try {
      this.checkOpen();
      const lastNew = entries[entries.length - 1].index;
      if (lastNew > this.lastIndex()) throw new Error(`appendCommitted: entry ${lastNew} is beyond the log (last ${this.lastIndex()})`);
      for (const e of entries) {
        if (e.index >= 1 && e.index <= this.lastIndex() && this.terms.term(e.index) !== e.term) {
          throw new Error(`appendCommitted: entry ${e.index} has term ${e.term} but the log has ${this.terms.term(e.index)}`);
        }
      }
      this.raftlog.append(entries); // throws unless entries start at appliedIndex()+1
      this.recent.dropBefore(lastNew + 1 - this.opts.keepApplied);
    } catch (err) {
      const msg = (err as Error).message;
      this.writeFailure = new Error(isIoError(err) ? `cannot write ${this.raftlog.path}: ${msg}` : msg);
    }
  }

  appliedIndex(): number {
    return this.raftlog.lastIndex();
  }

  /**
   * Calls fn for every entry of the raftlog in order (startup: rebuilding the key-value store). With onlyType, only
   * for entries of that type, which skips decoding the others (the key-value store needs only 'set').
   */
  forEachCommitted(fn: (e: Entry) => void, onlyType?: EntryType): void {
    this.raftlog.scan(fn, onlyType);
  }

  sync(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('storage is closed'));
    if (this.writeFailure !== null) return Promise.reject(this.writeFailure);
    return this.group.sync();
  }

  /** One group-commit round: fdatasync the WAL and the raftlog, write the hard state if due, all in parallel. */
  private async flush(): Promise<void> {
    const work: Promise<unknown>[] = [];
    const target = this.lastIndex();
    this.appendFloor = Infinity;
    work.push(
      this.wal.sync().then((r) => {
        this.fsyncs += r.fsyncs;
        this.durableLast = Math.max(this.durableLast, Math.min(target, this.appendFloor - 1));
      }),
    );
    const appliedAtStart = this.raftlog.lastIndex();
    if (this.raftlog.takeDirty()) {
      this.fsyncs++;
      work.push(this.raftlog.syncAsync().catch((err: unknown) => Promise.reject(new Error(`cannot fdatasync ${this.raftlog.path}: ${(err as Error).message}`))));
    }
    const commitDue = this.commitDirty && Date.now() - this.lastHsWrite >= this.opts.lazyCommitMs;
    if (this.hsDirty || commitDue) work.push(this.persistHardState());
    await Promise.all(work);
    this.wal.removeCovered(appliedAtStart);
  }

  private persistHardState(): Promise<void> {
    this.hsDirty = false;
    // Runs in parallel with the WAL's fsync: claim only a commit index the disk already held when this flush began.
    const commit = Math.min(this.hs.commit, Math.max(this.durableLast, this.raftlog.lastIndex()));
    this.commitDirty = commit < this.hs.commit;
    this.lastHsWrite = Date.now();
    this.fsyncs += 2;
    const path = join(this.dir, HARDSTATE_FILE);
    return writeHardState(this.dir, { ...this.hs, commit }).catch((err: unknown) =>
      Promise.reject(new Error(`cannot write ${path}: ${(err as Error).message}`)),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.sync();
    if (this.commitDirty || this.hsDirty) await this.persistHardState();
    this.closed = true;
    this.wal.close();
    this.raftlog.close();
  }

  stats(): StorageStats {
    return {
      flushes: this.group.flushes,
      fsyncs: this.fsyncs,
      walSegments: this.wal.segmentCount(),
      entriesInMemory: this.recent.size(),
      termRuns: this.terms.runCount(),
    };
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('storage is closed');
  }
}

/** An error from the operating system (it has an errno code), as opposed to a bug. */
function isIoError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string';
}
