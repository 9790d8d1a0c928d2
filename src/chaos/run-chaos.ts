// A chaos run on real processes: N node processes on loopback behind fault-injecting proxies, concurrent clients
// recording a history, a nemesis breaking things for `seconds`, then heal, quiesce, stop, and judge: linearizable
// history, every raftlog a prefix of one history holding every acknowledged write exactly once, one leader per term.
// Bounded in time; every process, proxy and directory it made is gone when it returns (unless keepDir).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAppendLog } from '../check/log-model.js';
import { checkKvHistory } from '../check/kv-model.js';
import type { CheckResult } from '../check/history.js';
import { RaftClient } from '../client/raft-client.js';
import { startLocalCluster, type LocalCluster } from '../node/local-cluster.js';
import { findFreePorts, takenPorts } from '../node/ports.js';
import { seededFloat, seededRandom } from '../util/seeded-random.js';
import { runClientWorker, type WorkerCounts } from './client-worker.js';
import { formatHistory } from './history-file.js';
import { LeaderObserver } from './leader-observer.js';
import { ChaosNemesis, type ChaosFault } from './nemesis.js';
import { runTime, toAddOperations, toKvOperations, type ChaosOpRecord } from './op-record.js';
import { renderChaosHtml } from './timeline-html.js';
import type { ChaosTimeline } from './timeline.js';
import { PartitionProxy, type ProxyStats } from './partition-proxy.js';
import { PartitionTable } from './partitions.js';
import { checkRaftlogs } from './raftlog-check.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChaosOptions {
  nodes: number;
  /** How long the nemesis runs; healing and checking come on top (bounded, typically 10-30 s). */
  seconds: number;
  clients?: number;
  seed?: number;
  keepDir?: boolean;
  log?: (line: string) => void;
  /** Write the client history here (JSON lines, see history-file.ts), also when the run breaks off. */
  historyFile?: string;
  /** Write the HTML timeline here. */
  reportFile?: string;
}

export interface ChaosReport {
  ok: boolean;
  verdict: string;
  problems: string[];
  dataDir: string;
  ops: { total: number; writesAcked: number; writesUnknown: number; readsOk: number; readsFailed: number };
  faults: Record<ChaosFault, number>;
  leadersSeen: { term: number; id: string }[];
  committedEntries: number;
  raftlogLengths: number[];
  proxy: ProxyStats;
  wallSeconds: number;
  /** The register checker's result on the setVal/getVal history (what a checker fed the history file must agree with). */
  linearizability: CheckResult;
  timeline: ChaosTimeline;
}

/** The nodes bind here; their ids (127.0.0.1:port) belong to the proxies. */
const NODE_LISTEN_HOST = '127.0.0.2';
const KEYS = ['x', 'y', 'z'];

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => undefined);
  const started = performance.now();
  const now = (): number => runTime(performance.now(), started);
  const random = seededFloat(seededRandom(o.seed ?? Date.now() % 1_000_000));
  const dataDir = mkdtempSync(join(tmpdir(), 'raft-chaos-'));
  const table = new PartitionTable();
  const proxies: PartitionProxy[] = [];
  const clients: RaftClient[] = [];
  let cluster: LocalCluster | null = null;
  let nemesis: ChaosNemesis | null = null;
  let observer: LeaderObserver | null = null;
  const problems: string[] = [];
  const records: ChaosOpRecord[] = [];
  const counts: WorkerCounts = { writesAcked: 0, writesUnknown: 0, readsOk: 0, readsFailed: 0 };
  let raftlogLengths: number[] = [];
  let committedEntries = 0;
  try {
    const ports = await freePortsOnBothHosts(o.nodes);
    cluster = await startLocalCluster({ nodes: o.nodes, dataDir, ports, logLevel: 'warn', extraArgs: ['--listen', NODE_LISTEN_HOST] });
    for (const node of cluster.nodes) {
      proxies.push(await PartitionProxy.start({ nodeId: node.id, targetHost: NODE_LISTEN_HOST, targetPort: node.port, policy: table }));
    }
    log(`cluster of ${o.nodes} up in ${dataDir}; proxies on ${cluster.endpoints.join(', ')}`);
    const first = await cluster.waitForLeader(30_000);
    log(`first leader ${first.id} (term ${first.term})`);

    observer = new LeaderObserver(cluster, now);
    observer.start();
    const obs = observer;
    // suspend is an admin call: the local cluster's admin token (its data folder's secrets/admin.token).
    const admin = new RaftClient(cluster.endpoints, { timeoutMs: 1000, deadlineMs: 3000, credentials: cluster.security.credentials });
    clients.push(admin);
    nemesis = new ChaosNemesis({
      cluster,
      table,
      suspend: (node, seconds) => admin.suspend(node, seconds),
      member: (op, node) => admin.member(op, node),
      leaderIndex: () => obs.latestLeader,
      random,
      log,
      now,
    });

    let stopClients = false;
    let opIds = 0;
    const runTag = `chaos${Math.floor(random() * 1e9).toString(36)}`;
    const workers = Array.from({ length: o.clients ?? 4 }, (_, i) => {
      // A deadline shorter than the longest fault, so some writes end with an unknown outcome and the checkers
      // must reason about calls that may or may not have happened.
      const client = new RaftClient(cluster!.endpoints, { timeoutMs: 1000, deadlineMs: 2500 });
      clients.push(client);
      return runClientWorker({
        index: i + 1,
        client,
        records,
        counts,
        keys: KEYS,
        runTag,
        random,
        nextOpId: () => opIds++,
        shouldStop: () => stopClients,
        now,
      });
    });

    const nemesisStart = now();
    await nemesis.run(performance.now() + o.seconds * 1000);
    await nemesis.healAll();
    const healedAt = now();
    const after = await cluster.waitForLeader(30_000);
    log(`after healing: leader ${after.id} (term ${after.term})`);
    await sleep(2000); // let clients complete a few operations on the healed cluster
    stopClients = true;
    await Promise.all(workers);
    const clientsStopped = now();
    await waitForQuiescence(cluster, 30_000, problems);
    await observer.stop();
    observer = null;
    await cluster.stop();

    const verdict = checkRaftlogs(cluster.nodes.map((n) => join(n.dataDir, 'raftlog')));
    raftlogLengths = verdict.lengths;
    committedEntries = verdict.history.length;
    if (!verdict.ok) problems.push(`raftlogs: ${verdict.message}`);
    const tids = verdict.history.filter((e) => e.tid !== '').map((e) => e.tid);
    const writes = checkAppendLog(toAddOperations(records), tids);
    if (writes.verdict !== 'ok') problems.push(`acknowledged writes: ${writes.verdict}: ${writes.message}`);
    const kv = checkKvHistory(toKvOperations(records));
    if (kv.verdict !== 'ok') problems.push(`linearizability: ${kv.verdict}: ${kv.message}`);
    if (obs.conflicts.length > 0) problems.push(`election safety: ${obs.conflicts.join('; ')}`);

    const report: ChaosReport = {
      ok: problems.length === 0,
      verdict: problems.length === 0 ? 'ok' : 'FAILED',
      problems,
      dataDir,
      ops: { total: records.length, ...counts },
      faults: { ...nemesis.counts },
      leadersSeen: [...obs.leaderByTerm].sort((a, b) => a[0] - b[0]).map(([term, id]) => ({ term, id })),
      committedEntries,
      raftlogLengths,
      proxy: sumStats(proxies),
      wallSeconds: (performance.now() - started) / 1000,
      linearizability: kv,
      timeline: {
        nodes: cluster.endpoints,
        clients: Array.from({ length: o.clients ?? 4 }, (_, i) => `c${i + 1}`),
        ops: records,
        faults: nemesis.spans,
        leaders: [...obs.changes].sort((a, b) => a.at - b.at),
        nemesisStart,
        healedAt,
        end: clientsStopped,
      },
    };
    if (o.historyFile !== undefined) writeFileSync(o.historyFile, formatHistory(records));
    if (o.reportFile !== undefined) writeFileSync(o.reportFile, renderChaosHtml(report));
    return report;
  } catch (err) {
    // The history is written even when the run broke off (what was in flight is marked unknown): it is what an
    // outside checker needs most then. Best effort: the run's own error is the one to report.
    if (o.historyFile !== undefined) {
      try {
        writeFileSync(o.historyFile, formatHistory(records));
      } catch (writeErr) {
        log(`could not write the history to ${o.historyFile}: ${writeErr instanceof Error ? writeErr.message : String(writeErr)}`);
      }
    }
    throw err;
  } finally {
    nemesis?.continueAll();
    await observer?.stop();
    for (const c of clients) c.close();
    if (cluster) await cluster.stop();
    await Promise.all(proxies.map((p) => p.close()));
    if (!o.keepDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Ports free on 127.0.0.1 (for the proxies) and on the nodes' listen host. */
async function freePortsOnBothHosts(count: number): Promise<number[]> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const ports = await findFreePorts(count);
    if ((await takenPorts(NODE_LISTEN_HOST, ports)).length === 0) return ports;
  }
  throw new Error(`no ${count} free ports on both 127.0.0.1 and ${NODE_LISTEN_HOST}`);
}

/** Waits until every node has applied the same, highest commit index (bounded); notes it if that never happens. */
async function waitForQuiescence(cluster: LocalCluster, timeoutMs: number, problems: string[]): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < deadline) {
    const all = await Promise.all(cluster.nodes.map((_, i) => cluster.status(i, 1000)));
    last = JSON.stringify(all.map((s) => (s ? `${s.role} c${s.commitIndex} a${s.lastApplied}` : 'no answer')));
    const answered = all.filter((s) => s !== null);
    if (answered.length === all.length) {
      const commit = Math.max(...answered.map((s) => s!.commitIndex));
      if (answered.every((s) => s!.lastApplied === commit && s!.commitIndex === commit)) return;
    }
    await sleep(200);
  }
  problems.push(`nodes did not converge within ${timeoutMs} ms after healing: ${last}`);
}

function sumStats(proxies: PartitionProxy[]): ProxyStats {
  const t: ProxyStats = { forwarded: 0, requestsSwallowed: 0, repliesSwallowed: 0, upstreamErrors: 0 };
  for (const p of proxies) {
    t.forwarded += p.stats.forwarded;
    t.requestsSwallowed += p.stats.requestsSwallowed;
    t.repliesSwallowed += p.stats.repliesSwallowed;
    t.upstreamErrors += p.stats.upstreamErrors;
  }
  return t;
}
