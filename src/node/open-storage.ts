// Opens the node's durable storage: the NodeStorage of src/storage/node-storage.ts (the storage engineer's module)
// when it is built, otherwise the stop-gap FallbackStorage. The module is loaded by a computed specifier so this
// file compiles whether or not src/storage exists yet; remove the fallback once NodeStorage is in the tree.
import type { Logger } from '../util/logger.js';
import { FallbackStorage } from './fallback-storage.js';
import type { DurableStore } from './runtime.js';

interface StorageModule {
  NodeStorage?: { open(dir: string, logger: Logger): DurableStore };
}

const NODE_STORAGE_MODULE = '../storage/node-storage.js';

export async function openStorage(dir: string, logger: Logger): Promise<DurableStore> {
  let mod: StorageModule | null = null;
  try {
    mod = (await import(NODE_STORAGE_MODULE)) as StorageModule;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Only "the storage module itself is absent" falls back; a broken storage module is a real error.
    if (e.code !== 'ERR_MODULE_NOT_FOUND' || !/Cannot find module '[^']*node-storage\.js'/.test(String(e.message))) throw err;
  }
  if (mod?.NodeStorage) return mod.NodeStorage.open(dir, logger);
  logger.warn('src/storage/node-storage.js is not built: using the stop-gap FallbackStorage (src/node/fallback-storage.ts)');
  return FallbackStorage.open(dir, logger);
}
