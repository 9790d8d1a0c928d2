// Measures what issue 5 asks of storage: restart time and memory of a node holding 1,000,000 committed entries.
//   node dist/test/storage/measure-restart.js [--entries N] [--value-bytes B] [--type set|add] [--keep]
// Prints (1) the in-process breakdown of a restart: NodeStorage.open, forEachCommitted rebuilding the key-value
// store, and RaftCore's construction (which reads the newest entries for its dedup window); then (2) the real node
// program: time from spawn until it answers status() over XML-RPC, and its RSS then (VmRSS) and at peak (VmHWM),
// against the same program on a log 100 times shorter, to show memory does not grow with the log.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KvStore } from '../../src/node/kv-store.js';
import { findFreePorts } from '../../src/node/ports.js';
import { RaftCore } from '../../src/raft/core.js';
import { DEFAULT_RAFT_TUNING } from '../../src/raft/types.js';
import { RpcClient } from '../../src/rpc/client.js';
import { NodeStorage } from '../../src/storage/node-storage.js';
import { seededRandom } from '../../src/util/seeded-random.js';
import { silentLogger } from '../../src/util/logger.js';
import { writeLargeDataDir, type LargeDirOptions } from './large-data-dir.js';

import { makeNodeSecrets } from '../integration/helpers.js';
const MAIN = fileURLToPath(new URL('../../src/node/main.js', import.meta.url));

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

function inProcess(dir: string): void {
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const s = NodeStorage.open(dir, silentLogger);
  const t1 = performance.now();
  const kv = new KvStore();
  s.forEachCommitted((e) => kv.apply(e));
  const t2 = performance.now();
  // What the rebuild would cost if the runtime asked only for the entries its key-value store uses.
  const kvSetOnly = new KvStore();
  s.forEachCommitted((e) => kvSetOnly.apply(e), 'set');
  const setOnlyMs = performance.now() - t2;
  const core = new RaftCore(
    { ...DEFAULT_RAFT_TUNING, id: 'a:1', peers: ['a:1', 'b:2', 'c:3'], electionTicks: 15, heartbeatTicks: 5, random: seededRandom(1) },
    s,
    s.hardState(),
    s.appliedIndex(),
  );
  const t3 = performance.now();
  global.gc?.();
  const st = s.stats();
  console.log(
    `in-process restart: open ${(t1 - t0).toFixed(0)} ms + forEachCommitted/kv rebuild ${(t2 - t1).toFixed(0)} ms ` +
      `+ RaftCore (dedup window) ${(t3 - t2).toFixed(0)} ms = ${(t3 - t0).toFixed(0)} ms; ` +
      `log 1..${s.lastIndex()}, applied ${s.appliedIndex()}, ${kv.size} keys, ${st.entriesInMemory} entries in memory, ` +
      `${st.termRuns} term runs; RSS ${mb(rss0)} -> ${mb(process.memoryUsage().rss)} (heap used ${mb(process.memoryUsage().heapUsed)})`,
  );
  console.log(`  (forEachCommitted(fn, 'set') instead: ${setOnlyMs.toFixed(0)} ms, ${kvSetOnly.size} keys)`);
  void core;
  void s.close();
}

function vm(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Starts the node program on dir, waits until status() answers, reports time and memory, stops it. */
async function nodeProgram(root: string, dir: string, label: string): Promise<void> {
  const [port] = await findFreePorts(1);
  const config = join(root, `cluster-${port}.json`);
  writeFileSync(config, JSON.stringify({ nodes: [`127.0.0.1:${port}`] }));
  makeNodeSecrets(dir, [`127.0.0.1:${port}`]);
  const t0 = performance.now();
  const child = spawn(process.execPath, [MAIN, '--config', config, '--id', `127.0.0.1:${port}`, '--data-dir', dir, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const client = new RpcClient('127.0.0.1', port, { timeoutMs: 1000 });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await client.call('status', [], 1000);
        break;
      } catch {
        if (Date.now() > deadline) throw new Error('node did not answer status() within 60 s');
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    const ms = performance.now() - t0;
    console.log(`node program, ${label}: spawn -> serving status() ${ms.toFixed(0)} ms; RSS ${mb(vm(child.pid as number, 'VmRSS'))}, peak ${mb(vm(child.pid as number, 'VmHWM'))}`);
  } finally {
    client.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function main(): Promise<void> {
  const n = arg('--entries', 1_000_000);
  const opts = (committed: number): LargeDirOptions => ({
    committed,
    walApplied: Math.min(committed, 300_000),
    walUnapplied: 100,
    valueBytes: arg('--value-bytes', 100),
    keys: 10_000,
    type: process.argv.includes('add') ? 'add' : 'set',
  });
  const root = mkdtempSync(join(tmpdir(), 'raft-measure-restart-'));
  try {
    const big = join(root, 'big');
    const small = join(root, 'small');
    let t = performance.now();
    writeLargeDataDir(big, opts(n));
    writeLargeDataDir(small, opts(Math.max(1, Math.floor(n / 100))));
    const walBytes = statSync(join(big, 'wal', `${'1'.padStart(16, '0')}-${String(n - opts(n).walApplied + 1).padStart(16, '0')}.wal`)).size;
    console.log(
      `generated ${n} committed '${opts(n).type}' entries (${opts(n).valueBytes}-byte values) in ${(performance.now() - t).toFixed(0)} ms: ` +
        `raftlog ${mb(statSync(join(big, 'raftlog')).size)}, WAL segment ${mb(walBytes)} (${opts(n).walApplied} applied + 100 unapplied entries)`,
    );
    t = performance.now();
    inProcess(big);
    await nodeProgram(root, big, `${n} entries`);
    await nodeProgram(root, big, `${n} entries, again`);
    await nodeProgram(root, small, `${Math.floor(n / 100)} entries`);
  } finally {
    if (!process.argv.includes('--keep')) rmSync(root, { recursive: true, force: true });
    else console.log(`kept ${root}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
