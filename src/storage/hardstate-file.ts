// The hard state (term, vote, commit) in one small file, replaced atomically: write hardstate.tmp, fsync it, rename
// it over hardstate, fsync the directory. A crash leaves either the old or the new file, never a mix; a leftover
// hardstate.tmp is an unfinished write and is ignored. The content carries its own crc32 ("<crc hex> <json>\n"), so a
// damaged file is reported as corruption instead of silently becoming term 0 / no vote (which could mean a second
// vote in a term: two leaders). A new data directory gets its hardstate before anything else is written, so a missing
// file beside a non-empty log is always damage, never a crash (node-storage.ts refuses it).
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { HardState } from '../raft/types.js';
import { CorruptionError } from './corruption-error.js';
import { fsyncDirAsync, fsyncDirSync } from './fsync.js';

export const HARDSTATE_FILE = 'hardstate';
const TMP_FILE = 'hardstate.tmp';
/** Where the JSON starts: after "<8 hex digits> ". */
const JSON_OFFSET = 9;

export function encodeHardState(hs: HardState): string {
  const json = JSON.stringify({ term: hs.term, vote: hs.vote, commit: hs.commit });
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** Reads dir/hardstate, or null if there is none; removes a leftover temp file. Throws CorruptionError naming the file. */
export function readHardState(dir: string): HardState | null {
  rmSync(join(dir, TMP_FILE), { force: true });
  const path = join(dir, HARDSTATE_FILE);
  if (!existsSync(path)) return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CorruptionError(path, 0, `unreadable: ${(err as Error).message}`);
  }
  const m = /^([0-9a-f]{8}) (.*)\n$/s.exec(text);
  if (m === null) throw new CorruptionError(path, 0, 'not "<crc32> <json>" on one line');
  if (parseInt(m[1], 16) !== crc32(m[2])) throw new CorruptionError(path, 0, 'checksum mismatch');
  let v: unknown;
  try {
    v = JSON.parse(m[2]);
  } catch (err) {
    throw new CorruptionError(path, JSON_OFFSET, `not JSON (${(err as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CorruptionError(path, JSON_OFFSET, 'not a JSON object');
  const { term, vote, commit } = v as Record<string, unknown>;
  if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) throw new CorruptionError(path, JSON_OFFSET, 'bad term');
  if (vote !== null && typeof vote !== 'string') throw new CorruptionError(path, JSON_OFFSET, 'bad vote');
  if (typeof commit !== 'number' || !Number.isSafeInteger(commit) || commit < 0) throw new CorruptionError(path, JSON_OFFSET, 'bad commit');
  return { term, vote, commit };
}

/** Atomically replaces dir/hardstate; durable when the promise resolves. Calls must not overlap. */
export async function writeHardState(dir: string, hs: HardState): Promise<void> {
  const tmp = join(dir, TMP_FILE);
  const f = await open(tmp, 'w');
  try {
    await f.writeFile(encodeHardState(hs));
    await f.sync();
  } finally {
    await f.close();
  }
  await rename(tmp, join(dir, HARDSTATE_FILE));
  await fsyncDirAsync(dir);
}

/** writeHardState, synchronously (once, when a data directory is created). */
export function writeHardStateSync(dir: string, hs: HardState): void {
  const tmp = join(dir, TMP_FILE);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = Buffer.from(encodeHardState(hs));
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, HARDSTATE_FILE));
  fsyncDirSync(dir);
}
