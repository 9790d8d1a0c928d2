// Measures the figures issue 2 asks for on a fresh local cluster in a temporary folder:
//   time from start to first leader, entries/s committed with C requests in flight, time from leader kill to the
//   next acknowledged write. Not a test (mocha skips it); run after building:
//   node dist/test/integration/measure.js [--nodes 5] [--count 5000] [--concurrency 32] [--kills 3] [--cpu-prof-dir D]
//     [--failover-client raft]   (failover writes through RaftClient, as users write, instead of round-robin raw calls)
//     [--warmup N]               (N entries, default 2000, before the timed ones: lets the JIT settle)
// It also prints the CPU time each process spent per 1000 timed entries (from /proc; Linux only), which is steadier
// than entries/s on a machine shared with other work.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftClient } from '../../src/client/raft-client.js';
import { readFileSync } from 'node:fs';
import { defineCli, readCli } from '../../src/util/cli-args.js';
import { integer, oneOf, text } from '../../src/util/cli-options.js';
import { startLocalCluster } from '../../src/node/local-cluster.js';
import { findFreePorts } from '../../src/node/ports.js';
import { Clients, readRaftlog } from './helpers.js';
import { percentile } from '../../src/util/percentile.js';

async function main(): Promise<void> {
  const { values: f } = readCli(defineCli({
    program: 'measure',
    usage: 'node dist/test/integration/measure.js [options]',
    options: {
      nodes: integer('cluster size', { min: 1, max: 99, default: 5 }),
      count: integer('timed entries', { min: 1, max: 100_000_000, default: 5000 }),
      concurrency: integer('requests in flight', { min: 1, max: 4096, default: 32 }),
      kills: integer('leader kills', { min: 0, max: 1000, default: 3 }),
      'election-timeout-ms': integer('nodes\' election timeout', { min: 1, max: 3_600_000, placeholder: 'MS' }),
      'heartbeat-ms': integer('nodes\' heartbeat', { min: 1, max: 3_600_000, placeholder: 'MS' }),
      'cpu-prof-dir': text('nodes\' CPU profiles', { placeholder: 'DIR' }),
      'failover-client': oneOf('failover writes through RaftClient instead of round-robin raw calls', ['raft']),
      warmup: integer('untimed entries first (lets the JIT settle)', { min: 0, max: 100_000_000, default: 2000 }),
    },
  }));
  const { nodes, count, concurrency, kills, warmup } = f;
  const dir = mkdtempSync(join(tmpdir(), 'raft-measure-'));
  const clients = new Clients();
  const t0 = Date.now();
  const cluster = await startLocalCluster({
    nodes,
    ports: await findFreePorts(nodes),
    dataDir: dir,
    logLevel: 'warn',
    nodeOptions: f['cpu-prof-dir'] !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${f['cpu-prof-dir']}`] : [],
    electionTimeoutMs: f['election-timeout-ms'],
    heartbeatMs: f['heartbeat-ms'],
  });
  try {
    const readyAt = Date.now();
    let leader = await cluster.waitForLeader(30_000);
    const firstLeaderAt = Date.now();
    console.log(`processes READY after ${readyAt - t0} ms; first leader ${leader.id} after ${firstLeaderAt - t0} ms from spawn (${firstLeaderAt - readyAt} ms after READY)`);

    // Throughput: `concurrency` closed-loop workers sending addEntry to the leader; the first `warmup` are not timed.
    let next = 0;
    let acked = 0;
    const lat: number[] = [];
    let start = Date.now();
    let cpuAtStart: number[] = [];
    const leaderIdx = leader.index;
    const pids = cluster.nodes.map((n) => n.process?.pid ?? 0);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < warmup + count) {
          const k = next++;
          if (k === warmup) {
            start = Date.now();
            cpuAtStart = cpuTimes(pids);
          }
          const s = performance.now();
          const ok = (await clients.call(leader.id, 'addEntry', [`m-${k}`, 'x'.repeat(100)])) === true;
          if (k < warmup) continue;
          if (ok) acked++;
          lat.push(performance.now() - s);
        }
      }),
    );
    const secs = (Date.now() - start) / 1000;
    const cpuAtEnd = cpuTimes(pids);
    lat.sort((a, b) => a - b);
    const pct = (p: number): string => percentile(lat, p).toFixed(1);
    console.log(`throughput: ${acked}/${count} acknowledged in ${secs.toFixed(2)} s = ${(acked / secs).toFixed(0)} entries/s at ${concurrency} in flight (p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms)`);
    if (cpuAtStart.length > 0 && cpuAtEnd.every((t) => t >= 0)) {
      const per1000 = (i: number): string => (((cpuAtEnd[i] - cpuAtStart[i]) * 1000) / Math.max(1, acked)).toFixed(0);
      const parts = cluster.nodes.map((n, i) => `${i === leaderIdx ? 'leader' : 'follower'} ${per1000(i)}`);
      parts.push(`client ${per1000(pids.length)}`);
      console.log(`CPU ms per 1000 entries: ${parts.join(', ')}`);
    }

    // Failover: kill -9 the leader, time until a write is acknowledged again (writes retried through the survivors).
    // With --failover-client raft, RaftClient (which knows the old leader, as a running application would) does it.
    const raftClient = f['failover-client'] === 'raft' ? new RaftClient(cluster.nodes.map((n) => n.id)) : null;
    if (raftClient !== null && !(await raftClient.addEntry('warm-up')).ok) throw new Error('RaftClient could not write');
    const failovers: number[] = [];
    for (let k = 0; k < kills; k++) {
      const killedAt = Date.now();
      await cluster.kill(leader.index, 'SIGKILL');
      const survivors = cluster.nodes.filter((n) => n.process !== null).map((n) => n.id);
      let done = false;
      if (raftClient !== null) {
        done = (await raftClient.addEntry('y', `failover-${k}`)).ok;
      }
      for (let attempt = 0; !done && attempt < 2000; attempt++) {
        const target = survivors[attempt % survivors.length];
        done = (await clients.call(target, 'addEntry', [`failover-${k}`, 'y'], 2000).catch(() => false)) === true;
        if (!done) await new Promise((r) => setTimeout(r, 5));
      }
      failovers.push(Date.now() - killedAt);
      await cluster.restart(leader.index);
      leader = await cluster.waitForLeader(30_000);
    }
    raftClient?.close();
    console.log(`failover (kill -9 leader -> next acknowledged write${raftClient ? ', RaftClient' : ''}): ${failovers.map((ms) => `${ms} ms`).join(', ')}`);
    const lines = cluster.nodes.map((n) => readRaftlog(n.dataDir).split('\n').length - 1);
    console.log(`raftlog lines per node right after the run: ${lines.join(', ')}`);
  } finally {
    clients.closeAll();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CPU ms (user + system) used so far by each pid, then by this process last; -1 where /proc cannot tell. */
function cpuTimes(pids: number[]): number[] {
  const msPerTick = 10; // USER_HZ is 100 on Linux
  const out = pids.map((pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) * msPerTick;
    } catch {
      return -1;
    }
  });
  const self = process.cpuUsage();
  out.push((self.user + self.system) / 1000);
  return out;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
