// STOP-GAP durable storage, used by main.ts only while src/storage/node-storage.ts (owned by the storage engineer) is
// not in the tree. Same contract as NodeStorage, kept deliberately simple:
//  - wal/wal.log: records [u32 length][u32 crc32][JSON {first, entries}]; replay applies each record's suffix
//    replacement; a torn or checksum-failing LAST record is dropped with a warning, a bad record elsewhere throws
//    FallbackCorruptionError naming file and offset.
//  - hardstate: JSON written to a temp file, fsynced and renamed (atomic).
//  - raftlog: one JSON line per committed entry (index, term, type, tid, data, key), appended.
// Writes go to the page cache at once; sync() fdatasyncs them (group commit: concurrent callers share the next fsync).
// Known limit: the whole log is held in memory.
import { closeSync, existsSync, fdatasync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Entry, HardState } from '../raft/types.js';
import type { Logger } from '../util/logger.js';
import type { DurableStore } from './runtime.js';

export class FallbackCorruptionError extends Error {
  constructor(readonly file: string, readonly offset: number, why: string) {
    super(`corrupt record in ${file} at offset ${offset}: ${why}`);
    this.name = 'CorruptionError';
  }
}

const HEADER = 8;

function formatLine(e: Entry): string {
  return JSON.stringify({ index: e.index, term: e.term, type: e.type, tid: e.tid, data: e.data, key: e.key }) + '\n';
}

function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export class FallbackStorage implements DurableStore {
  private readonly log: Entry[] = [];
  private hs: HardState = { term: 0, vote: null, commit: 0 };
  /** Term or vote changed: must be durable before the next sync() resolves. */
  private hsDirty = false;
  /** Only the commit index changed: it may be persisted lazily (the core recomputes it), at most once a second. */
  private commitDirty = false;
  private lastHsWrite = 0;
  private applied = 0;
  private readonly walFd: number;
  private readonly raftlogFd: number;
  private syncing: Promise<void> | null = null;
  private syncAgain: Promise<void> | null = null;

  static open(dir: string, logger: Logger): FallbackStorage {
    return new FallbackStorage(dir, logger);
  }

  private constructor(private readonly dir: string, logger: Logger) {
    mkdirSync(join(dir, 'wal'), { recursive: true });
    const hsFile = join(dir, 'hardstate');
    if (existsSync(hsFile)) this.hs = JSON.parse(readFileSync(hsFile, 'utf8')) as HardState;
    const walFile = join(dir, 'wal', 'wal.log');
    this.walFd = openSync(walFile, 'a+');
    this.replayWal(walFile, logger);
    const raftlogFile = join(dir, 'raftlog');
    this.raftlogFd = openSync(raftlogFile, 'a+');
    const text = readFileSync(raftlogFile, 'utf8');
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < text.length) {
      logger.warn(`raftlog: dropping a torn last line (${text.length - complete} bytes)`);
      ftruncateSync(this.raftlogFd, Buffer.byteLength(text.slice(0, complete)));
    }
    this.applied = text.slice(0, complete).split('\n').length - 1;
    if (this.applied > this.log.length) throw new FallbackCorruptionError(raftlogFile, 0, `raftlog has ${this.applied} lines but the WAL only ${this.log.length} entries`);
  }

  private replayWal(file: string, logger: Logger): void {
    const buf = readFileSync(file);
    let off = 0;
    while (off < buf.length) {
      const torn = (why: string): void => {
        logger.warn(`${file}: dropping a torn last record at offset ${off} (${why})`);
        ftruncateSync(this.walFd, off);
        off = buf.length;
      };
      if (off + HEADER > buf.length) { torn('short header'); break; }
      const len = buf.readUInt32LE(off);
      const crc = buf.readUInt32LE(off + 4);
      const end = off + HEADER + len;
      if (end > buf.length) { torn('short record'); break; }
      const body = buf.subarray(off + HEADER, end);
      if (crc32(body) !== crc) {
        if (end === buf.length) { torn('checksum'); break; }
        throw new FallbackCorruptionError(file, off, 'checksum mismatch');
      }
      const rec = JSON.parse(body.toString('utf8')) as { entries: Entry[] };
      this.appendInMemory(rec.entries);
      off = end;
    }
  }

  hardState(): HardState { return { ...this.hs }; }
  lastIndex(): number { return this.log.length; }

  term(index: number): number {
    if (index === 0) return 0;
    if (index < 0 || index > this.log.length) throw new RangeError(`index ${index} outside 0..${this.log.length}`);
    return this.log[index - 1].term;
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = Math.max(1, lo); i < hi && i <= this.log.length; i++) {
      const e = this.log[i - 1];
      bytes += e.data.length + e.key.length + e.tid.length;
      if (out.length > 0 && maxBytes !== undefined && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    const body = Buffer.from(JSON.stringify({ entries }), 'utf8');
    const header = Buffer.alloc(HEADER);
    header.writeUInt32LE(body.length, 0);
    header.writeUInt32LE(crc32(body), 4);
    writeSync(this.walFd, Buffer.concat([header, body]));
    this.appendInMemory(entries);
  }

  private appendInMemory(entries: Entry[]): void {
    if (entries.length === 0) return;
    this.log.length = Math.min(this.log.length, entries[0].index - 1);
    for (const e of entries) this.log.push(e);
  }

  setHardState(hs: HardState): void {
    if (hs.term !== this.hs.term || hs.vote !== this.hs.vote) this.hsDirty = true;
    else if (hs.commit !== this.hs.commit) this.commitDirty = true;
    this.hs = { ...hs };
  }

  appendCommitted(entries: Entry[]): void {
    if (entries.length === 0) return;
    writeSync(this.raftlogFd, entries.map(formatLine).join(''));
    this.applied = entries[entries.length - 1].index;
  }

  appliedIndex(): number { return this.applied; }

  forEachCommitted(fn: (e: Entry) => void): void {
    for (const line of readFileSync(join(this.dir, 'raftlog'), 'utf8').split('\n')) if (line) fn(JSON.parse(line) as Entry);
  }

  /** Resolves once everything written before the call is durable; callers during an fsync share the next one. */
  sync(): Promise<void> {
    if (this.syncing === null) {
      this.syncing = this.flush().finally(() => (this.syncing = null));
      return this.syncing;
    }
    if (this.syncAgain === null) {
      this.syncAgain = this.syncing.then(() => {
        this.syncAgain = null;
        return this.sync();
      });
    }
    return this.syncAgain;
  }

  private async flush(): Promise<void> {
    const commitDue = this.commitDirty && Date.now() - this.lastHsWrite >= 1000;
    await Promise.all([
      this.hsDirty || commitDue ? this.writeHardState() : Promise.resolve(),
      fdatasyncAsync(this.walFd),
      fdatasyncAsync(this.raftlogFd),
    ]);
  }

  /** Atomic replacement: temp file, fsync, rename, fsync of the directory (all off the event loop). */
  private async writeHardState(): Promise<void> {
    this.hsDirty = false;
    this.commitDirty = false;
    this.lastHsWrite = Date.now();
    const tmp = join(this.dir, 'hardstate.tmp');
    await writeFile(tmp, JSON.stringify(this.hs));
    const f = await open(tmp, 'r+');
    await f.sync();
    await f.close();
    await rename(tmp, join(this.dir, 'hardstate'));
    const d = await open(this.dir, 'r');
    await d.sync();
    await d.close();
  }

  async close(): Promise<void> {
    await this.sync();
    if (this.commitDirty) await this.writeHardState();
    closeSync(this.walFd);
    closeSync(this.raftlogFd);
  }
}
