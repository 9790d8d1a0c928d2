// Opens the node's durable storage: NodeStorage (src/storage/). Throws CorruptionError (naming file and byte offset)
// for a damaged data directory; main.ts turns that into its one-line exit message.
import { NodeStorage } from '../storage/node-storage.js';
import type { Logger } from '../util/logger.js';
import type { DurableStore } from './runtime.js';

export async function openStorage(dir: string, logger: Logger): Promise<DurableStore> {
  return NodeStorage.open(dir, logger);
}
