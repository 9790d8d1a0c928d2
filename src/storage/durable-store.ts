// The storage port: what the node runtime needs from durable storage. NodeStorage (node-storage.ts) implements it on
// files with fsync; the simulator's SimDisk (src/sim/disk.ts) on simulated memory that a crash can take away. It lives
// with storage, below the runtime, so storage never imports from src/node.
import type { Entry, EntryType, HardState, LogReader } from '../raft/types.js';

export interface DurableStore extends LogReader {
  hardState(): HardState;
  /** Appends to the WAL, replacing the suffix from entries[0].index; durable at the next sync(). */
  append(entries: Entry[]): void;
  /** Term/vote/commit; durable at the next sync(). */
  setHardState(hs: HardState): void;
  /** Raftlog lines for committed entries (already durable in the WAL); durable at the next sync(). */
  appendCommitted(entries: Entry[]): void;
  /** The last index with a raftlog line: the state machine is rebuilt up to here at start. */
  appliedIndex(): number;
  forEachCommitted(fn: (e: Entry) => void, onlyType?: EntryType): void;
  /** Resolves once every write made before the call is durable (group commit: concurrent calls share fsyncs). */
  sync(): Promise<void>;
  close(): Promise<void>;
}
