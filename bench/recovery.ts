// Recovery and memory at scale: a node holding N committed entries (1,000,000 by default) restarts and serves.
// The N entries are written straight into node 0's data folder through the node's own storage (NodeStorage, the
// DurableStore the runtime uses: WAL first, then the raftlog, then the hard state), and the folder is copied to the
// other nodes, so the cluster starts as if it had committed them; driving 1M addEntry calls would take minutes.
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { NodeStorage } from '../src/storage/node-storage.js';
import type { Entry } from '../src/raft/types.js';
import { silentLogger } from '../src/util/logger.js';
import { makeClient } from './clients/make-client.js';
import { benchValue } from './load/closed-loop.js';
import { readRss, type RssSample } from './memory.js';
import type { startRaftSystem } from './systems/raft-system.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RecoveryResult {
  entries: number;
  /** Writing the entries into one data folder (not part of the figure users care about). */
  fillMs: number;
  /** Whole cluster started on the filled folders: spawn to the first acknowledged write. */
  coldStartToFirstWriteMs: number;
  /** kill -9 of a follower, then spawn to READY (storage opened, state rebuilt, serving RPCs). */
  restartToReadyMs: number;
  /** ... and to reporting every committed entry applied. */
  restartToCaughtUpMs: number;
  /** Per node, after the cold start and the restart. */
  rss: (RssSample | null)[];
}

const BATCH = 5000;

/** Writes entries 1..count (term 1) into a fresh data folder and marks them committed and applied. */
export async function fillDataDir(dir: string, count: number): Promise<void> {
  const store = await NodeStorage.open(dir, silentLogger);
  try {
    for (let lo = 1; lo <= count; lo += BATCH) {
      const batch: Entry[] = [];
      for (let i = lo; i < lo + BATCH && i <= count; i++) batch.push({ index: i, term: 1, type: 'add', tid: `fill-${i}`, data: benchValue(100, i), key: '' });
      store.append(batch);
      await store.sync();
      store.appendCommitted(batch);
      store.setHardState({ term: 1, vote: null, commit: batch[batch.length - 1].index });
      await store.sync();
    }
  } finally {
    await store.close();
  }
}

type RaftSystem = Awaited<ReturnType<typeof startRaftSystem>>;

export async function runRecovery(
  entries: number,
  nodeDirs: string[],
  start: () => Promise<RaftSystem>,
  tidPrefix: string,
  acked: string[],
): Promise<{ result: RecoveryResult; system: RaftSystem }> {
  const f0 = performance.now();
  await fillDataDir(nodeDirs[0], entries);
  for (const d of nodeDirs.slice(1)) cpSync(nodeDirs[0], d, { recursive: true });
  const fillMs = Math.round(performance.now() - f0);

  const s0 = performance.now();
  const sys = await start();
  const client = makeClient(sys.clientSpec(1));
  let coldStartToFirstWriteMs: number;
  try {
    const out = await client.add(`${tidPrefix}-first`, benchValue(100, 0));
    if (!out.ok) throw new Error('no write acknowledged after the cold start with the filled data folders');
    acked.push(`${tidPrefix}-first`);
    coldStartToFirstWriteMs = Math.round(performance.now() - s0);
  } finally {
    client.close();
  }

  const leader = await sys.waitForLeader(30_000);
  const follower = (leader.index + 1) % sys.endpoints.length;
  await sys.kill(follower);
  const r0 = performance.now();
  await sys.restart(follower);
  const restartToReadyMs = Math.round(performance.now() - r0);
  let restartToCaughtUpMs = -1;
  for (const deadline = r0 + 60_000; performance.now() < deadline; ) {
    const st = (await sys.statuses())[follower];
    if (st !== null && st.lastApplied >= entries && st.leader !== '') {
      restartToCaughtUpMs = Math.round(performance.now() - r0);
      break;
    }
    await sleep(10);
  }
  if (restartToCaughtUpMs < 0) throw new Error(`restarted node ${sys.endpoints[follower]} did not apply ${entries} entries within 60 s`);
  return {
    result: { entries, fillMs, coldStartToFirstWriteMs, restartToReadyMs, restartToCaughtUpMs, rss: sys.pids().map(readRss) },
    system: sys,
  };
}

export const nodeDir = (clusterDir: string, i: number): string => join(clusterDir, `node-${i}`);
