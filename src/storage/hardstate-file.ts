// The hard state (term, vote, commit) in one small file, replaced atomically: write hardstate.tmp, fsync it, rename
// it over hardstate, fsync the directory. A crash leaves either the old or the new file, never a mix; a leftover
// hardstate.tmp is an unfinished write and is ignored. The content carries its own crc32 ("<crc hex> <json>\n"), so a
// damaged file is reported as corruption instead of silently becoming term 0 / no vote (which could mean a second
// vote in a term: two leaders).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { HardState } from '../raft/types.js';
import { CorruptionError } from './corruption-error.js';
import { fsyncDirAsync } from './fsync.js';

export const HARDSTATE_FILE = 'hardstate';
const TMP_FILE = 'hardstate.tmp';

export function encodeHardState(hs: HardState): string {
  const json = JSON.stringify({ term: hs.term, vote: hs.vote, commit: hs.commit });
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** Reads dir/hardstate (zeros if absent) and removes a leftover temp file. */
export function readHardState(dir: string): HardState {
  rmSync(join(dir, TMP_FILE), { force: true });
  const path = join(dir, HARDSTATE_FILE);
  if (!existsSync(path)) return { term: 0, vote: null, commit: 0 };
  const text = readFileSync(path, 'utf8');
  const m = /^([0-9a-f]{8}) (.*)\n$/s.exec(text);
  if (m === null) throw new CorruptionError(path, 0, 'not "<crc32> <json>" on one line');
  if (parseInt(m[1], 16) !== crc32(m[2])) throw new CorruptionError(path, 0, 'checksum mismatch');
  const v = JSON.parse(m[2]) as Record<string, unknown>;
  const { term, vote, commit } = v;
  if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) throw new CorruptionError(path, 9, 'bad term');
  if (vote !== null && typeof vote !== 'string') throw new CorruptionError(path, 9, 'bad vote');
  if (typeof commit !== 'number' || !Number.isSafeInteger(commit) || commit < 0) throw new CorruptionError(path, 9, 'bad commit');
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
