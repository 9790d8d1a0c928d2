// Shared helpers for the storage tests: temp data directories (always removed), a logger that records warnings,
// and entry builders.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Entry, EntryType } from '../../src/raft/types.js';
import { NodeStorage, type NodeStorageOptions } from '../../src/storage/node-storage.js';
import type { Logger } from '../../src/util/logger.js';

export class RecordingLogger implements Logger {
  readonly warnings: string[] = [];
  debug(): void {}
  info(): void {}
  warn(msg: string): void {
    this.warnings.push(msg);
  }
  error(msg: string): void {
    this.warnings.push(msg);
  }
}

/** Makes temp dirs for one suite and removes them all in `after`. */
export class TempDirs {
  private readonly dirs: string[] = [];

  make(prefix = 'raft-storage-'): string {
    const d = mkdtempSync(join(tmpdir(), prefix));
    this.dirs.push(d);
    return d;
  }

  removeAll(): void {
    for (const d of this.dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
}

export function entry(index: number, term: number, type: EntryType = 'add', data = `data-${index}`): Entry {
  return { index, term, type, tid: type === 'noop' ? '' : `tid-${index}`, data, key: type === 'set' ? `key-${index % 7}` : '' };
}

/** Entries lo..hi (inclusive) of one term. */
export function range(lo: number, hi: number, term: number, type: EntryType = 'add'): Entry[] {
  const out: Entry[] = [];
  for (let i = lo; i <= hi; i++) out.push(entry(i, term, type));
  return out;
}

/** Paths of the WAL segments in dir, oldest first. */
export function segments(dir: string): string[] {
  return readdirSync(join(dir, 'wal'))
    .filter((n) => n.endsWith('.wal'))
    .sort()
    .map((n) => join(dir, 'wal', n));
}

/**
 * A data directory whose log is `entries`: appended, fsynced, the first `committed` of them (by default all) written to
 * the raftlog, closed.
 */
export async function writeCommittedLog(dir: string, entries: Entry[], opts?: NodeStorageOptions, committed = entries.length): Promise<void> {
  const s = NodeStorage.open(dir, new RecordingLogger(), opts);
  s.append(entries);
  await s.sync();
  s.appendCommitted(entries.slice(0, committed));
  await s.close();
}

/** A raftlog line with a valid checksum around any content `base` (a JSON object text ending in "}"). */
export function lineWithCrc(base: string): string {
  return `${base.slice(0, -1)},"crc":"${crc32(base).toString(16).padStart(8, '0')}"}`;
}
