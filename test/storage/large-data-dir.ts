// Builds a node data directory holding a long committed log quickly (big buffered writes instead of one append per
// entry), shaped like a node after steady load: the raftlog with every committed entry, the WAL's newest segment
// holding the most recent entries (already applied, plus a few not yet committed), and a hardstate file.
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry } from '../../src/raft/types.js';
import { encodeHardState } from '../../src/storage/hardstate-file.js';
import { formatRaftlogLine } from '../../src/storage/raftlog-format.js';
import { encodeRecord } from '../../src/storage/wal-record.js';

export interface LargeDirOptions {
  /** Committed entries (raftlog lines). */
  committed: number;
  /** Of those, how many of the newest are also in the WAL segment (as after steady load, before deletion). */
  walApplied: number;
  /** Entries in the WAL beyond the raftlog (appended, not yet committed). */
  walUnapplied: number;
  valueBytes: number;
  /** Distinct keys of the 'set' entries. */
  keys: number;
  /** 'set' (setVal: every entry matters to the key-value store) or 'add' (addEntry: none does). */
  type: 'set' | 'add';
}

/** Entry i of the generated history: valueBytes of data, 3 terms. */
export function generatedEntry(i: number, o: LargeDirOptions): Entry {
  const term = 1 + Math.floor((i * 3) / (o.committed + o.walUnapplied + 1));
  const v = `v${i}-`;
  const data = v + 'x'.repeat(Math.max(0, o.valueBytes - v.length));
  return { index: i, term, type: o.type, tid: `c${i % 97}-${i}`, data, key: o.type === 'set' ? `key-${i % o.keys}` : '' };
}

export function writeLargeDataDir(dir: string, o: LargeDirOptions): void {
  mkdirSync(join(dir, 'wal'), { recursive: true });
  const raftlog = openSync(join(dir, 'raftlog'), 'w');
  const CHUNK = 4096;
  for (let lo = 1; lo <= o.committed; lo += CHUNK) {
    let text = '';
    for (let i = lo; i < Math.min(o.committed + 1, lo + CHUNK); i++) text += formatRaftlogLine(generatedEntry(i, o)) + '\n';
    writeSync(raftlog, text);
  }
  closeSync(raftlog);
  const wal = openSync(join(dir, 'wal', `${'1'.padStart(16, '0')}-${String(o.committed - o.walApplied + 1).padStart(16, '0')}.wal`), 'w');
  const last = o.committed + o.walUnapplied;
  const PER_RECORD = 64;
  const bufs: Buffer[] = [];
  for (let lo = o.committed - o.walApplied + 1; lo <= last; lo += PER_RECORD) {
    const batch: Entry[] = [];
    for (let i = lo; i < Math.min(last + 1, lo + PER_RECORD); i++) batch.push(generatedEntry(i, o));
    bufs.push(encodeRecord(lo, batch));
    if (bufs.length >= 256) writeSync(wal, Buffer.concat(bufs.splice(0)));
  }
  if (bufs.length > 0) writeSync(wal, Buffer.concat(bufs));
  closeSync(wal);
  const lastTerm = generatedEntry(last, o).term;
  writeFileSync(join(dir, 'hardstate'), encodeHardState({ term: lastTerm, vote: null, commit: o.committed }));
}
