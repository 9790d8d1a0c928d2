// Every raftlog line's own checksum, checked over a byte range of the file: the one pass that proves no line was
// changed since it was written. It costs one native crc32 call per line (~0.3 s for 1,000,000 lines on this machine,
// more than the rest of opening the file), so the node program runs it in a worker thread while the main thread goes
// on with its startup (WAL replay, rebuilding the key-value store), and serves nothing until it has passed
// (NodeStorage.verified()). Tests and tools that open storage in-process run it synchronously inside open().
import { closeSync, openSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ChunkReader } from './raftlog-chunk.js';

/** The first line that fails its checksum: its byte offset, line number and why. */
export interface BadLine {
  offset: number;
  line: number;
  why: string;
}

const CHUNK = 4 << 20;

/** Checks the complete lines in [0, size) of the file open as fd (size must end at a line end). */
export function verifyLines(fd: number, size: number): BadLine | null {
  const reader = new ChunkReader(fd, 0, size, CHUNK);
  let line = 0;
  for (let chunk = reader.next(); chunk !== null; chunk = reader.next()) {
    const buf = chunk.buf;
    for (let p = 0; p < chunk.length; ) {
      const nl = buf.indexOf(0x0a, p);
      line++;
      const why = chunk.crcWhy(p, nl);
      if (why !== null) return { offset: chunk.offset + p, line, why };
      p = nl + 1;
    }
  }
  return null;
}

export function verifyFile(path: string, size: number): BadLine | null {
  const fd = openSync(path, 'r');
  try {
    return verifyLines(fd, size);
  } finally {
    closeSync(fd);
  }
}

/** verifyFile in a worker thread; falls back to this thread if a worker cannot run. */
export function verifyFileInWorker(path: string, size: number): Promise<BadLine | null> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    const here = (): void => {
      try {
        resolve(verifyFile(path, size));
      } catch (err) {
        reject(err as Error);
      }
    };
    try {
      worker = new Worker(new URL('./raftlog-verify-worker.js', import.meta.url), { workerData: { path, size } });
    } catch {
      here();
      return;
    }
    let settled = false;
    worker.once('message', (m: { bad: BadLine | null } | { error: string }) => {
      settled = true;
      if ('error' in m) reject(new Error(`cannot read ${path}: ${m.error}`));
      else resolve(m.bad);
    });
    worker.once('error', () => {
      if (!settled) {
        settled = true;
        here();
      }
    });
    worker.once('exit', () => {
      if (!settled) {
        settled = true;
        here();
      }
    });
  });
}
