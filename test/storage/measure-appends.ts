// Measures appends per second with real fsync through NodeStorage, the way the runtime drives it:
// append(entries) then await sync(). One writer (every entry waits for its own fsync) and W concurrent writers
// (group commit: writers arriving during an fsync share the next one).
//   node dist/test/storage/measure-appends.js [--seconds S] [--dir DIR]
// --dir picks the file system to measure (default: the OS temp dir). The folder it creates is removed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../../src/raft/types.js';
import { NodeStorage } from '../../src/storage/node-storage.js';
import { silentLogger } from '../../src/util/logger.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

async function run(base: string, writers: number, seconds: number): Promise<void> {
  const dir = mkdtempSync(join(base, 'raft-measure-appends-'));
  try {
    const s = NodeStorage.open(dir, silentLogger);
    let next = 1;
    const value = 'x'.repeat(100);
    const deadline = performance.now() + seconds * 1000;
    const writer = async (w: number): Promise<void> => {
      while (performance.now() < deadline) {
        // Appends are synchronous and ordered, as in the runtime's Ready loop.
        const e: Entry = { index: next++, term: 1, type: 'add', tid: `w${w}-${next}`, data: value, key: '' };
        s.append([e]);
        await s.sync();
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
    const secs = (performance.now() - t0) / 1000;
    const st = s.stats();
    const n = next - 1;
    console.log(
      `${String(writers).padStart(3)} writer(s): ${(n / secs).toFixed(0).padStart(7)} appends/s durable, ` +
        `${(st.flushes / secs).toFixed(0).padStart(5)} fsync rounds/s, ${(n / st.flushes).toFixed(1)} entries per fsync round`,
    );
    await s.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const seconds = Number(arg('--seconds', '3'));
  const base = arg('--dir', tmpdir());
  console.log(`NodeStorage append + sync, 100-byte entries, ${seconds} s each, in ${base}`);
  for (const w of [1, 32, 256]) await run(base, w, seconds);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
