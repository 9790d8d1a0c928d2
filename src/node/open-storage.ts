// Opens the node's durable storage: NodeStorage (src/storage/). Throws CorruptionError (naming file and byte offset)
// for a damaged data directory; main.ts turns that into its one-line exit message. The node program checks the raftlog
// lines' checksums in the background while it rebuilds its state, and awaits verified() before it serves.
import { NodeStorage } from '../storage/node-storage.js';
import type { Logger } from '../util/logger.js';
import type { DurableStore } from './runtime.js';

/** Storage plus the outcome of the raftlog check that runs in the background (serve nothing before it resolves). */
export type OpenedStorage = DurableStore & { verified(): Promise<void> };

export async function openStorage(dir: string, logger: Logger, opts: { verifyInBackground?: boolean } = {}): Promise<OpenedStorage> {
  return NodeStorage.open(dir, logger, { verifyInBackground: opts.verifyInBackground ?? false });
}
